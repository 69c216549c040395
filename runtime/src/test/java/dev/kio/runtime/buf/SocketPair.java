package dev.kio.runtime.buf;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import dev.kio.runtime.sys.Native;

/**
 * A connected pair of Unix stream sockets from libc's {@code socketpair(2)}: receives need a
 * socket, and kio has no socket layer of its own yet.
 */
final class SocketPair implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final MethodHandle SOCKETPAIR = bindSocketpair();

    @SuppressWarnings("restricted") // the signature mirrors socketpair(2)
    private static MethodHandle bindSocketpair() {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find("socketpair").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    final int a;
    final int b;
    private boolean bOpen = true;

    SocketPair() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.invokeExact(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            if (rc != 0) {
                throw new IllegalStateException("socketpair failed");
            }
            a = fds.getAtIndex(JAVA_INT, 0);
            b = fds.getAtIndex(JAVA_INT, 1);
        }
    }

    /** Closes the sending end early: the receiver then sees end of stream. */
    void closeB() {
        if (bOpen) {
            bOpen = false;
            Native.close(b);
        }
    }

    @Override
    public void close() {
        Native.close(a);
        closeB();
    }
}
