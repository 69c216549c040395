package dev.kio.runtime.ring;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves file descriptors open: {@code /proc/self/fd} is listed before
 * its first test and after its last one, and any descriptor that appeared in between (a ring,
 * a pipe, an eventfd...) is reported with what it points to.
 *
 * <p>Descriptors the JVM opens lazily for itself (class-path jars) are not the tests' doing and
 * are ignored, as is the directory stream used for the listing.
 */
public final class FdLeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FdLeakCheck.class);
    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final long GRACE_NANOS = 2_000_000_000L;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // Load the shim (and run the availability probe, which opens and closes a ring) first,
        // so that one-time set-up is not mistaken for a leak.
        IoUring.isAvailable();
        context.getStore(NS).put(context.getRequiredTestClass(), openFds());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).remove(context.getRequiredTestClass(), Map.class);
        // Some descriptors are closed by other threads just after a test returns (the JDK's process
        // reaper, a stopping worker): a leak is one still open after a grace period.
        long deadline = System.nanoTime() + GRACE_NANOS;
        Map<Integer, String> after;
        Map<Integer, String> leaked;
        do {
            after = openFds();
            leaked = leaked(before, after);
        } while (!leaked.isEmpty() && System.nanoTime() < deadline && pause());
        if (!leaked.isEmpty()) {
            fail(context.getRequiredTestClass().getSimpleName() + " leaked file descriptors " + leaked
                    + " (" + before.size() + " open before, " + after.size() + " after)");
        }
    }

    private static Map<Integer, String> leaked(Map<Integer, String> before, Map<Integer, String> after) {
        Map<Integer, String> leaked = new TreeMap<>();
        after.forEach((fd, target) -> {
            if (!target.equals(before.get(fd)) && !jvmOwn(target)) {
                leaked.put(fd, target);
            }
        });
        return leaked;
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(10);
        return true;
    }

    private static boolean jvmOwn(String target) {
        return target.endsWith(".jar") || target.startsWith("/proc/");
    }

    /** Open descriptors of this process and what each points to. */
    public static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(FD_DIR)) {
            for (Path p : dir) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException | NumberFormatException e) {
                    // closed while we listed (the listing's own descriptor, for one)
                }
            }
        }
        return fds;
    }
}
