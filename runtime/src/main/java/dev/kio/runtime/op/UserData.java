package dev.kio.runtime.op;

/**
 * The one place that packs and unpacks {@code user_data}.
 *
 * <pre>
 *  63            32 31      24 23              0
 * +----------------+----------+-----------------+
 * |   generation   |   kind   |      slot       |
 * +----------------+----------+-----------------+
 * </pre>
 *
 * A slot's generation changes every time it is reused and is never 0, so a completion for an
 * earlier use of the slot (stale, or duplicated) is recognised and dropped instead of resuming
 * the wrong continuation. Values whose generation is 0 are reserved for CQEs that belong to no
 * slot, such as a wake-up another worker posted with {@code MSG_RING}.
 */
public final class UserData {
    /** A completion posted to this ring by another worker to wake it up. */
    public static final long WAKE = 1L;

    static final int PRIMARY = 0;
    /** The {@code LINK_TIMEOUT} that guards an operation: a second CQE for the same slot. */
    static final int LINK_TIMEOUT = 1;

    static final int MAX_SLOTS = 1 << 24;

    private UserData() {
    }

    static long pack(int generation, int kind, int slot) {
        return (long) generation << 32 | (long) kind << 24 | slot;
    }

    static int generation(long userData) {
        return (int) (userData >>> 32);
    }

    static int kind(long userData) {
        return (int) (userData >>> 24) & 0xFF;
    }

    static int slot(long userData) {
        return (int) userData & 0xFFFFFF;
    }

    /** Whether the value belongs to no slot ({@link #WAKE} and future reserved values). */
    public static boolean isReserved(long userData) {
        return generation(userData) == 0;
    }
}
