package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Drain}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Drain_Kio extends demo.Drain {
    public Drain_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Drain#drain(java.util.List, java.lang.Object)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Integer> drain(
            demo.Drain handler,
            java.util.List<java.lang.String> items,
            java.lang.Object tag) {
        DrainFlow $frame = DrainFlow.KIND.idle();
        return ($frame != null ? $frame : DrainFlow.KIND.adopt(new DrainFlow())).start(handler, items, tag);
    }

    /**
     * The continuation of {@link demo.Drain#drain(java.util.List, java.lang.Object)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class DrainFlow extends dev.kio.runtime.worker.Frame<java.lang.Integer> {
        static final dev.kio.runtime.worker.FrameKind<DrainFlow> KIND = new dev.kio.runtime.worker.FrameKind<DrainFlow>(1024);

        private demo.Drain self;
        private int $ret;
        private java.util.List<String> items;
        private Object tag;
        private int n;
        private String $unnamed;
        private java.util.Iterator<? extends String> $it0;
        private java.lang.Throwable $thrown;
        private NumberFormatException $unnamed$2;

        DrainFlow start(demo.Drain self, java.util.List<java.lang.String> items, java.lang.Object tag) {
            reset();
            this.self = self;
            this.items = items;
            this.tag = tag;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                try {
                    switch (state) {
                    case 0: // Drain.java:21
                        n = 0;
                        $it0 = items.iterator();
                        state = 1;
                    case 1, 2: // Drain.java:22, the loop's states
                        $loop0:
                        for (int $at0 = state;;) {
                            switch ($at0) {
                            case 1: // Drain.java:22
                                if (!$it0.hasNext()) {
                                    state = 3; continue $dispatch;
                                }
                                $unnamed = $it0.next();
                                state = 2;
                                if (await(self.ops().ready(1))) return;
                            case 2: // Drain.java:23
                                n += result();
                                state = 1; $at0 = 1; continue $loop0;
                            }
                        }
                    case 3: // Drain.java:25
                        state = 4; continue $dispatch;
                    case 4: // Drain.java:26
                        state = 5;
                        if (await(self.ops().ready(n))) return;
                    case 5: // Drain.java:26
                        Integer.parseInt(result() + "x");
                        state = 9; continue $dispatch;
                    case 6: // Drain.java:27
                        {
                            java.lang.Throwable t$ = $thrown;
                            $thrown = null;
                            if (t$ instanceof NumberFormatException) {
                                $unnamed$2 = (NumberFormatException) t$;
                                state = 7; continue $dispatch;
                            }
                            throw t$;
                        }
                    case 7: // Drain.java:28
                        state = 8;
                        if (await(self.ops().nop())) return;
                    case 8: // Drain.java:28
                        {
                            var _ = result();
                            self.log.append("not a number;");
                        }
                    case 9: // Drain.java:31
                        if (!((tag instanceof String _))) {
                            state = 11; continue $dispatch;
                        }
                        state = 10;
                        if (await(self.ops().ready(10))) return;
                    case 10: // Drain.java:32
                        n += result();
                    case 11: // Drain.java:34
                        { $ret = n; done(); return; }
                    default:
                        throw new java.lang.IllegalStateException("no state " + state);
                    }
                } catch (java.lang.Throwable t) {
                    switch (state) {
                        case 4, 5 -> {
                            $thrown = t; state = 6;
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
            items = null;
            tag = null;
            $unnamed = null;
            $it0 = null;
            $thrown = null;
            $unnamed$2 = null;
        }
    }
}
