package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Echo}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Echo_Kio extends demo.Echo {
    public Echo_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Echo#session(int[])} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Integer> session(demo.Echo handler, int[] chunks) {
        SessionFlow $frame = SessionFlow.KIND.idle();
        return ($frame != null ? $frame : SessionFlow.KIND.adopt(new SessionFlow())).start(handler, chunks);
    }

    /**
     * The continuation of {@link demo.Echo#session(int[])}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class SessionFlow extends dev.kio.runtime.worker.Frame<java.lang.Integer> {
        static final dev.kio.runtime.worker.FrameKind<SessionFlow> KIND = new dev.kio.runtime.worker.FrameKind<SessionFlow>(1024);

        private demo.Echo self;
        private int $ret;
        private int[] chunks;
        private int echoed;
        private int i;
        private int n;
        private int $fin0;
        private java.lang.Throwable $ex0;
        private int $fin1;
        private java.lang.Throwable $ex1;

        SessionFlow start(demo.Echo self, int[] chunks) {
            reset();
            this.self = self;
            this.chunks = chunks;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                try {
                    switch (state) {
                    case 0: // Echo.java:22
                        echoed = 0;
                        i = 0;
                        state = 1;
                    case 1, 2, 3, 4, 5, 6, 7: // Echo.java:24, the loop's states
                        $loop0:
                        for (int $at0 = state;;) {
                            switch ($at0) {
                            case 1: // Echo.java:24
                                state = 2;
                                if (await(self.ops().ready(chunks[i++]))) return;
                            case 2: // Echo.java:25
                                n = result();
                                if (n == 0) {
                                    { state = 8; continue $dispatch; }
                                }
                                state = 3; $at0 = 3; continue $loop0;
                            case 3: // Echo.java:30
                                state = 4;
                                if (await(self.ops().nop())) return;
                            case 4: // Echo.java:30
                                result();
                                echoed += n;
                                $fin0 = 7; state = 5; $at0 = 5; continue $loop0;
                            case 5: // Echo.java:33
                                state = 6;
                                if (await(self.ops().nop())) return;
                            case 6: // Echo.java:33
                                result();
                                self.log.append("ack ").append(n).append(';');
                                if ($fin0 < 0) {
                                    java.lang.Throwable x$ = $ex0;
                                    $ex0 = null;
                                    throw x$;
                                }
                                state = $fin0; continue $dispatch;
                            case 7: // Echo.java:35
                                state = 1; $at0 = 1; continue $loop0;
                            }
                        }
                    case 8: // Echo.java:37
                        state = 9; continue $dispatch;
                    case 9: // Echo.java:37
                        {
                        { $ret = echoed; $fin1 = 13; state = 10; continue $dispatch; }
                        }
                    case 10: // Echo.java:40
                        state = 11;
                        if (await(self.ops().nop())) return;
                    case 11: // Echo.java:40
                        result();
                        self.log.append("closed");
                        if ($fin1 < 0) {
                            java.lang.Throwable x$ = $ex1;
                            $ex1 = null;
                            throw x$;
                        }
                        state = $fin1; continue $dispatch;
                    case 12: // Echo.java:42
                    case 13: // Echo.java:43
                        done();
                        return;
                    default:
                        throw new java.lang.IllegalStateException("no state " + state);
                    }
                } catch (java.lang.Throwable t) {
                    switch (state) {
                        case 3, 4 -> {
                            $ex0 = t; $fin0 = -1; state = 5;
                        }
                        case 9 -> {
                            $ex1 = t; $fin1 = -1; state = 10;
                        }
                        default -> throw t;
                    }
                }
            }
        }

        protected java.lang.Integer value() {
            return $ret;
        }

        protected void clear() {
            self = null;
            chunks = null;
            $ex0 = null;
            $ex1 = null;
        }
    }
}
