package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.worker.IoPool;

class PoolDemoTest {
    private static final List<String> CHECKS = List.of("ring", "affinity", "nop", "pipe", "sleep", "timeout", "hop");

    @Test
    void demoRoundSucceedsOnEveryWorkerAndLeavesNoFdBehind() throws Exception {
        assertTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElseThrow());
        // A first round loads the classes and the native shim. Extracting the shim to a temp file
        // seeds SecureRandom, and the JDK then keeps /dev/random and /dev/urandom open for good:
        // not the demo's fds. The second round is the one measured.
        PoolDemo.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        List<String> before = OpenFds.list();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PoolDemo.Report report = PoolDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8));
        List<String> after = OpenFds.list();
        String output = text.toString(StandardCharsets.UTF_8);

        assertTrue(report.allPassed(), () -> "a check failed:\n" + output);
        assertEquals(IoPool.allowedCpus().length, report.workers(), output);
        for (int w = 0; w < report.workers(); w++) {
            int worker = w;
            List<String> names = report.checks().stream().filter(c -> c.worker() == worker).map(PoolDemo.Check::name)
                    .toList();
            assertEquals(CHECKS, names, () -> "checks on worker " + worker + ":\n" + output);
        }
        assertEquals(before.size(), after.size(),
                () -> "open fds changed across the demo\nbefore: " + before + "\nafter:  " + after);
        List<String> workerThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("kio-worker-")).toList();
        assertEquals(List.of(), workerThreads, "worker threads still alive after the pool closed");
    }

    @Test
    void demoPrintsEveryCheckAndAClosingSummary() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PoolDemo.Report report = PoolDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8));
        String output = text.toString(StandardCharsets.UTF_8);

        long okLines = output.lines().filter(l -> l.startsWith("  ok ")).count();
        assertEquals(report.checks().size(), okLines, output);
        assertTrue(output.contains("pool closed. " + report.checks().size() + "/" + report.checks().size()
                + " checks passed on " + report.workers() + " worker(s)\n"), output);
        assertTrue(output.contains("OpTimedOutException after"), output);
    }
}
