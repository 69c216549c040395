package dev.kio.runtime.ring;

/**
 * How a ring is set up.
 *
 * @param entries        submission queue size (rounded up to a power of two by the kernel)
 * @param cqEntries      completion queue size, at least {@code entries} and at most 65536; 0
 *                       means four times {@code entries}, capped at 65536. Generous by default:
 *                       a burst larger than the CQ is kept by the kernel (NODROP) but costs an
 *                       overflow flush.
 * @param setupFlags     the {@code IORING_SETUP_*} flags wanted; any the kernel refuses is
 *                       dropped, newest first, and {@link Ring#setupFlags()} tells what was kept
 * @param registerRingFd register the ring fd with itself (5.18+) so each enter skips the fd lookup
 * @param iowqCpu        CPU to pin the ring's io-wq helper threads to, or -1 to leave them free
 */
public record RingOptions(int entries, int cqEntries, int setupFlags, boolean registerRingFd, int iowqCpu) {

    /** The flags kio asks for: batching-friendly task running for one thread that submits and waits. */
    public static final int DEFAULT_FLAGS = Ring.SETUP_SUBMIT_ALL | Ring.SETUP_COOP_TASKRUN
            | Ring.SETUP_SINGLE_ISSUER | Ring.SETUP_DEFER_TASKRUN;

    /** The kernel's IORING_MAX_ENTRIES and IORING_MAX_CQ_ENTRIES. */
    static final int MAX_SQ_ENTRIES = 32768;
    static final int MAX_CQ_ENTRIES = 65536;

    public RingOptions {
        if (entries < 1 || entries > MAX_SQ_ENTRIES) {
            throw new IllegalArgumentException("ring entries must be 1.." + MAX_SQ_ENTRIES + ", got " + entries);
        }
        if (cqEntries != 0 && (cqEntries < entries || cqEntries > MAX_CQ_ENTRIES)) {
            throw new IllegalArgumentException("CQ entries must be 0 (default) or " + entries + ".." + MAX_CQ_ENTRIES
                    + " (at least the SQ's " + entries + "), got " + cqEntries);
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
        return cqEntries == 0 ? Math.min(entries * 4, MAX_CQ_ENTRIES) : cqEntries;
    }
}
