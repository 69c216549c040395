package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ring set-up: availability, the flags and features kio gets on this kernel, registered ring fd,
 * and sizes. The set-up errors that need a hostile environment (EPERM from seccomp or sysctl,
 * ENOMEM from the memlock limit) are not provoked here: that would mean changing this JVM's
 * limits.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RingSetupTest {

    private static void assumeKernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        assumeTrue(ma > major || (ma == major && mi >= minor), "needs Linux " + major + "." + minor);
    }

    /** Submits one NOP through the raw ring and reaps it. */
    private static void nopRoundTrip(Ring ring) {
        ring.prep(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, 0xC0FFEEL, 0, 0, 0);
        assertEquals(1, ring.enter(1));
        long[] seen = new long[2];
        assertEquals(1, ring.reap((userData, res, flags) -> {
            seen[0] = userData;
            seen[1] = res;
        }));
        assertEquals(0xC0FFEEL, seen[0]);
        assertEquals(0, seen[1]);
    }

    @Test
    void ioUringIsAvailableHere() throws Exception {
        assertTrue(IoUring.isAvailable(), () -> IoUring.unavailabilityCause().orElseThrow().getMessage());
        assertTrue(IoUring.unavailabilityCause().isEmpty());
        IoUring.Support support = IoUring.support();
        assertTrue((support.features() & Ring.FEAT_NODROP) != 0);
        for (int op : new int[] {Opcode.NOP, Opcode.TIMEOUT, Opcode.ASYNC_CANCEL, Opcode.LINK_TIMEOUT,
                Opcode.CLOSE, Opcode.READ, Opcode.WRITE}) {
            assertTrue(support.supports(op), Opcode.name(op) + " is supported on Linux 5.11+");
        }
        assertFalse(support.supports(-1));
        assertFalse(support.supports(256));
    }

    @Test
    void defaultsGetSingleIssuerAndDeferTaskrunAndARegisteredRingFd() throws Exception {
        assumeKernelAtLeast(6, 1);
        try (Ring ring = Ring.open(RingOptions.defaults())) {
            int flags = ring.setupFlags();
            assertTrue((flags & Ring.SETUP_SINGLE_ISSUER) != 0, "SINGLE_ISSUER (6.0)");
            assertTrue((flags & Ring.SETUP_DEFER_TASKRUN) != 0, "DEFER_TASKRUN (6.1)");
            assertTrue((flags & Ring.SETUP_COOP_TASKRUN) != 0, "COOP_TASKRUN (5.19)");
            assertTrue((flags & Ring.SETUP_SUBMIT_ALL) != 0, "SUBMIT_ALL (5.18)");
            assertTrue(IoUring.support().deferTaskrun());
            assertTrue((ring.features() & Ring.FEAT_NODROP) != 0);
            assertTrue(ring.registeredRingFd(), "ring fd registration (5.18)");
            assertEquals(256, ring.sqEntries());
            assertEquals(1024, ring.cqEntries(), "the default CQ is four times the SQ");
            assertTrue(ring.fd() >= 0);
            assertTrue(ring.supports(Opcode.NOP));
            assertTrue(ring.supports(Opcode.MSG_RING), "MSG_RING (5.18)");
            assertFalse(ring.supports(-1));
            assertFalse(ring.supports(1000));
            assertEquals(256, ring.sqSpace());
            assertEquals(0, ring.sqPending());
            assertEquals(0, ring.cqReady());
            assertEquals(0, ring.cqDropped());
            nopRoundTrip(ring);
        }
    }

    @Test
    void ringWorksWithoutRegisteredFdAndWithoutOptionalFlags() throws Exception {
        try (Ring ring = Ring.open(RingOptions.defaults().withRegisterRingFd(false).withSetupFlags(0))) {
            assertFalse(ring.registeredRingFd());
            assertEquals(0, ring.setupFlags() & (Ring.SETUP_SINGLE_ISSUER | Ring.SETUP_DEFER_TASKRUN));
            nopRoundTrip(ring);
        }
    }

    @Test
    void sizesAreRoundedUpToPowersOfTwo() throws Exception {
        try (Ring ring = Ring.open(RingOptions.defaults().withEntries(5, 0))) {
            assertEquals(8, ring.sqEntries());
            assertTrue(ring.cqEntries() >= 20, "cq " + ring.cqEntries());
        }
        try (Ring ring = Ring.open(RingOptions.defaults().withEntries(8, 100))) {
            assertEquals(8, ring.sqEntries());
            assertEquals(128, ring.cqEntries());
        }
        try (Ring ring = Ring.open(RingOptions.defaults().withEntries(1, 0))) {
            assertEquals(1, ring.sqEntries());
            nopRoundTrip(ring);
        }
    }

    @Test
    void optionsRejectInvalidSizes() {
        int flags = RingOptions.DEFAULT_FLAGS;
        assertThrows(IllegalArgumentException.class, () -> new RingOptions(0, 0, flags, true, -1));
        assertThrows(IllegalArgumentException.class, () -> new RingOptions(-8, 0, flags, true, -1));
        assertThrows(IllegalArgumentException.class, () -> new RingOptions(32769, 0, flags, true, -1));
        assertThrows(IllegalArgumentException.class, () -> new RingOptions(8, -1, flags, true, -1));
        assertThrows(IllegalArgumentException.class, () -> new RingOptions(8, 65537, flags, true, -1));
        assertThrows(IllegalArgumentException.class, () -> RingOptions.defaults().withEntries(0, 0));
        assertThrows(IllegalArgumentException.class, () -> RingOptions.defaults().withEntries(8, -16));
        // The bounds themselves are fine.
        new RingOptions(1, 0, flags, true, -1);
        new RingOptions(32768, 0, flags, true, -1);
    }

    /**
     * A CQ smaller than the SQ is refused by the kernel (EINVAL). RingOptions should say so, as it
     * does for other bad sizes, instead of letting Ring.open report it as a kernel too old for
     * io_uring.
     */
    @Test
    void optionsRejectACqSmallerThanTheSq() {
        assertThrows(IllegalArgumentException.class,
                () -> new RingOptions(64, 16, RingOptions.DEFAULT_FLAGS, true, -1));
    }

    /**
     * RingOptions accepts up to 32768 SQ entries with a default (4x, capped) CQ, and CQs up to the
     * kernel's 65536 (IORING_MAX_CQ_ENTRIES). Every size RingOptions accepts must open a ring.
     */
    @Test
    void largestSqAcceptedByOptionsOpensWithItsDefaultCq() throws Exception {
        RingOptions options = RingOptions.defaults().withEntries(32768, 0);
        try (Ring ring = Ring.open(options)) {
            assertEquals(32768, ring.sqEntries());
            assertTrue(ring.cqEntries() >= 32768);
        } catch (RingSetupException e) {
            assertNotEquals(Errno.EINVAL, e.errno(),
                    "sizes RingOptions accepted were refused by the kernel, reported as: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void largestCqAcceptedByOptionsOpens() throws Exception {
        RingOptions options = RingOptions.defaults().withEntries(8, 65536);
        try (Ring ring = Ring.open(options)) {
            assertTrue(ring.cqEntries() >= 8);
        } catch (RingSetupException e) {
            assertNotEquals(Errno.EINVAL, e.errno(),
                    "sizes RingOptions accepted were refused by the kernel, reported as: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void setupExceptionNamesTheErrnoTheReasonAndTheFix() throws Exception {
        // Built through the same constructor Ring.open uses, for an errno this machine will not
        // produce: the message must carry all three parts.
        RingSetupException e = new RingSetupException(Errno.ENOSYS, "no io_uring here", "upgrade");
        assertEquals(Errno.ENOSYS, e.errno());
        assertEquals("ENOSYS", e.errnoName());
        assertEquals("no io_uring here", e.reason());
        assertEquals("upgrade", e.fix());
        assertTrue(e.getMessage().contains("ENOSYS"), e.getMessage());
        assertTrue(e.getMessage().contains("no io_uring here"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: upgrade"), e.getMessage());
        RingSetupException enomem = RingSetupException.diagnose(Errno.ENOMEM, RingOptions.defaults());
        assertTrue(enomem.getMessage().contains("RLIMIT_MEMLOCK"), enomem.getMessage());
        assertTrue(enomem.getMessage().contains("256 SQ / 1024 CQ"), enomem.getMessage());
        RingSetupException eperm = RingSetupException.diagnose(Errno.EPERM, RingOptions.defaults());
        assertTrue(eperm.getMessage().contains("EPERM"), eperm.getMessage());
        assertTrue(eperm.getMessage().contains("seccomp") || eperm.getMessage().contains("sysctl"),
                eperm.getMessage());
    }

    @Test
    void openingAndClosingManyRingsLeavesNoDescriptorBehind() throws Exception {
        int before = FdLeakCheck.openFds().size();
        for (int i = 0; i < 64; i++) {
            try (Ring ring = Ring.open(RingOptions.defaults().withEntries(4, 0))) {
                nopRoundTrip(ring);
            }
        }
        assertEquals(before, FdLeakCheck.openFds().size());
    }

    @Test
    void pendingWaitWithTimeoutEndsWithEtime() throws Exception {
        try (Ring ring = Ring.open(RingOptions.defaults().withEntries(4, 0))) {
            long start = System.nanoTime();
            assertEquals(-Errno.ETIME, ring.enter(1, Duration.ofMillis(10).toNanos()));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(10).toNanos());
        }
    }
}
