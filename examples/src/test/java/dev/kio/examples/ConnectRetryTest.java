package dev.kio.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.kio.OpException;
import dev.kio.runtime.worker.IoPool;
import org.junit.jupiter.api.Test;

class ConnectRetryTest {
    private static final int ECONNREFUSED = 111;

    /**
     * The server starts listening once the third attempt has been refused: the fourth gets
     * through and the echo comes back; the three waits were 20, 40 and 80 ms, each a TIMEOUT op,
     * so the whole run took at least their sum.
     */
    @Test
    void connectsOnceTheListenerAppearsAfterThreeRefusedAttempts() throws Throwable {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        ConnectRetry.Backoff backoff = ConnectRetry.Backoff.exponential(Duration.ofMillis(20), 2,
                Duration.ofSeconds(1), 6);
        List<String> before = OpenFds.list();
        long start = System.nanoTime();
        assertEquals("hello after retries", ConnectRetry.run(out, 3, backoff));
        long elapsed = System.nanoTime() - start;
        String output = text.toString(StandardCharsets.UTF_8);

        assertEquals(3, output.lines().filter(l -> l.contains("ECONNREFUSED")).count(), output);
        assertTrue(output.contains("attempt 4 connected to"), output);
        assertTrue(output.indexOf("the server now listens") > output.indexOf("attempt 3:"), output);
        assertTrue(elapsed >= Duration.ofMillis(20 + 40 + 80).toNanos(), elapsed / 1e6 + " ms:\n" + output);
        assertEquals(before, OpenFds.list());
    }

    /** Nobody ever listens: after four refused attempts the flow fails with the typed error listing them all. */
    @Test
    void allAttemptsRefusedIsATypedErrorListingEachAttempt() throws Throwable {
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), ConnectRetry.freePort());
        ConnectRetry.Backoff backoff = ConnectRetry.Backoff.exponential(Duration.ofMillis(5), 3, Duration.ofMillis(30), 4);
        List<ConnectRetry.Attempt> seen = new ArrayList<>();
        List<String> before = OpenFds.list();
        try (IoPool pool = IoPool.builder().workers(1).start()) {
            ConnectRetry client = new ConnectRetry_Kio(backoff, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), seen::add);
            ConnectRetry.ConnectFailedException e = assertThrows(ConnectRetry.ConnectFailedException.class,
                    () -> pool.worker(0).syncWait(ConnectRetry_Kio.connect(client, nobody, Duration.ofSeconds(1))));

            assertEquals(seen, e.attempts());
            assertEquals(List.of(1, 2, 3, 4), e.attempts().stream().map(ConnectRetry.Attempt::number).toList());
            assertEquals(List.of(Duration.ofMillis(5), Duration.ofMillis(15), Duration.ofMillis(30), Duration.ZERO),
                    e.attempts().stream().map(ConnectRetry.Attempt::waitedAfter).toList());
            for (ConnectRetry.Attempt a : e.attempts()) {
                assertEquals(ECONNREFUSED, a.error().errno(), a::toString);
            }
            assertInstanceOf(OpException.class, e.getCause());
            assertEquals("connect to " + nobody + " failed after 4 attempt(s): [#1 ECONNREFUSED, retried after 5.0 ms,"
                    + " #2 ECONNREFUSED, retried after 15.0 ms, #3 ECONNREFUSED, retried after 30.0 ms, #4 ECONNREFUSED]",
                    e.getMessage());
        }
        assertEquals(before, OpenFds.list());
    }

    /** Jittered waits are reproducible from the seed, stay within the jitter band and never exceed the cap. */
    @Test
    void jitteredWaitsFollowTheSeedAndStayWithinBounds() {
        ConnectRetry.Backoff backoff = new ConnectRetry.Backoff(Duration.ofMillis(100), 2, Duration.ofMillis(500), 8,
                0.25, 42);
        List<Long> first = waits(backoff);
        assertEquals(first, waits(backoff));
        assertTrue(!first.equals(waits(new ConnectRetry.Backoff(Duration.ofMillis(100), 2, Duration.ofMillis(500), 8,
                0.25, 43))), "another seed gives other waits");
        for (int i = 0; i < first.size(); i++) {
            double nominal = 100e6 * Math.pow(2, i);
            long wait = first.get(i);
            assertTrue(wait >= Math.min(0.75 * nominal, 500e6) && wait <= Math.min(1.25 * nominal, 500e6),
                    "wait " + (i + 1) + " of " + wait / 1e6 + " ms");
        }
    }

    private static List<Long> waits(ConnectRetry.Backoff backoff) {
        SplittableRandom random = backoff.random();
        List<Long> waits = new ArrayList<>();
        for (int attempt = 1; attempt < backoff.maxAttempts(); attempt++) {
            waits.add(backoff.waitNanos(attempt, random));
        }
        return waits;
    }
}
