package dev.kio.runtime.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A waiter that writes down every completion it receives, keyed by the op's token, copying the
 * op's fields at once (the op is recycled as soon as the waiter returns).
 */
public final class Completions implements OpWaiter {
    /** One delivered completion, as the waiter saw it. */
    public record Seen(long token, int opcode, int fd, int result, int cqeFlags, Outcome outcome, OpState state,
            long timeoutNanos, long atNanos) {
    }

    private final Map<Long, List<Seen>> byToken = new LinkedHashMap<>();
    private int total;

    @Override
    public void onComplete(Op op) {
        Seen seen = new Seen(op.token(), op.opcode(), op.fd(), op.result(), op.cqeFlags(), op.outcome(), op.state(),
                op.timeoutNanos(), System.nanoTime());
        byToken.computeIfAbsent(seen.token(), t -> new ArrayList<>()).add(seen);
        total++;
    }

    /** Completions delivered so far, all ops together. */
    public int total() {
        return total;
    }

    public int count(long token) {
        List<Seen> list = byToken.get(token);
        return list == null ? 0 : list.size();
    }

    /** The one completion of {@code token}; fails unless it was delivered exactly once. */
    public Seen only(long token) {
        List<Seen> list = byToken.get(token);
        assertNotNull(list, () -> "no completion for token " + Long.toHexString(token));
        assertEquals(1, list.size(), () -> "completions for token " + Long.toHexString(token) + ": " + list);
        return list.get(0);
    }

    public boolean done(long token) {
        return count(token) > 0;
    }
}
