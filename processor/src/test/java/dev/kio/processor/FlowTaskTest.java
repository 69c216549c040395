package dev.kio.processor;

import static dev.kio.processor.FlowHarness.handler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kio.Task;
import dev.kio.processor.FlowHarness.Handler;
import dev.kio.processor.FlowHarness.Outcome;
import dev.kio.runtime.worker.DirectMode;
import dev.kio.runtime.worker.Frame;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Flows as tasks: nested flows, the lazy tasks the generated starters return (sync-waited,
 * spawned, awaited by a hand-written frame), awaits of operation-typed locals, and awaits that
 * are already complete and continue inline.
 */
class FlowTaskTest {
    private static final String TASKS = """
                public final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
                int others;

                @Flow
                int inner(int x) throws IOException {
                    int r = await(ops().nop()) + x;
                    if (r < 0) {
                        throw new IOException("negative " + r);
                    }
                    return r * 2;
                }

                @Flow
                String nested(int x) throws IOException {
                    int a = inner(x);
                    String caught;
                    try {
                        inner(-x);
                        caught = "none";
                    } catch (IOException e) {
                        caught = e.getMessage();
                    }
                    return a + " " + caught + " " + (inner(1) + inner(2));
                }

                @Flow
                int middle(int x) throws IOException {
                    log.append("middle;");
                    return inner(x) + 1;
                }

                @Flow
                int outer(int x) throws IOException {
                    try {
                        return middle(x);
                    } finally {
                        log.append("outer finally;");
                    }
                }

                @Flow
                String lazy(String tag) throws OpException {
                    log.append("ran ").append(tag).append(';');
                    await(ops().nop());
                    finished.countDown();
                    return tag;
                }

                @Flow
                void failLater(String why) throws IOException {
                    await(ops().nop());
                    throw new IOException(why);
                }

                @Flow
                int operationLocals(int n) throws OpException {
                    Operation later = ops().nop();
                    Op ready = ops().ready(n);
                    int a = await(later);
                    int b = await(ready);
                    Operation failing = ops().ready(-9);
                    try {
                        await(failing);
                        return -1;
                    } catch (OpException e) {
                        return a + b + e.errno();
                    }
                }

                @Flow
                int quick(int x) throws OpException {
                    return await(ops().ready(x)) + await(ops().ready(1));
                }

                @Flow
                String inline(int n, boolean throughKernel) throws OpException {
                    Worker.current().execute(() -> others++);
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += await(ops().ready(i));
                    }
                    sum += quick(5);
                    Task<Integer> started = H_Kio.quick(this, 7);
                    sum += await(started);
                    if (throughKernel) {
                        await(ops().nop());
                    }
                    return sum + " with " + others + " other task(s) run meanwhile";
                }
            """;

    private static final BlockingQueue<Throwable> UNCAUGHT = new LinkedBlockingQueue<>();
    private static IoPool pool;
    private static Worker worker;

    @BeforeAll
    static void startPool() throws Exception {
        pool = IoPool.builder().workers(1).pin(false).uncaughtExceptionHandler((w, t) -> UNCAUGHT.add(t)).start();
        worker = pool.worker(0);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @Test
    void nestedFlowsReturnValuesAndThrowToTheirCaller() throws Exception {
        Handler h = handler(TASKS);
        assertEquals("10 negative -5 6", h.runBothWays(worker, "nested", 5).value());
        assertEquals(new Outcome(null, "java.io.IOException: negative -3", "middle;outer finally;"),
                h.runBothWays(worker, "outer", -3));
        assertEquals(new Outcome(7, null, "middle;outer finally;"), h.runBothWays(worker, "outer", 3));
    }

    @Test
    void starterTaskDoesNothingUntilSyncWaited() throws Exception {
        Handler h = handler(TASKS);
        Object handler = h.newInstance();
        Task<?> task = h.start(handler, "lazy", "x");
        assertFalse(task.isDone());
        assertEquals("", Handler.log(handler), "the starter ran the flow's body");
        assertEquals("x", worker.syncWait(task));
        assertTrue(task.isDone());
        assertEquals("ran x;", Handler.log(handler));
    }

    @Test
    void starterTaskDoesNothingUntilSpawnedAndItsFailureGoesToTheUncaughtHandler() throws Exception {
        Handler h = handler(TASKS);
        Object handler = h.newInstance();
        Task<?> task = h.start(handler, "lazy", "y");
        assertEquals("", Handler.log(handler), "the starter ran the flow's body");
        worker.spawn(task);
        var finished = (java.util.concurrent.CountDownLatch) handler.getClass().getSuperclass().getField("finished").get(handler);
        assertTrue(finished.await(10, TimeUnit.SECONDS), "the spawned flow did not run");
        assertEquals("ran y;", Handler.log(handler));

        worker.spawn(h.start(h.newInstance(), "failLater", "detached failure"));
        Throwable t = UNCAUGHT.poll(10, TimeUnit.SECONDS);
        assertInstanceOf(IOException.class, t);
        assertEquals("detached failure", t.getMessage());
    }

    /** Awaits a task as generated code does, from a continuation written by hand. */
    static final class AwaitTask extends Frame<String> {
        private final Task<?> child;

        AwaitTask(Task<?> child) {
            this.child = child;
        }

        @Override
        protected void step() throws Throwable {
            if (state == 0) {
                state = 1;
                if (await(child)) {
                    return;
                }
            }
            complete("got " + resultOf(child));
        }
    }

    @Test
    void handWrittenFrameAwaitsAFlowsValueOrException() throws Exception {
        Handler h = handler(TASKS);
        assertEquals("got 10 negative -5 6", worker.syncWait(new AwaitTask(h.start(h.newInstance(), "nested", 5))));
        IOException e = assertThrows(IOException.class,
                () -> worker.syncWait(new AwaitTask(h.start(h.newInstance(), "outer", -3))));
        assertEquals("negative -3", e.getMessage());
    }

    @Test
    void operationTypedLocalsAreAwaitedLikeOps() throws Exception {
        assertEquals(13, handler(TASKS).runBothWays(worker, "operationLocals", 4).value());
    }

    @Test
    void completedAwaitsContinueInlineWithoutGoingBackToTheWorkerLoop() throws Exception {
        Handler h = handler(TASKS);
        long sum = 10_000L * 9_999 / 2 + 6 + 8;
        // The spawned task runs only when the flow returns to the worker loop: 10,000 ready ops and
        // two children that finish inside their await never let it.
        assertEquals(sum + " with 0 other task(s) run meanwhile", h.runBothWays(worker, "inline", 10_000, false).value());
        assertEquals(sum + " with 1 other task(s) run meanwhile", h.runBothWays(worker, "inline", 10_000, true).value());
    }

    /**
     * Handlers compiled together await each other's starters, and their own: {@code B_Kio} and
     * {@code A_Kio} do not exist yet when the processor first reads {@code A}.
     */
    @Test
    void aFlowAwaitsStartersOfHandlersGeneratedInTheSameCompilation() throws Throwable {
        Compiled c = Compiled.compile(java.util.Map.of("demo.A", """
                package demo;

                import static dev.kio.Flows.await;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.OpException;
                import dev.kio.runtime.worker.Worker;

                @IoHandler
                public abstract class A {
                    @Flow
                    public String callOther(int x) throws OpException {
                        var b = new B_Kio();
                        int first = await(B_Kio.twice(b, x));
                        var again = A_Kio.plusOne(this, first);
                        await(Worker.current().ops().nop());
                        return first + " " + b.calls + " " + await(again);
                    }

                    @Flow
                    int plusOne(int x) throws OpException {
                        return await(Worker.current().ops().nop()) + x + 1;
                    }
                }
                """, "demo.B", """
                package demo;

                import static dev.kio.Flows.await;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.OpException;
                import dev.kio.runtime.worker.Worker;

                @IoHandler
                public abstract class B {
                    public int calls;

                    @Flow
                    public int twice(int x) throws OpException {
                        calls++;
                        return await(Worker.current().ops().nop()) + 2 * x;
                    }
                }
                """)).assertSuccess();
        LoadedHandler a = new LoadedHandler(c, "demo.A");
        assertEquals("42 1 43", worker.syncWait(a.start("callOther", a.newHandler(), 21)));
        try (DirectMode _ = DirectMode.open()) {
            assertEquals("42 1 43", a.callDirect("callOther", a.newHandler(), 21));
        }
    }
}
