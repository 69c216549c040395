package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kio.runtime.sys.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Set-up failures provoked for real: each case spoils the environment of a child JVM
 * ({@link RingSetupChild}) the way users' environments are spoiled (a low ulimit, a container's
 * seccomp profile), opens a ring there, and checks the typed exception's errno and that its
 * message names the cause and the fix. The child keeps this JVM's limits and threads clean.
 */
@ExtendWith(FdLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RingSetupFailureTest {

    @Test
    void runningOutOfFileDescriptorsFailsWithEmfileAndSaysToRaiseTheLimit() throws Exception {
        Map<String, String> out = ChildJvm.run("ulimit -n 256", List.of(), RingSetupChild.class, "exhaust-fds");
        assertEquals("EMFILE", out.get("ERRNO"), out::toString);
        assertTrue(out.get("REASON").contains("out of file descriptors"), out::toString);
        assertTrue(out.get("FIX").contains("ulimit -n"), out::toString);
    }

    /**
     * Kernels before 5.12 charged the rings to RLIMIT_MEMLOCK; later ones charge them to the
     * memory cgroup, so a zero memlock limit no longer stops a ring. The case is checked wherever
     * the kernel still enforces it.
     */
    @Test
    void memlockLimitTooLowForTheRingsFailsWithEnomemNamingTheLimit() throws Exception {
        Map<String, String> out = ChildJvm.run("ulimit -l 0", List.of(), RingSetupChild.class, "open");
        assumeTrue(!out.containsKey("OPENED"), "this kernel (" + System.getProperty("os.version")
                + ") opened a ring with RLIMIT_MEMLOCK 0: it does not charge ring memory to the memlock limit");
        assertEquals("ENOMEM", out.get("ERRNO"), out::toString);
        assertTrue(out.get("REASON").contains("RLIMIT_MEMLOCK is 0 KiB soft, 0 KiB hard"), out::toString);
        assertTrue(out.get("FIX").contains("ulimit -l unlimited"), out::toString);
    }

    @Test
    void seccompProfileBlockingIoUringFailsWithEpermNamingTheProfile() throws Exception {
        assumeTrue(ioUringEnabledBySysctl(), "kernel.io_uring_disabled is set: EPERM would name the sysctl");
        Map<String, String> out = childUnderSeccomp(Errno.EPERM);
        assertEquals("EPERM", out.get("ERRNO"), out::toString);
        assertTrue(out.get("REASON").contains("seccomp profile"), out::toString);
        assertTrue(out.get("FIX").contains("allows io_uring_setup"), out::toString);
    }

    @Test
    void seccompProfileHidingIoUringFailsWithEnosysSayingSo() throws Exception {
        Map<String, String> out = childUnderSeccomp(Errno.ENOSYS);
        assertEquals("ENOSYS", out.get("ERRNO"), out::toString);
        assertTrue(out.get("REASON").contains("seccomp filter hides it"), out::toString);
        assertTrue(out.get("FIX").contains("with io_uring enabled"), out::toString);
    }

    /** No child needed: the kernel itself refuses a set-up flag it does not know. */
    @Test
    void setupFlagTheKernelDoesNotKnowFailsWithEinvalNamingTheFlag() {
        int unknown = 1 << 30;
        RingSetupException e = assertThrows(RingSetupException.class,
                () -> Ring.open(RingOptions.defaults().withSetupFlags(RingOptions.DEFAULT_FLAGS | unknown)).close());
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.reason().contains("set-up flags 0x40000000"), e.getMessage());
        assertTrue(e.fix().contains("leave out set-up flags 0x40000000"), e.getMessage());
    }

    private static boolean ioUringEnabledBySysctl() throws IOException {
        Path sysctl = Path.of("/proc/sys/kernel/io_uring_disabled");
        return !Files.exists(sysctl) || Files.readString(sysctl).strip().equals("0");
    }

    /** The child's answer when a seccomp filter makes io_uring_setup fail with {@code errno}. */
    private static Map<String, String> childUnderSeccomp(int errno) throws Exception {
        Map<String, String> out = ChildJvm.run(null, List.of(), RingSetupChild.class, "seccomp", String.valueOf(errno));
        assumeTrue(!out.containsKey("SKIP"), () -> "no seccomp filter could be installed: " + out.get("SKIP"));
        return out;
    }
}
