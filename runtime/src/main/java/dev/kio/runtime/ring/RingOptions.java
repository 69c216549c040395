package dev.kio.runtime.ring;

/**
 * How a ring is set up.
 *
 * @param entries        submission queue size (rounded up to a power of two by the kernel)
 * @param cqEntries      completion queue size; 0 means four times {@code entries}. Generous by
 *                       default: a burst larger than the CQ is kept by the kernel (NODROP) but
 *                       costs an overflow flush.
 * @param setupFlags     the {@code IORING_SETUP_*} flags wanted; any the kernel refuses is
 *                       dropped, newest first, and {@link Ring#setupFlags()} tells what was kept
 * @param registerRingFd register the ring fd with itself (5.18+) so each enter skips the fd lookup
 * @param iowqCpu        CPU to pin the ring's io-wq helper threads to, or -1 to leave them free
 */
public record RingOptions(int entries, int cqEntries, int setupFlags, boolean registerRingFd, int iowqCpu) {

    /** The flags kio asks for: batching-friendly task running for one thread that submits and waits. */
    public static final int DEFAULT_FLAGS = Ring.SETUP_SUBMIT_ALL | Ring.SETUP_COOP_TASKRUN
            | Ring.SETUP_SINGLE_ISSUER | Ring.SETUP_DEFER_TASKRUN;

    public RingOptions {
        if (entries < 1 || entries > 32768) {
            throw new IllegalArgumentException("ring entries must be 1..32768, got " + entries);
        }
        if (cqEntries < 0 || cqEntries > 1 << 20) {
            throw new IllegalArgumentException("CQ entries must be 0..1048576, got " + cqEntries);
        }
    }

    /** 256 SQ entries, a 4x CQ, the default flags, a registered ring fd, io-wq left unpinned. */
    public static RingOptions defaults() {
        return new RingOptions(256, 0, DEFAULT_FLAGS, true, -1);
    }

    public RingOptions withEntries(int sq, int cq) {
        return new RingOptions(sq, cq, setupFlags, registerRingFd, iowqCpu);
    }

    public RingOptions withSetupFlags(int flags) {
        return new RingOptions(entries, cqEntries, flags, registerRingFd, iowqCpu);
    }

    public RingOptions withIowqCpu(int cpu) {
        return new RingOptions(entries, cqEntries, setupFlags, registerRingFd, cpu);
    }

    public RingOptions withRegisterRingFd(boolean register) {
        return new RingOptions(entries, cqEntries, setupFlags, register, iowqCpu);
    }

    int effectiveCqEntries() {
        return cqEntries == 0 ? Math.min(entries * 4, 1 << 20) : cqEntries;
    }
}
