package demo;

import static dev.kio.Flows.await;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.Operation;

/**
 * The flows of {@link demo.Outer.Members}, compiled into continuations by kio. Instantiate this class, not the
 * handler; start a flow with its static starter.
 */
@javax.annotation.processing.Generated("dev.kio.processor.KioProcessor")
public abstract class Outer_Members_Kio extends demo.Outer.Members {
    protected Outer_Members_Kio() throws java.io.IOException {
        super();
    }

    public Outer_Members_Kio(java.util.Map<java.lang.String, java.util.List<java.lang.Integer>> table) {
        super(table);
    }

    Outer_Members_Kio(int size, java.lang.String... names) throws java.io.IOException, java.lang.InterruptedException {
        super(size, names);
    }

    /**
     * Starts {@link demo.Outer.Members#lookup(java.util.List, int[], java.lang.String[])} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.util.Map<java.lang.String, java.util.List<java.lang.Integer>>> lookup(
            demo.Outer.Members handler,
            java.util.List<? extends java.lang.CharSequence> keys,
            int[] sizes,
            java.lang.String... extra) {
        LookupFlow $frame = LookupFlow.KIND.idle();
        return ($frame != null ? $frame : LookupFlow.KIND.adopt(new LookupFlow())).start(handler, keys, sizes, extra);
    }

    /**
     * Starts {@link demo.Outer.Members#raw(java.lang.Object)} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.util.List<java.lang.String>[]> raw(demo.Outer.Members handler, java.lang.Object o) {
        RawFlow $frame = RawFlow.KIND.idle();
        return ($frame != null ? $frame : RawFlow.KIND.adopt(new RawFlow())).start(handler, o);
    }

    /**
     * Starts {@link demo.Outer.Members#nothing()} as a lazy task: it runs when awaited, spawned on a worker or
     * sync-waited. On a worker, its frame comes from the worker's idle frames.
     */
    public static dev.kio.Task<java.lang.Void> nothing(demo.Outer.Members handler) {
        NothingFlow $frame = NothingFlow.KIND.idle();
        return ($frame != null ? $frame : NothingFlow.KIND.adopt(new NothingFlow())).start(handler);
    }

    /**
     * The continuation of {@link demo.Outer.Members#lookup(java.util.List, int[], java.lang.String[])}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads", "rawtypes"})
    static final class LookupFlow extends dev.kio.runtime.worker.Frame<java.util.Map<java.lang.String, java.util.List<java.lang.Integer>>> {
        static final dev.kio.runtime.worker.FrameKind<LookupFlow> KIND = new dev.kio.runtime.worker.FrameKind<LookupFlow>(1024);

        private demo.Outer.Members self;
        private java.util.Map<java.lang.String, java.util.List<java.lang.Integer>> $ret;
        private List<? extends CharSequence> keys;
        private int[] sizes;
        private String[] extra;
        private List<Integer> found;
        private int[] copy;
        private CharSequence k;
        private java.util.Iterator<? extends CharSequence> $it0;

        LookupFlow start(
                demo.Outer.Members self,
                java.util.List<? extends java.lang.CharSequence> keys,
                int[] sizes,
                java.lang.String[] extra) {
            reset();
            this.self = self;
            this.keys = keys;
            this.sizes = sizes;
            this.extra = extra;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Outer.java:46
                    found = new ArrayList<>();
                    copy = sizes.clone();
                    $it0 = keys.iterator();
                    state = 1;
                case 1, 2: // Outer.java:48, the loop's states
                    $loop0:
                    for (int $at0 = state;;) {
                        switch ($at0) {
                        case 1: // Outer.java:48
                            if (!$it0.hasNext()) {
                                state = 3; continue $dispatch;
                            }
                            k = $it0.next();
                            state = 2;
                            if (await(self.op())) return;
                        case 2: // Outer.java:49
                            found.add(result() + k.length() + copy.length + extra.length);
                            state = 1; $at0 = 1; continue $loop0;
                        }
                    }
                case 3: // Outer.java:51
                    { $ret = Map.of("found", found); done(); return; }
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected java.util.Map<java.lang.String, java.util.List<java.lang.Integer>> value() {
            return $ret;
        }

        protected void clear() {
            self = null;
            $ret = null;
            keys = null;
            sizes = null;
            extra = null;
            found = null;
            copy = null;
            k = null;
            $it0 = null;
        }
    }

    /**
     * The continuation of {@link demo.Outer.Members#raw(java.lang.Object)}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads", "rawtypes", "unchecked"})
    static final class RawFlow extends dev.kio.runtime.worker.Frame<java.util.List<java.lang.String>[]> {
        static final dev.kio.runtime.worker.FrameKind<RawFlow> KIND = new dev.kio.runtime.worker.FrameKind<RawFlow>(1024);

        private demo.Outer.Members self;
        private java.util.List<java.lang.String>[] $ret;
        private Object o;
        private List[] lists;

        RawFlow start(demo.Outer.Members self, java.lang.Object o) {
            reset();
            this.self = self;
            this.o = o;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Outer.java:57
                    lists = new List[] {(List) o};
                    state = 1;
                    if (await(self.op())) return;
                case 1: // Outer.java:58
                    result();
                    { $ret = lists; done(); return; }
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected java.util.List<java.lang.String>[] value() {
            return $ret;
        }

        protected void clear() {
            self = null;
            $ret = null;
            o = null;
            lists = null;
        }
    }

    /**
     * The continuation of {@link demo.Outer.Members#nothing()}.
     */
    @java.lang.SuppressWarnings({"fallthrough", "overloads", "rawtypes"})
    static final class NothingFlow extends dev.kio.runtime.worker.Frame<java.lang.Void> {
        static final dev.kio.runtime.worker.FrameKind<NothingFlow> KIND = new dev.kio.runtime.worker.FrameKind<NothingFlow>(1024);

        private demo.Outer.Members self;
        private char c;

        NothingFlow start(demo.Outer.Members self) {
            reset();
            this.self = self;
            return this;
        }

        protected void step() throws java.lang.Throwable {
            $dispatch:
            for (;;) {
                switch (state) {
                case 0: // Outer.java:64
                    c = 'x';
                    state = 1;
                    if (await(self.op())) return;
                case 1: // Outer.java:65
                    {
                        long big = result() * 2L;
                        if (big > self.limit()) {
                            throw new InterruptedException(c + "" + big);
                        }
                    }
                case 2: // Outer.java:69
                    done();
                    return;
                default:
                    throw new java.lang.IllegalStateException("no state " + state);
                }
            }
        }

        protected void clear() {
            self = null;
        }
    }
}
