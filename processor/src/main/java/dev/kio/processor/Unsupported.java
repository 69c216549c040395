package dev.kio.processor;

/** Thrown while lowering a flow when it meets a form kio cannot compile; becomes one {@link Problem}. */
final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final transient Problem problem;

    Unsupported(Problem problem) {
        super(problem.text(), null, false, false);
        this.problem = problem;
    }
}
