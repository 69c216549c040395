package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class TickerTest {

    @Test
    void tickersInterleaveOnOneWorkerNeverTickEarlyAndTheDeadlineFires() throws Throwable {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Duration period = Duration.ofMillis(10);
        List<Long> lateness = Ticker.run(new PrintStream(text, true, StandardCharsets.UTF_8), 10, period);
        String output = text.toString(StandardCharsets.UTF_8);

        assertEquals(10, lateness.size());
        for (long late : lateness) {
            assertTrue(late >= 0, "a tick ran before its due time:\n" + output);
        }
        // Loose on purpose: a loaded 2-core CI machine delays timers by whole periods at times.
        long median = lateness.stream().sorted().toList().get(lateness.size() / 2);
        assertTrue(median < 5 * period.toNanos(), "median lateness " + median / 1e6 + " ms:\n" + output);
        assertEquals(10, output.lines().filter(l -> l.contains("slow tick")).count(), output);
        assertEquals(20, output.lines().filter(l -> l.contains("fast tick")).count(), output);
        assertTrue(output.lines().filter(l -> l.contains(" tick ")).allMatch(l -> l.contains("kio-worker-0")), output);
        int firstSlow = output.indexOf("slow tick 1 ");
        int lastFast = output.lastIndexOf("fast tick");
        assertTrue(firstSlow < lastFast, "the two tickers run interleaved on the one worker:\n" + output);
        assertTrue(output.contains("deadline of 10 ms hit"), output);
        assertTrue(output.contains("sleep(") && output.contains("timed out after 10 ms"), output);
    }
}
