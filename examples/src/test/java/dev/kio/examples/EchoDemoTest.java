package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kio.runtime.ring.IoUring;
import dev.kio.runtime.worker.IoPool;

class EchoDemoTest {

    @BeforeAll
    static void loadClassesAndShim() throws Exception {
        assertTrue(IoUring.isAvailable(), () -> "io_uring unavailable: " + IoUring.unavailabilityCause().orElseThrow());
        // The first round loads the classes and the native shim, which leaves the JDK's
        // /dev/random and /dev/urandom open for good (see PoolDemoTest), so fd counts are taken after it.
        EchoDemo.run(quiet(), 2, 2, 64, 64);
    }

    @Test
    void everyClientsBytesComeBackOneSessionPerClientAndNoFdIsLeft() throws Exception {
        List<String> before = OpenFds.list();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        EchoDemo.Report report = EchoDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8), 8, 50, 1024, 1024);
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

    @Test
    void hundredConnectionsOfTenThousandRandomSizedMessagesEachComeBackByteForByte() throws Exception {
        List<String> before = OpenFds.list();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        EchoDemo.Report report = EchoDemo.run(new PrintStream(text, true, StandardCharsets.UTF_8), 100, 10_000, 1,
                4096);
        List<String> after = OpenFds.list();
        String output = text.toString(StandardCharsets.UTF_8);

        assertTrue(report.passed(), () -> "the run failed: " + report.failures() + "\n" + output);
        long expected = 0;
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (int c = 0; c < 100; c++) {
            for (int m = 0; m < 10_000; m++) {
                int size = EchoClient.messageSize(c, m, 1, 4096);
                expected += size;
                smallest = Math.min(smallest, size);
                largest = Math.max(largest, size);
            }
        }
        // The sizes really vary over the whole range, so short and buffer-spanning messages are both covered.
        assertEquals(1, smallest);
        assertEquals(4096, largest);
        assertEquals(expected, report.bytesVerified(), output);
        assertEquals(expected, Arrays.stream(report.bytesEchoedPerWorker()).sum(), output);
        assertEquals(100, Arrays.stream(report.sessionsPerWorker()).sum(), output);
        assertEquals(before.size(), after.size(),
                () -> "open fds changed across the run\nbefore: " + before + "\nafter:  " + after);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
