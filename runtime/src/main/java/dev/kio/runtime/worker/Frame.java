package dev.kio.runtime.worker;

import dev.kio.OpException;
import dev.kio.Operation;
import dev.kio.Task;
import dev.kio.runtime.msg.MpscQueue;
import dev.kio.runtime.op.Op;
import dev.kio.runtime.op.OpWaiter;
import dev.kio.runtime.op.Ops;
import dev.kio.runtime.op.Outcome;

/**
 * A resumable continuation: the frame of one task, run on one worker at a time.
 *
 * <p>This is the interface the flow compiler's generated classes implement, and what
 * hand-written continuations extend. {@link #step()} is a state machine over {@link #state}:
 * it runs until it awaits something ({@code if (await(x)) return;}), completes
 * ({@code complete(v); return;}) or throws. An awaited op resumes the frame with its result;
 * an awaited child task that finished synchronously continues inline, with no re-dispatch.
 *
 * <pre>{@code
 * final class ReadOnce extends Frame<Integer> {
 *     protected void step() throws Throwable {
 *         switch (state) {
 *             case 0 -> { state = 1; if (await(ops().read(fd, buf, 0, 64, Ops.CURRENT_POSITION))) return; }
 *             case 1 -> complete(result());
 *         }
 *     }
 * }
 * }</pre>
 *
 * Lifecycle: NEW (lazy, nothing ran), RUNNING (inside {@code step}), SUSPENDED (waiting for
 * an op, a child, or a switch to another worker), JOINING (waiting for every op it has in
 * flight, {@link #awaitAll()}), DRAINING (it finished, but ops it submitted are still in the
 * kernel: they are cancelled, and their completions absorbed), DONE. Its
 * awaiter hears of it only at DONE, so memory the frame's ops name is never in use once it is
 * done. A frame is awaited at most once.
 *
 * @param <T> the task's result type
 */
public abstract class Frame<T> extends MpscQueue.Node implements Task<T>, OpWaiter, Awaiter {
    private static final byte NEW = 0;
    private static final byte RUNNING = 1;
    private static final byte SUSPENDED = 2;
    private static final byte JOINING = 3;
    private static final byte DRAINING = 4;
    private static final byte DONE = 5;

    /** The resume label; owned by {@link #step()}. Starts at 0. */
    protected int state;

    private byte status = NEW;
    /** Set when the frame is pooled: it goes back to a worker's idle frames once its result is read. */
    FrameKind<?> kind;
    Worker worker;
    Awaiter awaiter;
    private Worker switchTarget;
    /** Ops submitted by this frame whose completion has not arrived. */
    private int opsInFlight;
    private T value;
    private Throwable failure;
    /** The typed failure of the first op that did not end OK while the frame was JOINING; for {@link #joined()}. */
    private OpException joinFailure;

    /**
     * The op whose result the step reads, only while the step runs: the one whose completion
     * resumed it (the table recycles it when the step returns) or a ready op taken inline (held
     * here until the step awaits another ready op or returns, then recycled: one field serves
     * both, and a ready op is told from a completed one by its state).
     */
    private Op lastOp;

    /**
     * Runs the state machine from {@link #state} until it suspends, completes, or throws (the
     * exception becomes the task's failure). Returning without doing one of those is a bug in
     * the frame and fails the task with an {@link IllegalStateException}.
     */
    protected abstract void step() throws Throwable;

    /**
     * The task's value, read once it is done. Generated frames keep their result in a typed field
     * of their own (no boxing when a caller flow reads it) and override this.
     */
    protected T value() {
        return value;
    }

    /** Drops what the frame holds (its locals), before it is reused. Generated frames override this. */
    protected void clear() {
    }

    @Override
    public final boolean isDone() {
        return status == DONE;
    }

    /** The worker this frame runs on now. */
    protected final Worker worker() {
        return worker;
    }

    /**
     * The current worker's op factory. Unlike {@link Worker#ops()} it does not check the calling
     * thread per call: {@link #resume()} checks it once per step, and a frame's code runs only
     * inside its steps.
     */
    protected final Ops ops() {
        return worker.ops;
    }

    /**
     * Submits {@code op} and suspends until it completes: returns true, and the frame resumes
     * with its result. A {@linkplain Ops#ready(int) ready} op is not submitted: its result is
     * taken at once and this returns false, to continue inline.
     */
    protected final boolean await(Op op) {
        if (op.isReady()) {
            Op last = lastOp;
            lastOp = op;
            giveBackReady(last);
            return false;
        }
        worker.table.submit(op, this);
        opsInFlight++;
        status = SUSPENDED;
        return true;
    }

    /** {@link #await(Op)} for an operation whose static type is the API's {@link Operation}. */
    protected final boolean await(Operation operation) {
        return await(Op.of(operation));
    }

    /**
     * Keeps waiting without submitting anything: for a frame with several ops in flight at once,
     * resumed by one completion while others are still pending. Always true.
     */
    protected final boolean awaitMore() {
        status = SUSPENDED;
        return true;
    }

    /**
     * Suspends until every op this frame has in flight has completed, and then resumes it once,
     * rather than once per completion as {@link #awaitMore()} does: for a batch of ops whose
     * individual results do not matter once they all succeeded (writes, syncs). Returns false,
     * to continue inline, when no op is in flight. The step that resumes calls {@link #joined()}.
     * A failed op does not cut the wait short: the frame resumes only once the kernel is done
     * with every op, so none of them still uses memory the frame may release.
     */
    protected final boolean awaitAll() {
        if (opsInFlight == 0) {
            return false;
        }
        status = JOINING;
        return true;
    }

    /**
     * In the step that resumes after {@link #awaitAll()}: rethrows the typed failure (errno, op,
     * fd or target; timed out; cancelled) of the first op that did not end OK, if one did not.
     */
    protected final void joined() throws OpException {
        OpException f = joinFailure;
        if (f != null) {
            joinFailure = null;
            throw f;
        }
    }

    /**
     * Awaits a child task, starting it here if it has not started. Returns false when the child
     * is already done (continue inline), true when this frame suspended until it is. A pending
     * {@link Promise} runs nothing: settling it resumes this frame.
     */
    protected final boolean await(Task<?> task) {
        Frame<?> child = frameOf(task);
        if (child.awaiter != null) {
            throw new IllegalStateException("task " + child + " is already awaited");
        }
        child.awaiter = this;
        if (child.status == NEW) {
            child.startAwaited(worker);
        }
        if (child.status == DONE) {
            return false;
        }
        status = SUSPENDED;
        return true;
    }

    /**
     * Starts a new frame on {@code w} for the awaiter just set, on {@code w}'s thread: runs its
     * first step; a promise, which has no steps to run for an awaiter, ends at once if it was
     * settled, or else waits for the settle.
     */
    final void startAwaited(Worker w) {
        worker = w;
        if (this instanceof Promise<?> p) {
            status = p.settledOrWaited() ? DONE : SUSPENDED;
        } else {
            resume();
        }
    }

    /**
     * Moves the rest of this frame to {@code target}: returns false if it is already there
     * (continue inline), true when it suspended and will resume on {@code target}'s thread.
     */
    protected final boolean switchTo(Worker target) {
        if (target == worker) {
            return false;
        }
        if (opsInFlight > 0) {
            // Their completions arrive on this worker's ring, which the target must not touch.
            throw new IllegalStateException(this + " cannot switch workers with " + opsInFlight + " op(s) in flight");
        }
        target.checkAccepting();
        status = SUSPENDED;
        switchTarget = target;
        return true;
    }

    /** Finishes the task with {@code result}; return from {@link #step()} right after. */
    protected final void complete(T result) {
        value = result;
        status = DONE;
    }

    /** Finishes the task whose value {@link #value()} provides; return from {@link #step()} right after. */
    protected final void done() {
        status = DONE;
    }

    /**
     * Puts a finished (or never started) frame back in its initial state, so its owner can run it
     * again: generated flows embed the frames of the flows they call and restart them per call.
     */
    protected final void reset() {
        if (status != NEW && status != DONE) {
            throw new IllegalStateException("cannot reset " + this + ": it is still running");
        }
        state = 0;
        status = NEW;
        worker = null;
        awaiter = null;
        switchTarget = null;
        value = null;
        failure = null;
        joinFailure = null;
        lastOp = null;
    }

    /** Rethrows the failure of an embedded child frame that finished; its value is read from its own field. */
    protected static void joinEmbedded(Frame<?> child) throws Throwable {
        if (child.status != DONE) {
            throw new IllegalStateException("frame " + child + " has not finished");
        }
        if (child.failure != null) {
            throw child.failure;
        }
    }

    /**
     * The last awaited op's result, or its typed failure (errno, op name, fd or target; timed out;
     * cancelled). Read in the step that continues after the await: the op is recycled once that
     * step returns.
     */
    protected final int result() throws OpException {
        Op op = completed();
        int r = op.result();
        if (r >= 0) {
            return r;
        }
        throw op.failure();
    }

    /** The last awaited op's raw kernel result ({@code -errno} on failure); like {@link #result()}, in that step. */
    protected final int rawResult() {
        return completed().result();
    }

    /** How the last awaited op ended; like {@link #result()}, in that step. */
    protected final Outcome outcome() {
        return completed().outcome();
    }

    private Op completed() {
        Op op = lastOp;
        if (op == null) {
            throw new IllegalStateException(this + " read an op's result outside the step that resumed after awaiting"
                    + " it: the op is recycled once that step returns");
        }
        return op;
    }

    /**
     * A finished child's result, or its exception rethrown. The child's handle is spent: a pooled
     * frame goes back to the worker's idle frames.
     */
    protected final <R> R resultOf(Task<R> task) throws Throwable {
        Frame<R> child = frameOf(task);
        if (child.status != DONE) {
            throw new IllegalStateException("task " + child + " has not finished");
        }
        try {
            return child.join();
        } finally {
            child.recycle(worker);
        }
    }

    /** The result of a finished frame, or its failure rethrown. */
    final T join() throws Throwable {
        if (failure != null) {
            throw failure;
        }
        return value();
    }

    /**
     * Returns a finished pooled frame to {@code into}'s idle frames, when {@code into}'s thread
     * calls (the pools are that thread's alone: a frame failed from another thread is left to the
     * garbage collector); frames that are not pooled are left alone.
     */
    final void recycle(Worker into) {
        if (kind != null && into != null && into.thread == Thread.currentThread()) {
            clear();
            reset();
            into.frames(kind).release(this);
        }
    }

    final Throwable failure() {
        return failure;
    }

    /**
     * The iterator of a for-each loop's source, for generated code that could not type the source
     * itself: javac's overload resolution tells an array of references from an Iterable.
     */
    protected static <E> java.util.Iterator<E> iterator(Iterable<E> source) {
        return source.iterator();
    }

    /** {@link #iterator(Iterable)} for an array of references. */
    protected static <E> java.util.Iterator<E> iterator(E[] source) {
        return java.util.Arrays.asList(source).iterator();
    }

    /** Throws {@code t} as is, checked or not, where the compiler sees no checked exception. */
    @SuppressWarnings("unchecked")
    static <X extends Throwable> X sneaky(Throwable t) throws X {
        throw (X) t;
    }

    @SuppressWarnings("unchecked")
    static <R> Frame<R> frameOf(Task<R> task) {
        if (task instanceof Frame<?> frame) {
            return (Frame<R>) frame;
        }
        throw new IllegalArgumentException("not a kio task: " + task);
    }

    @Override
    public final void onComplete(Op op) {
        opsInFlight--;
        if (status == DRAINING) {
            if (opsInFlight == 0) {
                status = DONE;
                finish();
            }
            return;
        }
        if (status == JOINING) {
            if (op.result() < 0 && joinFailure == null) {
                joinFailure = op.failure();
            }
            if (opsInFlight > 0) {
                return;
            }
            // The step reads joined(), not this op: result() would report only the last to complete.
            op = null;
        }
        lastOp = op;
        // No owner check: the op came from this frame's worker's table, which only its thread reaps.
        run();
    }

    /**
     * Ends the step's hold on its last op: a later step must not read a result the table has
     * recycled meanwhile. A ready op goes back to the table here; a completed one, when the
     * completion that resumed the step returns.
     */
    private void forgetLastOp() {
        Op last = lastOp;
        lastOp = null;
        giveBackReady(last);
    }

    /** Hands {@code op} back to the table if it is a ready op this frame took inline. */
    private void giveBackReady(Op op) {
        if (op != null && op.isReady()) {
            worker.table.takeReady(op);
        }
    }

    @Override
    public final void onDone(Frame<?> child) {
        if (Thread.currentThread() != worker.thread) {
            // The child finished on another worker; this frame resumes on its own.
            worker.post(this);
        } else if (status == SUSPENDED) {
            // On this frame's worker's thread: resume()'s owner check has just been made.
            run();
        }
        // Otherwise the child finished synchronously inside await(task), which continues inline.
    }

    /**
     * Runs one step; only on the thread of the frame's worker, checked here once for the whole
     * step, so the ops the step creates and awaits reach the worker's table without a check each.
     */
    final void resume() {
        worker.checkOwner();
        run();
    }

    private void run() {
        status = RUNNING;
        try {
            step();
            if (status == RUNNING) {
                throw new IllegalStateException(getClass().getName()
                        + ".step() returned without awaiting or completing, in state " + state);
            }
        } catch (Throwable t) {
            failure = t;
            status = DONE;
        }
        // Before a switch moves the frame: a ready op belongs to this worker's table.
        forgetLastOp();
        if (status == JOINING) {
            return;
        }
        if (status == SUSPENDED) {
            Worker target = switchTarget;
            if (target != null) {
                // Handed over only now that step() has returned: the target may run it at once.
                switchTarget = null;
                worker = target;
                target.post(this);
            }
        } else if (opsInFlight > 0) {
            status = DRAINING;
            worker.cancelOpsOf(this);
        } else {
            finish();
        }
    }

    /**
     * Called when this frame is failed without running again because the worker it was queued on
     * stopped: the last chance to release what only its next step would have handed on (an fd
     * opened for its awaiter). On whichever thread rejects it; by default nothing.
     */
    protected void rejected() {
    }

    /**
     * Ends a frame from outside its steps (a {@link Promise} settled) with {@code result} or, when
     * not null, {@code why}; its awaiter hears of it now. A frame that has not started only keeps
     * them: its start, or its first step, ends it.
     */
    final void endWith(T result, Throwable why) {
        value = result;
        failure = why;
        if (status != NEW) {
            status = DONE;
            finish();
        }
    }

    /** Ends a frame that never ran because its worker stopped; its awaiter learns why. */
    final void reject(Throwable why) {
        rejected();
        failure = why;
        status = DONE;
        finish();
    }

    private void finish() {
        Awaiter a = awaiter;
        if (a instanceof Frame<?> f) {
            // Most awaiters are frames: a direct call, where the interface call would be megamorphic.
            f.onDone(this);
        } else if (a != null) {
            a.onDone(this);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[state " + state + ", " + switch (status) {
            case NEW -> "new";
            case RUNNING -> "running";
            case SUSPENDED -> "suspended";
            case JOINING -> "joining";
            case DRAINING -> "draining";
            default -> "done";
        } + "]";
    }
}
