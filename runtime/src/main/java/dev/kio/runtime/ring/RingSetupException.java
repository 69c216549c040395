package dev.kio.runtime.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kio.runtime.sys.Errno;
import dev.kio.runtime.sys.Native;

/**
 * A ring could not be set up. The message says why, in this environment, and how to fix it;
 * {@link #errno()} and {@link #errnoName()} carry the kernel's answer.
 */
public final class RingSetupException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String reason;
    private final String fix;

    RingSetupException(int errno, String reason, String fix) {
        super("io_uring set-up failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + "): " + reason
                + ". Fix: " + fix);
        this.errno = errno;
        this.reason = reason;
        this.fix = fix;
    }

    /** Explains a failed {@code io_uring_setup} in terms of this machine. */
    static RingSetupException diagnose(int errno, RingOptions options) {
        return switch (errno) {
            case Errno.ENOMEM -> {
                long[] limit = Native.memlockLimit();
                yield new RingSetupException(errno,
                        "the rings (" + options.entries() + " SQ / " + options.effectiveCqEntries()
                                + " CQ entries) did not fit in locked memory; RLIMIT_MEMLOCK is "
                                + kib(limit[0]) + " soft, " + kib(limit[1]) + " hard",
                        "raise the limit (`ulimit -l unlimited`, LimitMEMLOCK=infinity for systemd,"
                                + " --ulimit memlock=-1 for docker) or ask for fewer ring entries");
            }
            case Errno.EPERM -> {
                String disabled = ioUringDisabledSysctl();
                yield "0".equals(disabled) || disabled == null
                        ? new RingSetupException(errno,
                                "io_uring is blocked for this process, most likely by a container seccomp profile"
                                        + " (Docker 25+ and containerd 2.0 block io_uring by default)",
                                "run with a seccomp profile that allows io_uring_setup, io_uring_enter and"
                                        + " io_uring_register (e.g. docker --security-opt seccomp=<profile>)")
                        : new RingSetupException(errno,
                                "io_uring is disabled by sysctl kernel.io_uring_disabled = " + disabled
                                        + (disabled.equals("1") ? " (allowed only for kernel.io_uring_group)" : ""),
                                "as root: sysctl -w kernel.io_uring_disabled=0");
            }
            case Errno.ENOSYS -> new RingSetupException(errno,
                    "this kernel has no io_uring, or a seccomp filter hides it",
                    "run on Linux " + IoUring.MINIMUM_KERNEL + " or newer (6.1+ recommended) with io_uring enabled");
            case Errno.EINVAL -> {
                int kept = Ring.undroppableFlags(options.setupFlags());
                String sizes = options.entries() + " SQ / " + options.effectiveCqEntries() + " CQ entries";
                yield kept == 0
                        ? new RingSetupException(errno,
                                "the kernel refused the ring parameters (" + sizes + ") even without optional"
                                        + " flags; either a size is beyond what this kernel allows or it is older than "
                                        + IoUring.MINIMUM_KERNEL,
                                "ask for fewer entries, or run on Linux " + IoUring.MINIMUM_KERNEL
                                        + " or newer (6.1+ recommended)")
                        : new RingSetupException(errno,
                                "the kernel refused the ring parameters (" + sizes + ", set-up flags 0x"
                                        + Integer.toHexString(kept) + " which kio does not drop on refusal);"
                                        + " most likely this kernel does not know one of those flags",
                                "leave out set-up flags 0x" + Integer.toHexString(kept)
                                        + " on this kernel, or run on a kernel that supports them");
            }
            case Errno.EMFILE, Errno.ENFILE -> new RingSetupException(errno,
                    "the process or system is out of file descriptors", "raise `ulimit -n` or close descriptors");
            default -> new RingSetupException(errno, "io_uring_setup returned an unexpected error",
                    "report this with the kernel version (uname -r)");
        };
    }

    private static String ioUringDisabledSysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).strip();
        } catch (Exception e) {
            return null;
        }
    }

    private static String kib(long bytes) {
        return bytes < 0 ? "unlimited" : (bytes / 1024) + " KiB";
    }

    /** The positive errno the kernel answered with. */
    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.name(errno);
    }

    /** What the errno means here, e.g. that a seccomp profile blocks io_uring. */
    public String reason() {
        return reason;
    }

    /** What to do about it. */
    public String fix() {
        return fix;
    }
}
