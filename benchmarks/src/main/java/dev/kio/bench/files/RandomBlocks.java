package dev.kio.bench.files;

/**
 * Uniformly random block-aligned file positions from xorshift64*: a few nanoseconds and no
 * allocation per position, one generator per reader (not thread-safe), seeded apart.
 */
final class RandomBlocks {
    private final long blocks;
    private long x;

    /** Positions in a file of {@code fileBytes}; {@code seed} tells readers apart (any value, 0 included). */
    RandomBlocks(long fileBytes, long seed) {
        this.blocks = fileBytes / ReadOptions.BLOCK;
        // SplitMix64's finaliser: distinct seeds give unrelated, non-zero starting states.
        long z = seed + 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        this.x = z == 0 ? 1 : z;
    }

    /** The next position: a multiple of {@link ReadOptions#BLOCK} below the file's size. */
    long next() {
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        return Math.unsignedMultiplyHigh(x * 0x2545f4914f6cdd1dL, blocks) * ReadOptions.BLOCK;
    }
}
