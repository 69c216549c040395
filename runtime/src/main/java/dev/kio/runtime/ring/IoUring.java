package dev.kio.runtime.ring;

import java.util.Optional;

/**
 * Up-front check that io_uring works for this process, before starting any worker.
 *
 * <pre>{@code
 * if (!IoUring.isAvailable()) {
 *     System.err.println(IoUring.unavailabilityCause().orElseThrow().getMessage());
 * }
 * }</pre>
 *
 * The check sets up (and closes) one small ring with kio's default flags on the calling
 * thread, once per process; its answer is cached.
 */
public final class IoUring {
    /** The oldest kernel kio supports; 6.1 or newer gets every optimisation kio uses. */
    public static final String MINIMUM_KERNEL = "5.11";

    private IoUring() {
    }

    /** Whether a ring can be set up here. */
    public static boolean isAvailable() {
        return Holder.FAILURE == null;
    }

    /** Why no ring can be set up here, with the fix; empty when io_uring is available. */
    public static Optional<RingSetupException> unavailabilityCause() {
        return Optional.ofNullable(Holder.FAILURE);
    }

    /** What the kernel supports, from the probe ring. */
    public static Support support() throws RingSetupException {
        if (Holder.FAILURE != null) {
            throw Holder.FAILURE;
        }
        return Holder.SUPPORT;
    }

    /**
     * The kernel's answer to kio's probe ring.
     *
     * @param setupFlags the {@code IORING_SETUP_*} flags it accepted out of kio's defaults
     * @param features   its {@code IORING_FEAT_*} bits
     * @param opcodes    which opcodes it supports, indexed by opcode
     */
    public record Support(int setupFlags, int features, boolean[] opcodes) {
        public boolean supports(int opcode) {
            return opcode >= 0 && opcode < opcodes.length && opcodes[opcode];
        }

        public boolean deferTaskrun() {
            return (setupFlags & Ring.SETUP_DEFER_TASKRUN) != 0;
        }
    }

    private static final class Holder {
        static final RingSetupException FAILURE;
        static final Support SUPPORT;

        static {
            RingSetupException failure = null;
            Support support = null;
            try (Ring ring = Ring.open(RingOptions.defaults().withEntries(2, 0))) {
                boolean[] ops = new boolean[256];
                for (int op = 0; op < ops.length; op++) {
                    ops[op] = ring.supports(op);
                }
                support = new Support(ring.setupFlags(), ring.features(), ops);
            } catch (RingSetupException e) {
                failure = e;
            }
            FAILURE = failure;
            SUPPORT = support;
        }
    }
}
