package dev.kio.processor;

/**
 * Thrown while lowering a flow when what kio cannot type uses a name javac has not resolved: the
 * handler waits for a later round, where a class generated meanwhile may resolve it, and if none
 * does, javac's own error says what is wrong.
 */
final class Unresolved extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unresolved() {
        super(null, null, false, false);
    }
}
