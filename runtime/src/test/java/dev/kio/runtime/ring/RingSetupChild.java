package dev.kio.runtime.ring;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import dev.kio.runtime.sys.Errno;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The child JVM of {@link RingSetupFailureTest}: spoils its own environment in one way, opens a
 * ring with the default options, and prints what happened, one {@code KEY value} per line
 * ({@code OPENED}, or {@code ERRNO}, {@code REASON}, {@code FIX}; {@code SKIP} when the
 * environment could not be spoiled). Its limits (ulimit) are set by whoever starts it.
 *
 * <pre>
 *   RingSetupChild open            open a ring as the process is
 *   RingSetupChild exhaust-fds     open /dev/null until the fd limit, then open a ring
 *   RingSetupChild seccomp ERRNO   make io_uring_setup fail with ERRNO (a seccomp filter on
 *                                  this thread), then open a ring
 * </pre>
 */
public final class RingSetupChild {
    private static final int PR_SET_SECCOMP = 22;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_MODE_FILTER = 2;
    private static final int SECCOMP_RET_ERRNO = 0x0005_0000;
    private static final int SECCOMP_RET_ALLOW = 0x7fff_0000;
    private static final int AUDIT_ARCH_X86_64 = 0xC000_003E;
    private static final int NR_IO_URING_SETUP = 425;
    // Classic BPF opcodes: load a word at an absolute offset of seccomp_data, jump if equal, return.
    private static final short LD_W_ABS = 0x20;
    private static final short JEQ_K = 0x15;
    private static final short RET_K = 0x06;

    private RingSetupChild() {
    }

    public static void main(String[] args) throws Throwable {
        RingOptions options = RingOptions.defaults();
        List<FileInputStream> held = new ArrayList<>();
        RingSetupException failure = null;
        int sqEntries = 0;
        try {
            switch (args[0]) {
                case "open" -> { }
                case "exhaust-fds" -> {
                    // The shim is loaded and the error path run once first: both open files
                    // (the extracted library, class files) that would fail once fds run out.
                    IoUring.isAvailable();
                    RingSetupException.diagnose(Errno.EMFILE, options);
                    exhaustFds(held);
                }
                case "seccomp" -> {
                    String error = denyIoUringSetup(Integer.parseInt(args[1]));
                    if (error != null) {
                        System.out.println("SKIP " + error);
                        return;
                    }
                }
                default -> throw new IllegalArgumentException("unknown mode " + args[0]);
            }
            try (Ring ring = Ring.open(options)) {
                sqEntries = ring.sqEntries();
            }
        } catch (RingSetupException e) {
            failure = e;
        } finally {
            for (FileInputStream in : held) {
                in.close();
            }
        }
        if (failure == null) {
            System.out.println("OPENED " + sqEntries);
        } else {
            System.out.println("ERRNO " + failure.errnoName());
            System.out.println("REASON " + failure.reason());
            System.out.println("FIX " + failure.fix());
        }
    }

    private static void exhaustFds(List<FileInputStream> held) {
        try {
            for (;;) {
                held.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException e) {
            // The limit is reached: the ring's own fd is the one that cannot be had now.
        }
    }

    /**
     * Installs a seccomp filter on the calling thread that fails io_uring_setup with
     * {@code errno} and allows every other call, as a container runtime's profile does.
     *
     * @return null when installed, else why not
     */
    private static String denyIoUringSetup(int errno) throws Throwable {
        if (!"amd64".equals(System.getProperty("os.arch"))) {
            return "the filter is written for x86_64 syscall numbers, not " + System.getProperty("os.arch");
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        try (Arena arena = Arena.ofConfined()) {
            int[][] program = {
                {LD_W_ABS, 0, 0, 4}, // seccomp_data.arch
                {JEQ_K, 0, 3, AUDIT_ARCH_X86_64}, // another ABI: allow
                {LD_W_ABS, 0, 0, 0}, // seccomp_data.nr
                {JEQ_K, 0, 1, NR_IO_URING_SETUP},
                {RET_K, 0, 0, SECCOMP_RET_ERRNO | errno},
                {RET_K, 0, 0, SECCOMP_RET_ALLOW},
            };
            MemorySegment filter = arena.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                long at = 8L * i;
                filter.set(JAVA_SHORT, at, (short) program[i][0]);
                filter.set(JAVA_BYTE, at + 2, (byte) program[i][1]);
                filter.set(JAVA_BYTE, at + 3, (byte) program[i][2]);
                filter.set(JAVA_INT, at + 4, program[i][3]);
            }
            MemorySegment fprog = arena.allocate(16, 8); // struct sock_fprog
            fprog.set(JAVA_SHORT, 0, (short) program.length);
            fprog.set(ADDRESS, 8, filter);
            // Without no_new_privs the kernel accepts a filter only from CAP_SYS_ADMIN.
            if ((int) prctl.invokeExact(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
                return "prctl(PR_SET_NO_NEW_PRIVS) failed";
            }
            if ((int) prctl.invokeExact(PR_SET_SECCOMP, (long) SECCOMP_MODE_FILTER, fprog.address(), 0L, 0L) != 0) {
                return "prctl(PR_SET_SECCOMP) failed: this kernel or sandbox does not allow seccomp filters";
            }
        }
        return null;
    }
}
