package dev.kio.runtime.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Bindings to kio's C shim, {@code runtime/src/main/c/kio_shim.c}, loaded through FFM.
 *
 * <p>The shim is carried in the jar as {@code native/linux-x86_64/libkio.so}, copied to a
 * temporary file, loaded, and the file unlinked at once, so nothing is left behind. Every
 * call returns a count or {@code 0} on success and {@code -errno} on failure.
 */
public final class Native {
    private static final String RESOURCE = "/native/linux-x86_64/libkio.so";

    private static final MethodHandle RING_CREATE;
    private static final MethodHandle RING_REGISTER_FD;
    private static final MethodHandle RING_PROBE;
    private static final MethodHandle RING_IOWQ_CPU;
    private static final MethodHandle RING_DESTROY;
    private static final MethodHandle REGISTER_BUFFERS;
    private static final MethodHandle UNREGISTER_BUFFERS;
    private static final MethodHandle REGISTER_BUF_RING;
    private static final MethodHandle UNREGISTER_BUF_RING;
    private static final MethodHandle ENTER;
    private static final MethodHandle ENTER_TIMEOUT;
    private static final MethodHandle SET_AFFINITY;
    private static final MethodHandle GET_AFFINITY;
    private static final MethodHandle PIPE;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle EVENTFD_WRITE;
    private static final MethodHandle CLOSE;
    private static final MethodHandle MEMLOCK_LIMIT;
    private static final MethodHandle ERRNO_TEXT;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle LISTEN;
    private static final MethodHandle CONNECT;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle GETPEERNAME;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Entries in the array {@link #ringCreate} fills; must match the shim's enum. */
    public static final int INFO_COUNT;

    static {
        SymbolLookup lib = load();
        Linker linker = Linker.nativeLinker();
        RING_CREATE = bind(linker, lib, "kio_ring_create", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        RING_REGISTER_FD = bind(linker, lib, "kio_ring_register_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        RING_PROBE = bind(linker, lib, "kio_ring_probe", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
        RING_IOWQ_CPU = bind(linker, lib, "kio_ring_iowq_cpu", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
        RING_DESTROY = bind(linker, lib, "kio_ring_destroy", FunctionDescriptor.ofVoid(JAVA_LONG));
        REGISTER_BUFFERS = bind(linker, lib, "kio_register_buffers",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
        UNREGISTER_BUFFERS = bind(linker, lib, "kio_unregister_buffers", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        REGISTER_BUF_RING = bind(linker, lib, "kio_register_buf_ring",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT));
        UNREGISTER_BUF_RING = bind(linker, lib, "kio_unregister_buf_ring",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
        ENTER = bind(linker, lib, "kio_enter", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        ENTER_TIMEOUT = bind(linker, lib, "kio_enter_timeout",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        SET_AFFINITY = bind(linker, lib, "kio_set_affinity", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        GET_AFFINITY = bind(linker, lib, "kio_get_affinity", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        PIPE = bind(linker, lib, "kio_pipe", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        EVENTFD = bind(linker, lib, "kio_eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        EVENTFD_WRITE = bind(linker, lib, "kio_eventfd_write", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        CLOSE = bind(linker, lib, "kio_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MEMLOCK_LIMIT = bind(linker, lib, "kio_memlock_limit", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        ERRNO_TEXT = bind(linker, lib, "kio_errno_text",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        FTRUNCATE = bindLibc(linker, "ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
        SOCKET = bindLibc(linker, "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        BIND = bindLibc(linker, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        LISTEN = bindLibc(linker, "listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        CONNECT = bindLibc(linker, "connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        GETSOCKNAME = bindLibc(linker, "getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        GETPEERNAME = bindLibc(linker, "getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        SETSOCKOPT = bindLibc(linker, "setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        GETSOCKOPT = bindLibc(linker, "getsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle infoCount = bind(linker, lib, "kio_info_count", FunctionDescriptor.of(JAVA_INT));
        try {
            INFO_COUNT = (int) infoCount.invokeExact();
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private Native() {
    }

    @SuppressWarnings("restricted") // loading the shim is this class's purpose
    private static SymbolLookup load() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            throw new UnsupportedOperationException("kio runs on Linux x86_64 only; this is "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        try (InputStream in = Native.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("kio's native shim " + RESOURCE
                        + " is missing from the classpath: build the runtime module with Maven (scripts/mvn package)");
            }
            Path tmp = extract(in);
            try {
                return SymbolLookup.libraryLookup(tmp, Arena.global());
            } finally {
                // The mapping stays valid after the unlink; nothing is left in /tmp.
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract kio's native shim to a temporary file: " + e, e);
        }
    }

    /**
     * Copies the shim to a new file in the temp directory. Not Files.createTempFile: its
     * SecureRandom keeps /dev/random and /dev/urandom open for the life of the process. The
     * name is unique per process and attempt, and CREATE_NEW (O_EXCL) never follows a link.
     */
    private static Path extract(InputStream in) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        long pid = ProcessHandle.current().pid();
        for (int attempt = 0;; attempt++) {
            Path tmp = dir.resolve("libkio-" + pid + "-" + System.nanoTime() + "-" + attempt + ".so");
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                in.transferTo(out);
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    @SuppressWarnings("restricted") // signatures mirror kio_shim.c
    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(
                () -> new IllegalStateException("kio's native shim has no symbol " + name + ": rebuild the runtime module"));
        return linker.downcallHandle(symbol, fd);
    }

    /** A libc function whose errno is captured, for the few plain system calls the shim does not wrap. */
    @SuppressWarnings("restricted") // signatures mirror the libc prototypes
    private static MethodHandle bindLibc(Linker linker, String name, FunctionDescriptor fd) {
        MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow(
                () -> new IllegalStateException("libc has no symbol " + name));
        return linker.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }

    private static AssertionError broken(Throwable t) {
        return new AssertionError("native call failed unexpectedly", t);
    }

    /** Creates a ring through liburing; fills {@code info} ({@link #INFO_COUNT} longs). */
    public static int ringCreate(int entries, int cqEntries, int flags, MemorySegment info) {
        try {
            return (int) RING_CREATE.invokeExact(entries, cqEntries, flags, info);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Registers the ring's fd with itself; returns the index to enter with. */
    public static int ringRegisterFd(long ring) {
        try {
            return (int) RING_REGISTER_FD.invokeExact(ring);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Marks supported opcodes with 1 in {@code supported}; returns the kernel's opcode count. */
    public static int ringProbe(long ring, MemorySegment supported) {
        try {
            return (int) RING_PROBE.invokeExact(ring, supported, (int) supported.byteSize());
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Pins the ring's io-wq threads to {@code cpu}. */
    public static int ringIowqCpu(long ring, int cpu) {
        try {
            return (int) RING_IOWQ_CPU.invokeExact(ring, cpu);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static void ringDestroy(long ring) {
        try {
            RING_DESTROY.invokeExact(ring);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Registers {@code count} buffers, described by {@code {base, len}} pairs in {@code iovecs}, for fixed I/O. */
    public static int registerBuffers(long ring, MemorySegment iovecs, int count) {
        try {
            return (int) REGISTER_BUFFERS.invokeExact(ring, iovecs, count);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static int unregisterBuffers(long ring) {
        try {
            return (int) UNREGISTER_BUFFERS.invokeExact(ring);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Registers the provided-buffer ring of {@code entries} slots at {@code ringAddress} as group {@code groupId}. */
    public static int registerBufRing(long ring, long ringAddress, int entries, int groupId) {
        try {
            return (int) REGISTER_BUF_RING.invokeExact(ring, ringAddress, entries, groupId);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static int unregisterBufRing(long ring, int groupId) {
        try {
            return (int) UNREGISTER_BUF_RING.invokeExact(ring, groupId);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code io_uring_enter(2)}: submits, and waits for {@code minComplete} completions when asked. */
    public static int enter(int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (int) ENTER.invokeExact(fd, toSubmit, minComplete, flags);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code io_uring_enter(2)} whose wait gives up with {@code -ETIME} after {@code nanos}. */
    public static int enterTimeout(int fd, int toSubmit, int minComplete, int flags, long nanos) {
        try {
            return (int) ENTER_TIMEOUT.invokeExact(fd, toSubmit, minComplete, flags, nanos);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Pins the calling thread to one CPU. */
    public static int setAffinity(int cpu) {
        try {
            return (int) SET_AFFINITY.invokeExact(cpu);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Reads the calling thread's CPU mask, 64 CPUs a word; returns how many CPUs it holds. */
    public static int getAffinity(MemorySegment words) {
        try {
            return (int) GET_AFFINITY.invokeExact(words, (int) (words.byteSize() / 8));
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code pipe2(2)} into two ints. */
    public static int pipe(MemorySegment fds, int flags) {
        try {
            return (int) PIPE.invokeExact(fds, flags);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(initval, flags);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static int eventfdWrite(int fd, long value) {
        try {
            return (int) EVENTFD_WRITE.invokeExact(fd, value);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code RLIMIT_MEMLOCK} as {soft, hard} bytes; {@code -1} means unlimited. */
    public static long[] memlockLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment soft = arena.allocate(JAVA_LONG);
            MemorySegment hard = arena.allocate(JAVA_LONG);
            int rc = (int) MEMLOCK_LIMIT.invokeExact(soft, hard);
            if (rc < 0) {
                return new long[] {-1, -1};
            }
            return new long[] {soft.get(JAVA_LONG, 0), hard.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /**
     * libc's {@code ftruncate(2)}, called directly: {@code 0}, or {@code -errno}. For kernels
     * whose io_uring lacks {@code IORING_OP_FTRUNCATE} (before 6.9); it blocks the caller.
     */
    public static int ftruncate(int fd, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FTRUNCATE.invokeExact(state, fd, length);
            return rc == 0 ? 0 : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // Socket set-up: plain system calls that never block (the io_uring forms of setsockopt and
    // bind/listen need Linux 6.7 and 6.11). Each returns its result, or -errno.

    /** The return value of a captured-errno libc call: {@code rc}, or {@code -errno} when it is negative. */
    private static int orErrno(int rc, MemorySegment state) {
        return rc < 0 ? -(int) ERRNO.get(state, 0L) : rc;
    }

    /** {@code socket(2)}: the new fd, or {@code -errno} (EMFILE, ENFILE, EAFNOSUPPORT, EINVAL). */
    public static int socket(int domain, int type, int protocol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code bind(2)} to the {@code length}-byte socket address in {@code address}: 0 or {@code -errno}. */
    public static int bind(int fd, MemorySegment address, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int) BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code listen(2)}: 0 or {@code -errno}. */
    public static int listen(int fd, int backlog) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int) LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /**
     * {@code connect(2)} of a datagram socket to the {@code length}-byte address in {@code address},
     * which only records its default peer and never blocks (a stream socket's connect is an
     * io_uring op): 0 or {@code -errno}.
     */
    public static int connect(int fd, MemorySegment address, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int) CONNECT.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /**
     * {@code getsockname(2)} ({@code peer} false) or {@code getpeername(2)} into {@code address}:
     * the address's length, or {@code -errno} (ENOTCONN for a peer that is gone, EBADF).
     */
    public static int socketName(int fd, boolean peer, MemorySegment address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int) address.byteSize());
            int rc = peer ? (int) GETPEERNAME.invokeExact(state, fd, address, length)
                    : (int) GETSOCKNAME.invokeExact(state, fd, address, length);
            return rc < 0 ? orErrno(rc, state) : length.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code setsockopt(2)} with an int value: 0 or {@code -errno}. */
    public static int setsockopt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            return setsockopt(fd, level, name, v);
        }
    }

    /** {@code setsockopt(2)} with the bytes of {@code value} (e.g. a {@code struct linger}): 0 or {@code -errno}. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return orErrno((int) SETSOCKOPT.invokeExact(state, fd, level, name, value, (int) value.byteSize()), state);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** {@code getsockopt(2)} of an int option: its value, or {@code -errno}. */
    public static int getsockopt(int fd, int level, int name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 4);
            int rc = (int) GETSOCKOPT.invokeExact(state, fd, level, name, v, length);
            return rc < 0 ? orErrno(rc, state) : v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** The errno's name and description, e.g. {"EBADF", "Bad file descriptor"}. */
    static String[] errnoText(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(64);
            MemorySegment text = arena.allocate(256);
            int rc = (int) ERRNO_TEXT.invokeExact(errno, name, 64, text, 256);
            if (rc < 0) {
                return new String[] {"E" + errno, "unknown error " + errno};
            }
            return new String[] {name.getString(0), text.getString(0)};
        } catch (Throwable t) {
            throw broken(t);
        }
    }
}
