package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Mix}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Mix_Kio extends demo.Mix {
    public Mix_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Mix#mix(int, java.lang.String)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> mix(demo.Mix handler, int a, java.lang.String s) {
        MixFlow $frame = MixFlow.KIND.idle();
        return ($frame != null ? $frame : MixFlow.KIND.adopt(new MixFlow())).start(handler, a, s);
    }

    /**
     * The continuation of {@link demo.Mix#mix(int, java.lang.String)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class MixFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<MixFlow> KIND = new dev.kio.runtime.worker.FrameKind<MixFlow>(1024);

        private demo.Mix self;
        private java.lang.String $ret;
        private int a;
        private String s;
        private boolean ok;
        private boolean $t0;
        private boolean $t1;
        private boolean $t2;
        private String r;
        private java.lang.String $t3;
        private int $t4;
        private java.lang.String $t5;
        private java.lang.String $t6;

        MixFlow start(demo.Mix self, int a, java.lang.String s) {
            reset();
            this.self = self;
            this.a = a;
            this.s = s;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Mix.java:21
                    $t1 = a > 0;
                    if (!$t1) {
                        state = 2; continue $dispatch;
                    }
                    state = 1;
                    if (await(self.ops().ready(a))) return;
                case 1: // Mix.java:21
                    $t1 = result() > 1;
                case 2: // Mix.java:21
                    $t0 = $t1;
                    if ($t0) {
                        state = 5; continue $dispatch;
                    }
                    $t2 = s.isEmpty();
                    if (!$t2) {
                        state = 4; continue $dispatch;
                    }
                    state = 3;
                    if (await(self.ops().nop())) return;
                case 3: // Mix.java:21
                    $t2 = result() == 0;
                case 4: // Mix.java:21
                    $t0 = $t2;
                case 5: // Mix.java:21
                    ok = $t0;
                    $t3 = (ok ? "yes" : "no") + "/";
                    if (!(a % 2 == 0)) {
                        state = 7; continue $dispatch;
                    }
                    state = 6;
                    if (await(self.ops().ready(a / 2))) return;
                case 6: // Mix.java:23
                    $t4 = result();
                    state = 9; continue $dispatch;
                case 7: // Mix.java:23
                    state = 8;
                    if (await(self.ops().ready(a))) return;
                case 8: // Mix.java:23
                    $t4 = -result();
                case 9: // Mix.java:23
                    $t5 = $t3 + ($t4) + "/" + s.length();
                    state = 10;
                    if (await(self.ops().ready(3))) return;
                case 10: // Mix.java:24
                    r = $t5 + result() + s.charAt(0);
                    self.log.append(r);
                    state = 11;
                    if (await(self.ops().ready(1))) return;
                case 11: // Mix.java:26
                    if (!(result() == 1)) {
                        state = 13; continue $dispatch;
                    }
                    state = 12;
                    if (await(self.ops().ready(1))) return;
                case 12: // Mix.java:26
                    $t6 = s.substring(result());
                    state = 14; continue $dispatch;
                case 13: // Mix.java:26
                    $t6 = "";
                case 14: // Mix.java:26
                    $ret = r + ($t6);
                    done();
                    return;
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
            s = null;
            r = null;
            $t3 = null;
            $t5 = null;
            $t6 = null;
        }
    }
}
