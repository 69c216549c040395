package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Leave}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Leave_Kio extends demo.Leave {
    public Leave_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Leave#attempts(int)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Integer> attempts(demo.Leave handler, int limit) {
        AttemptsFlow $frame = AttemptsFlow.KIND.idle();
        return ($frame != null ? $frame : AttemptsFlow.KIND.adopt(new AttemptsFlow())).start(handler, limit);
    }

    /**
     * Starts {@link demo.Leave#siblings(int)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> siblings(demo.Leave handler, int n) {
        SiblingsFlow $frame = SiblingsFlow.KIND.idle();
        return ($frame != null ? $frame : SiblingsFlow.KIND.adopt(new SiblingsFlow())).start(handler, n);
    }

    /**
     * The continuation of {@link demo.Leave#attempts(int)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class AttemptsFlow extends dev.kio.runtime.worker.Frame<java.lang.Integer> {
        static final dev.kio.runtime.worker.FrameKind<AttemptsFlow> KIND = new dev.kio.runtime.worker.FrameKind<AttemptsFlow>(1024);

        private demo.Leave self;
        private int $ret;
        private int limit;
        private int tries;
        private java.lang.Throwable $thrown;
        private IllegalStateException e;

        AttemptsFlow start(demo.Leave self, int limit) {
            reset();
            this.self = self;
            this.limit = limit;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                try {
                    switch (state) {
                    case 0: // Leave.java:21
                        tries = 0;
                        state = 1;
                    case 1, 2, 3, 4, 5, 6: // Leave.java:22, the loop's states
                        $loop0:
                        for (int $at0 = state;;) {
                            switch ($at0) {
                            case 1: // Leave.java:22
                                state = 2; $at0 = 2; continue $loop0;
                            case 2: // Leave.java:24
                                state = 3;
                                if (await(self.ops().ready(1))) return;
                            case 3: // Leave.java:24
                                tries += result();
                                {
                                    int $exit0 = -1;
                                    $guarded0:
                                    try {
                                        if (tries == limit) {
                                            { $ret = tries; $exit0 = 0; break $guarded0; }
                                        }
                                        if (tries > limit) {
                                            { $exit0 = 1; break $guarded0; }
                                        }
                                    } finally {
                                        self.check(tries);
                                    }
                                    switch ($exit0) {
                                        case 0 -> { done(); return; }
                                        case 1 -> { state = 7; continue $dispatch; }
                                    }
                                }
                                state = 6; $at0 = 6; continue $loop0;
                            case 4: // Leave.java:35
                                {
                                    java.lang.Throwable t$ = $thrown;
                                    $thrown = null;
                                    if (t$ instanceof IllegalStateException) {
                                        e = (IllegalStateException) t$;
                                        state = 5; $at0 = 5; continue $loop0;
                                    }
                                    throw t$;
                                }
                            case 5: // Leave.java:35
                                {
                                self.log.append(e.getMessage()).append(';');
                                }
                            case 6: // Leave.java:37
                                state = 1; $at0 = 1; continue $loop0;
                            }
                        }
                    case 7: // Leave.java:39
                        { $ret = -1; done(); return; }
                    default:
                        throw new java.lang.IllegalStateException("no state " + state);
                    }
                } catch (java.lang.Throwable t) {
                    switch (state) {
                        case 2, 3 -> {
                            $thrown = t; state = 4;
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
            $thrown = null;
            e = null;
        }
    }

    /**
     * The continuation of {@link demo.Leave#siblings(int)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class SiblingsFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<SiblingsFlow> KIND = new dev.kio.runtime.worker.FrameKind<SiblingsFlow>(1024);

        private demo.Leave self;
        private java.lang.String $ret;
        private int n;

        SiblingsFlow start(demo.Leave self, int n) {
            reset();
            this.self = self;
            this.n = n;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Leave.java:51
                    state = 1;
                    if (await(self.ops().ready(n))) return;
                case 1: // Leave.java:51
                    {
                        {
                            int x = result();
                            self.log.append(x).append(';');
                        }
                        {
                            int x = n * 2;
                            self.log.append(x).append(';');
                        }
                        { $ret = self.log.toString(); done(); return; }
                    }
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected java.lang.String value() {
            return $ret;
        }

        protected void clear() {
            self = null;
            $ret = null;
        }
    }
}
