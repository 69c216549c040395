package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.worker.IoPool;

class EchoDemoTest {

    @Test
    void everyClientsBytesComeBackOneSessionPerClientAndNoFdIsLeft() throws Exception {
        assertTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElseThrow());
        // The first round loads the classes and the native shim, which leaves the JDK's
        // /dev/random and /dev/urandom open for good (see PoolDemoTest); the second is measured.
        EchoDemo.run(quiet(), 2, 2, 64);

        List<String> before = OpenFds.list();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        EchoDemo.Report report = EchoDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8), 8, 50, 1024);
        List<String> after = OpenFds.list();
        String output = text.toString(StandardCharsets.UTF_8);

        assertTrue(report.passed(), () -> "the demo failed: " + report.failures() + "\n" + output);
        assertEquals(8L * 50 * 1024, report.bytesVerified(), output);
        assertEquals(8, Arrays.stream(report.sessionsPerWorker()).sum(), output);
        assertEquals(8L * 50 * 1024, Arrays.stream(report.bytesEchoedPerWorker()).sum(), output);
        assertEquals(IoPool.allowedCpus().length, report.workers(), output);
        assertTrue(output.contains("verified 8 connection(s), 400 message(s), 409600 bytes"), output);
        assertEquals(before.size(), after.size(),
                () -> "open fds changed across the demo\nbefore: " + before + "\nafter:  " + after);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
