package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
        Map<String, String> out = child("ulimit -n 256", "exhaust-fds");
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
        Map<String, String> out = child("ulimit -l 0", "open");
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
        Map<String, String> out = child(null, "seccomp", String.valueOf(errno));
        assumeTrue(!out.containsKey("SKIP"), () -> "no seccomp filter could be installed: " + out.get("SKIP"));
        return out;
    }

    /**
     * Runs {@link RingSetupChild} with {@code args} in a new JVM, after the shell command
     * {@code limit} (e.g. {@code ulimit -n 256}) when not null, and returns its {@code KEY value}
     * lines.
     */
    private static Map<String, String> child(String limit, String... args)
            throws IOException, InterruptedException, URISyntaxException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", (limit == null ? "" : limit + " && ")
                + "exec \"$@\"", "sh"));
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", classDir(RingSetupChild.class) + ":" + classDir(Ring.class), RingSetupChild.class.getName()));
        command.addAll(List.of(args));
        // Only the child's output is piped, and that pipe is closed here: FdLeakCheck counts it.
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the child JVM did not finish: " + output);
        }
        assertEquals(0, p.exitValue(), () -> "the child JVM failed: " + output);
        Map<String, String> lines = new HashMap<>();
        for (String line : output.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.substring(0, space).matches("[A-Z]+")) {
                lines.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return lines;
    }

    private static String classDir(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
