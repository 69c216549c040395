package demo;

import static dev.kio.Flows.await;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.OpException;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.worker.Worker;

/**
 * The flows of {@link demo.Http}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public class Http_Kio extends demo.Http {
    public Http_Kio() {
        super();
    }

    /**
     * Starts {@link demo.Http#request(java.lang.String)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> request(demo.Http handler, java.lang.String path) {
        RequestFlow $frame = RequestFlow.KIND.idle();
        return ($frame != null ? $frame : RequestFlow.KIND.adopt(new RequestFlow())).start(handler, path);
    }

    /**
     * Starts {@link demo.Http#header(java.lang.String)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.String> header(demo.Http handler, java.lang.String path) {
        HeaderFlow $frame = HeaderFlow.KIND.idle();
        return ($frame != null ? $frame : HeaderFlow.KIND.adopt(new HeaderFlow())).start(handler, path);
    }

    /**
     * Starts {@link demo.Http#trailer(int)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Integer> trailer(demo.Http handler, int n) {
        TrailerFlow $frame = TrailerFlow.KIND.idle();
        return ($frame != null ? $frame : TrailerFlow.KIND.adopt(new TrailerFlow())).start(handler, n);
    }

    /**
     * Starts {@link demo.Http#checksum(int)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Integer> checksum(demo.Http handler, int n) {
        ChecksumFlow $frame = ChecksumFlow.KIND.idle();
        return ($frame != null ? $frame : ChecksumFlow.KIND.adopt(new ChecksumFlow())).start(handler, n);
    }

    /**
     * The continuation of {@link demo.Http#request(java.lang.String)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class RequestFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<RequestFlow> KIND = new dev.kio.runtime.worker.FrameKind<RequestFlow>(1024);

        private demo.Http self;
        private java.lang.String $ret;
        private String path;
        private String head;
        private int body;
        private java.lang.String $t0;
        private final HeaderFlow $headerFlow = new HeaderFlow();
        private final TrailerFlow $trailerFlow = new TrailerFlow();

        RequestFlow start(demo.Http self, java.lang.String path) {
            reset();
            this.self = self;
            this.path = path;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Http.java:21
                    state = 1;
                    if (await($headerFlow.start(self, path))) return;
                case 1: // Http.java:21
                    joinEmbedded($headerFlow);
                    head = $headerFlow.$ret;
                    state = 2;
                    if (await(self.ops().ready(path.length()))) return;
                case 2: // Http.java:22
                    body = result();
                    $t0 = head + ":" + body + ":";
                    state = 3;
                    if (await($trailerFlow.start(self, body))) return;
                case 3: // Http.java:23
                    joinEmbedded($trailerFlow);
                    $ret = $t0 + $trailerFlow.$ret;
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
            path = null;
            head = null;
            $t0 = null;
        }
    }

    /**
     * The continuation of {@link demo.Http#header(java.lang.String)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class HeaderFlow extends dev.kio.runtime.worker.Frame<java.lang.String> {
        static final dev.kio.runtime.worker.FrameKind<HeaderFlow> KIND = new dev.kio.runtime.worker.FrameKind<HeaderFlow>(1024);

        private demo.Http self;
        private java.lang.String $ret;
        private String path;
        private java.lang.String $t0;
        private final ChecksumFlow $checksumFlow = new ChecksumFlow();

        HeaderFlow start(demo.Http self, java.lang.String path) {
            reset();
            this.self = self;
            this.path = path;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Http.java:28
                    state = 1;
                    if (await(self.ops().nop())) return;
                case 1: // Http.java:28
                    result();
                    self.log.append("header;");
                    $t0 = "GET " + path + " ";
                    state = 2;
                    if (await($checksumFlow.start(self, path.length()))) return;
                case 2: // Http.java:30
                    joinEmbedded($checksumFlow);
                    $ret = $t0 + $checksumFlow.$ret;
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
            path = null;
            $t0 = null;
        }
    }

    /**
     * The continuation of {@link demo.Http#trailer(int)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class TrailerFlow extends dev.kio.runtime.worker.Frame<java.lang.Integer> {
        static final dev.kio.runtime.worker.FrameKind<TrailerFlow> KIND = new dev.kio.runtime.worker.FrameKind<TrailerFlow>(1024);

        private demo.Http self;
        private int $ret;
        private int n;
        private int t;
        private final ChecksumFlow $checksumFlow = new ChecksumFlow();

        TrailerFlow start(demo.Http self, int n) {
            reset();
            this.self = self;
            this.n = n;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Http.java:35
                    state = 1;
                    if (await($checksumFlow.start(self, n))) return;
                case 1: // Http.java:35
                    joinEmbedded($checksumFlow);
                    t = $checksumFlow.$ret;
                    state = 2;
                    if (await(self.ops().nop())) return;
                case 2: // Http.java:36
                    result();
                    self.log.append("trailer;");
                    { $ret = t * 2; done(); return; }
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected java.lang.Integer value() {
            return $ret;
        }

        protected void clear() {
            self = null;
        }
    }

    /**
     * The continuation of {@link demo.Http#checksum(int)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads"})
    static final class ChecksumFlow extends dev.kio.runtime.worker.Frame<java.lang.Integer> {
        static final dev.kio.runtime.worker.FrameKind<ChecksumFlow> KIND = new dev.kio.runtime.worker.FrameKind<ChecksumFlow>(1024);

        private demo.Http self;
        private int $ret;
        private int n;

        ChecksumFlow start(demo.Http self, int n) {
            reset();
            this.self = self;
            this.n = n;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Http.java:43
                    self.log.append("checksum ").append(n).append(';');
                    state = 1;
                    if (await(self.ops().ready(n * 7))) return;
                case 1: // Http.java:44
                    $ret = result() + 1;
                    done();
                    return;
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected java.lang.Integer value() {
            return $ret;
        }

        protected void clear() {
            self = null;
        }
    }
}
