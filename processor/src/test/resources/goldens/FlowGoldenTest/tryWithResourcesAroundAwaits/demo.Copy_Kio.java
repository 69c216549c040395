package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Copy}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Copy_Kio extends demo.Copy {
    public Copy_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Copy#copy(java.lang.String)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> copy(demo.Copy handler, java.lang.String name) {
        CopyFlow $frame = CopyFlow.KIND.idle();
        return ($frame != null ? $frame : CopyFlow.KIND.adopt(new CopyFlow())).start(handler, name);
    }

    /**
     * The continuation of {@link demo.Copy#copy(java.lang.String)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class CopyFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<CopyFlow> KIND = new dev.kio.runtime.worker.FrameKind<CopyFlow>(1024);

        private demo.Copy self;
        private java.lang.String $ret;
        private String name;
        private Conn in;
        private int $fin0;
        private java.lang.Throwable $ex0;
        private Conn out;
        private int $fin1;
        private java.lang.Throwable $ex1;
        private int n;

        CopyFlow start(demo.Copy self, java.lang.String name) {
            reset();
            this.self = self;
            this.name = name;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                try {
                    switch (state) {
                    case 0: // Copy.java:35
                        in = self.new Conn(name + ".in");
                        state = 1; continue $dispatch;
                    case 1: // Copy.java:35
                        out = self.new Conn(name + ".out");
                        state = 2; continue $dispatch;
                    case 2: // Copy.java:36
                        state = 3;
                        if (await(self.ops().ready(in.name.length()))) return;
                    case 3: // Copy.java:36
                        n = result();
                        state = 4;
                        if (await(self.ops().nop())) return;
                    case 4: // Copy.java:37
                        result();
                        self.log.append("copied;");
                        { $ret = in.name + "->" + out.name + ":" + n; $fin1 = 9; state = 5; continue $dispatch; }
                    case 5: // Copy.java:35
                        if (out != null) {
                            if ($ex1 != null) {
                                try {
                                    out.close();
                                } catch (java.lang.Throwable s$) {
                                    $ex1.addSuppressed(s$);
                                }
                            } else {
                                out.close();
                            }
                        }
                        if ($fin1 < 0) {
                            java.lang.Throwable x$ = $ex1;
                            $ex1 = null;
                            throw x$;
                        }
                        state = $fin1; continue $dispatch;
                    case 6: // Copy.java:40
                        $fin0 = 8; state = 7; continue $dispatch;
                    case 7: // Copy.java:35
                        if (in != null) {
                            if ($ex0 != null) {
                                try {
                                    in.close();
                                } catch (java.lang.Throwable s$) {
                                    $ex0.addSuppressed(s$);
                                }
                            } else {
                                in.close();
                            }
                        }
                        if ($fin0 < 0) {
                            java.lang.Throwable x$ = $ex0;
                            $ex0 = null;
                            throw x$;
                        }
                        state = $fin0; continue $dispatch;
                    case 8: // Copy.java:40
                        state = 10; continue $dispatch;
                    case 9: // Copy.java:37
                        $fin0 = 10; state = 7; continue $dispatch;
                    case 10: // Copy.java:41
                        done();
                        return;
                    default:
                        throw new java.lang.IllegalStateException("no state " + state);
                    }
                } catch (java.lang.Throwable t) {
                    switch (state) {
                        case 1, 5, 6, 9 -> {
                            $ex0 = t; $fin0 = -1; state = 7;
                        }
                        case 2, 3, 4 -> {
                            $ex1 = t; $fin1 = -1; state = 5;
                        }
                        default -> throw t;
                    }
                }
            }
        }

        protected java.lang.String value() {
            return $ret;
        }

        protected void clear() {
            self = null;
            $ret = null;
            name = null;
            in = null;
            $ex0 = null;
            out = null;
            $ex1 = null;
        }
    }
}
