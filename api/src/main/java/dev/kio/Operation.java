package dev.kio;

/**
 * An I/O operation that completes with an {@code int} (a byte count, a descriptor, 0) or a
 * typed {@link OpException}. Created by the runtime on the calling worker, awaited once with
 * {@link Flows#await(Operation)}.
 */
public interface Operation {
}
