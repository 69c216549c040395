package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kio.Task;
import dev.kio.runtime.worker.DirectMode;
import dev.kio.runtime.worker.IoPool;

/**
 * Generated continuations run on a real worker and give what the same flow gives as plain Java
 * in direct mode: the result, the exception, and the trace of what it did.
 */
class FlowBehaviourTest {
    private static final String HEADER = """
            package demo;

            import static dev.kio.Flows.await;

            import java.io.IOException;
            import java.util.List;

            import dev.kio.Flow;
            import dev.kio.IoHandler;
            import dev.kio.OpException;
            import dev.kio.runtime.op.Ops;
            import dev.kio.runtime.worker.Worker;

            @IoHandler
            public abstract class H {
                final StringBuilder log = new StringBuilder();

                Ops ops() {
                    return Worker.current().ops();
                }

                @Flow
                int step(String what) throws OpException {
                    log.append(what).append(';');
                    return await(ops().nop()) + what.length();
                }
            """;

    private static IoPool pool;

    @BeforeAll
    static void startPool() throws Exception {
        pool = IoPool.builder().workers(1).pin(false).start();
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    private record Outcome(Object value, String failure, String log) {
    }

    /** Runs flow {@code name} of handler source {@code body} both ways and checks they agree. */
    private static Outcome runBothWays(String body, String name, Object... args) throws Exception {
        Compiled c = Compiled.compile("demo.H", HEADER + body + "\n}\n").assertSuccess();
        LoadedHandler h = new LoadedHandler(c, "demo.H");
        Object onWorker = h.newHandler();
        Task<?> task = h.start(name, onWorker, args);
        Outcome generatedOutcome;
        try {
            generatedOutcome = new Outcome(pool.worker(0).syncWait(task), null, log(h, onWorker));
        } catch (Exception e) {
            generatedOutcome = new Outcome(null, e.toString(), log(h, onWorker));
        }
        Object direct = h.newHandler();
        Outcome directOutcome;
        try (DirectMode d = DirectMode.open()) {
            directOutcome = new Outcome(h.callDirect(name, direct, args), null, log(h, direct));
        } catch (Throwable e) {
            directOutcome = new Outcome(null, e.toString(), log(h, direct));
        }
        assertEquals(directOutcome, generatedOutcome, "generated state machine vs direct mode\n" + c.generatedSources());
        return generatedOutcome;
    }

    private static String log(LoadedHandler h, Object handler) throws Exception {
        return h.field("log").get(handler).toString();
    }

    @Test
    void loopsTryCatchFinallyAndNestedFlowsBehaveAsPlainJava() throws Exception {
        Outcome o = runBothWays("""
                    @Flow
                    public int sum(List<Integer> xs) throws IOException {
                        int total = 0;
                        for (int x : xs) {
                            await(ops().nop());
                            total += x;
                        }
                        try {
                            log.append("in try;");
                            if (total > 5) {
                                throw new IllegalStateException("big");
                            }
                            await(ops().nop());
                        } catch (IllegalStateException e) {
                            log.append("caught " + e.getMessage() + ";");
                            await(ops().nop());
                        } finally {
                            log.append("finally;");
                            await(ops().nop());
                        }
                        var s = "n=" + await(ops().nop()) + ",t=" + total;
                        log.append(s).append(';');
                        return total + twice(total);
                    }

                    @Flow
                    int twice(int v) throws OpException {
                        int r = await(ops().nop()) + v;
                        return r + v;
                    }
                """, "sum", List.of(1, 2, 3));
        assertEquals(18, o.value());
        assertEquals("in try;caught big;finally;n=0,t=6;", o.log());
    }

    @Test
    void exceptionCrossingAwaitsRunsFinallyAndReachesCaller() throws Exception {
        Outcome o = runBothWays("""
                    @Flow
                    void fail(int n) throws IOException {
                        try {
                            for (int i = 0; i < n; i++) {
                                step("i" + i);
                                if (i == 2) {
                                    throw new java.io.IOException("at " + i);
                                }
                            }
                        } finally {
                            step("finally");
                        }
                    }
                """, "fail", 5);
        assertEquals("java.io.IOException: at 2", o.failure());
        assertEquals("i0;i1;i2;finally;", o.log());
    }

    @Test
    void labelledJumpsSwitchesAndShortCircuitsKeepJavaOrder() throws Exception {
        Outcome o = runBothWays("""
                    @Flow
                    String walk(int n) throws IOException {
                        StringBuilder out = new StringBuilder();
                        outer:
                        for (int i = 0; i < n; i++) {
                            int j = 0;
                            while (true) {
                                j++;
                                if (j > i) continue outer;
                                if (i * j > 6) break outer;
                                switch (j) {
                                    case 1 -> out.append(await(ops().nop()) == 0 && step("a") > 0 ? "A" : "a");
                                    case 2 -> {
                                        int k = step("b") + await(ops().nop());
                                        out.append(k);
                                    }
                                    default -> out.append(step("c") > 1 || step("never") > 0 ? "C" : "c");
                                }
                            }
                        }
                        int v = switch (n) {
                            case 3 -> await(ops().nop()) + 30;
                            default -> {
                                int w = step("d");
                                yield w * 2;
                            }
                        };
                        return out.append('|').append(v).toString();
                    }
                """, "walk", 4);
        assertEquals("AA1A1|2", o.value());
        assertEquals("a;a;b;a;b;d;", o.log());
    }

    @Test
    void resourcesCloseOnEveryExitKeepingSuppressedExceptions() throws Exception {
        Outcome o = runBothWays("""
                    final class Res implements AutoCloseable {
                        final String name;
                        final boolean failClose;

                        Res(String name, boolean failClose) {
                            this.name = name;
                            this.failClose = failClose;
                            log.append("open ").append(name).append(';');
                        }

                        @Override
                        public void close() {
                            log.append("close ").append(name).append(';');
                            if (failClose) {
                                throw new IllegalStateException("close " + name);
                            }
                        }
                    }

                    @Flow
                    String use(boolean fail) throws IOException {
                        try (Res a = new Res("a", true); Res b = new Res("b", false)) {
                            step("body " + a.name + b.name);
                            if (fail) {
                                throw new IOException("body failed");
                            }
                            return "ok";
                        } catch (IOException e) {
                            return e.getMessage() + " suppressed " + e.getSuppressed()[0].getMessage();
                        }
                    }
                """, "use", true);
        assertEquals("body failed suppressed close a", o.value());
        assertEquals("open a;open b;body ab;close b;close a;", o.log());
    }
}
