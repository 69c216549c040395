package dev.kio.examples;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.kio.runtime.worker.IoPool;

class EchoServerTest {

    @Test
    void clientThatSendsNothingAndClosesEndsTheSessionCleanly() throws Exception {
        try (IoPool pool = IoPool.builder().start(); EchoServer server = EchoServer.start(pool, 0)) {
            long verified = pool.worker(0).syncWait(EchoClient_Kio.exchange(new EchoClient_Kio(), server.address(), 0,
                    0, 16, 16));

            assertEquals(0, verified);
            assertTrue(server.awaitSessionsEnded(1, Duration.ofSeconds(5)), "the session did not end");
            EchoServer.WorkerStats[] stats = server.stats();
            assertEquals(1, Arrays.stream(stats).mapToLong(EchoServer.WorkerStats::sessions).sum());
            assertEquals(0, Arrays.stream(stats).mapToLong(EchoServer.WorkerStats::bytes).sum());
            assertEquals(0, Arrays.stream(stats).mapToLong(EchoServer.WorkerStats::failed).sum(),
                    () -> Arrays.stream(stats).map(EchoServer.WorkerStats::lastFailure).toList().toString());
        }
    }

    @Test
    void echoDifferingFromTheMessageNamesClientMessageAndByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sent = arena.allocate(32);
            MemorySegment echoed = arena.allocate(32);
            EchoClient.fill(sent, 32, 7);
            EchoClient.fill(echoed, 32, 7);
            EchoClient.verify(sent, echoed, 32, 3, 4);
            echoed.set(JAVA_BYTE, 17, (byte) ~sent.get(JAVA_BYTE, 17));

            EchoClient.EchoMismatchException e = assertThrows(EchoClient.EchoMismatchException.class,
                    () -> EchoClient.verify(sent, echoed, 32, 3, 4));
            assertTrue(e.getMessage().startsWith("client 3, message 4 of 32 bytes: byte 17 came back as 0x"),
                    e.getMessage());
        }
    }

    @Test
    void consecutiveMessagesGetDifferentPatterns() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = arena.allocate(64);
            MemorySegment second = arena.allocate(64);
            EchoClient.fill(first, 64, 0);
            EchoClient.fill(second, 64, 1);
            assertTrue(first.mismatch(second) >= 0, "messages 0 and 1 carry the same bytes");
        }
    }
}
