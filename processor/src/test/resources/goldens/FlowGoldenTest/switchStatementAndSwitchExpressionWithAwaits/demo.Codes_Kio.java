package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Codes}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Codes_Kio extends demo.Codes {
    public Codes_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Codes#classify(int[])} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> classify(demo.Codes handler, int[] codes) {
        ClassifyFlow $frame = ClassifyFlow.KIND.idle();
        return ($frame != null ? $frame : ClassifyFlow.KIND.adopt(new ClassifyFlow())).start(handler, codes);
    }

    /**
     * The continuation of {@link demo.Codes#classify(int[])}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class ClassifyFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<ClassifyFlow> KIND = new dev.kio.runtime.worker.FrameKind<ClassifyFlow>(1024);

        private demo.Codes self;
        private java.lang.String $ret;
        private int[] codes;
        private StringBuilder out;
        private int code;
        private int[] $t0;
        private int $i1;
        private String kind;

        ClassifyFlow start(demo.Codes self, int[] codes) {
            reset();
            this.self = self;
            this.codes = codes;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Codes.java:22
                    out = new StringBuilder();
                    $t0 = codes;
                    $i1 = 0;
                    state = 1;
                case 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16: // Codes.java:23, the loop's states
                    $loop0:
                    for (int $at0 = state;;) {
                        switch ($at0) {
                        case 1: // Codes.java:23
                            if ($i1 >= $t0.length) {
                                state = 17; continue $dispatch;
                            }
                            code = $t0[$i1++];
                            switch ((code % 4)) {
                                case 0: state = 2; $at0 = 2; continue $loop0;
                                case 1: state = 4; $at0 = 4; continue $loop0;
                                case 2: state = 5; $at0 = 5; continue $loop0;
                                default: state = 7; $at0 = 7; continue $loop0;
                            }
                        case 2: // Codes.java:25
                            state = 3;
                            if (await(self.ops().nop())) return;
                        case 3: // Codes.java:26
                            result();
                            out.append('z');
                            { state = 8; $at0 = 8; continue $loop0; }
                        case 4: // Codes.java:29
                            out.append('o');
                        case 5: // Codes.java:32
                            state = 6;
                            if (await(self.ops().ready(code))) return;
                        case 6: // Codes.java:33
                            out.append(result());
                            { state = 8; $at0 = 8; continue $loop0; }
                        case 7: // Codes.java:35
                            out.append('?');
                        case 8: // Codes.java:38
                            switch ((code)) {
                                case 0: state = 9; $at0 = 9; continue $loop0;
                                case 1, 2: state = 10; $at0 = 10; continue $loop0;
                                default: state = 12; $at0 = 12; continue $loop0;
                            }
                        case 9: // Codes.java:39
                            kind = "none";
                            state = 16; $at0 = 16; continue $loop0;
                        case 10: // Codes.java:40
                            state = 11;
                            if (await(self.ops().ready(code * 10))) return;
                        case 11: // Codes.java:41
                            {
                                int r = result();
                                { kind = "few" + r; state = 16; $at0 = 16; continue $loop0; }
                            }
                        case 12: // Codes.java:44
                            if (!(code > 5)) {
                                state = 13; $at0 = 13; continue $loop0;
                            }
                            kind = "many";
                            state = 15; $at0 = 15; continue $loop0;
                        case 13: // Codes.java:44
                            state = 14;
                            if (await(self.ops().ready(code))) return;
                        case 14: // Codes.java:44
                            kind = "some" + result();
                        case 15: // Codes.java:44
                        case 16: // Codes.java:46
                            out.append(kind).append(',');
                            state = 1; $at0 = 1; continue $loop0;
                        }
                    }
                case 17: // Codes.java:48
                    self.log.append(codes.length);
                    { $ret = out.toString(); done(); return; }
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
            codes = null;
            out = null;
            $t0 = null;
            kind = null;
        }
    }
}
