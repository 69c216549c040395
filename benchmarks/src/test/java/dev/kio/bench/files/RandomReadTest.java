package dev.kio.bench.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.sun.nio.file.ExtendedOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The file workload's readers read what the file holds, count what they should, and catch bytes
 * that do not match their offset. Not a speed test: the bounds on the counts only say a run did
 * real reads (about 3 s in all on an idle machine).
 */
class RandomReadTest {
    private static final long SIZE = 8 << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void kioReaderReadsTheFileBytesAtEveryOffsetItPicks(boolean direct) throws Exception {
        Path file = dir.resolve("f.bin");
        BenchFile.create(file, SIZE);
        if (direct) {
            assumeDirectIo(file);
        }
        ReadResult r = KioRandomRead.run(options(file, "kio", direct));
        assertSane(r);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"filechannel-pool", "vthreads"})
    void blockingReadersReadTheFileBytesAtEveryOffsetTheyPick(String peer) throws Exception {
        Path file = dir.resolve("f.bin");
        BenchFile.create(file, SIZE);
        assertSane(BlockingRandomRead.run(options(file, peer, false)));
    }

    @Test
    void kioReaderCountsEveryReadWhoseBytesDoNotMatchItsOffset() throws Exception {
        Path file = dir.resolve("other.bin");
        byte[] other = new byte[1 << 20];
        Arrays.fill(other, (byte) 0x55);
        Files.write(file, other);
        ReadResult r = KioRandomRead.run(options(file, "kio", false));
        assertEquals(0, r.requests());
        assertTrue(r.errors() > 100, () -> "only " + r.errors() + " wrong reads counted");
    }

    @Test
    void madeFileIsKeptWhenItsSizeAndContentMatch() throws Exception {
        Path file = dir.resolve("f.bin");
        assertTrue(BenchFile.create(file, SIZE));
        assertTrue(!BenchFile.create(file, SIZE));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8), SIZE - 8);
        }
        assertTrue(BenchFile.create(file, SIZE), "a file whose last word is wrong is made again");
    }

    @Test
    void positionsAreAlignedBlocksSpreadOverTheWholeFile() {
        int blocks = 64;
        RandomBlocks positions = new RandomBlocks((long) blocks * ReadOptions.BLOCK, 7);
        BitSet seen = new BitSet(blocks);
        for (int i = 0; i < 10_000; i++) {
            long p = positions.next();
            assertEquals(0, p % ReadOptions.BLOCK);
            assertTrue(p >= 0 && p < (long) blocks * ReadOptions.BLOCK, () -> "position " + p + " outside the file");
            seen.set((int) (p / ReadOptions.BLOCK));
        }
        assertEquals(blocks, seen.cardinality());
    }

    private static ReadOptions options(Path file, String peer, boolean direct) {
        return new ReadOptions(file, 8, 0.3, 0.05, direct, null, peer, ReadOptions.workloadName(8, direct), 1);
    }

    /** At least 100 reads in 0.3 s, every one matching and timed; percentiles in order. */
    private static void assertSane(ReadResult r) {
        assertEquals(0, r.errors(), "reads with wrong bytes");
        assertTrue(r.requests() >= 100, () -> "only " + r.requests() + " reads in " + r.seconds() + " s");
        assertEquals(r.requests(), r.latencyNanos().getTotalCount());
        long p50 = r.latencyNanos().getValueAtPercentile(50);
        assertTrue(p50 > 0 && p50 <= r.latencyNanos().getValueAtPercentile(99) && r.latencyNanos().getMaxValue() < 10_000_000_000L,
                () -> "latencies out of order: " + r.latencyNanos());
        assertTrue(r.cpuSeconds() > 0, "no CPU time measured");
    }

    /** Skips unless the file system here takes O_DIRECT (tmpfs before Linux 6.6 refuses it). */
    private static void assumeDirectIo(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            assumeTrue(ch.size() == SIZE);
        } catch (IOException e) {
            assumeTrue(false, "O_DIRECT refused on " + file + ": " + e);
        }
    }
}
