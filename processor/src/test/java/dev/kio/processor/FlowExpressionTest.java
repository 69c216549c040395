package dev.kio.processor;

import static dev.kio.processor.FlowHarness.handler;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kio.processor.FlowHarness.Handler;
import dev.kio.processor.FlowHarness.Outcome;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Awaits inside expressions: operands are evaluated left to right as Java does, short-circuits
 * skip what they skip, and code that runs later (lambdas, anonymous classes) sees the locals it
 * captured as they were when it was created.
 */
class FlowExpressionTest {
    private static final String EXPRESSIONS = """
                int counter;

                int sum3(int a, int b, int c) {
                    return a * 100 + b * 10 + c;
                }

                @Flow
                int bump() throws OpException {
                    counter += 100;
                    return await(ops().ready(1));
                }

                @Flow
                String operandsInOrder() throws OpException {
                    int[] arr = {10, 20, 30};
                    int call = sum3(Math.max(v("a", 1), 0), await(ops().ready(v("b", 2))), v("c", 3));
                    boolean and1 = v("d", 0) == 1 && await(ops().ready(v("never", 1))) == 1;
                    boolean and2 = v("e", 1) == 1 && await(ops().nop()) == 0;
                    boolean or1 = v("f", 1) == 1 || await(ops().ready(v("never", 0))) == 0;
                    boolean or2 = v("g", 0) == 1 || await(ops().ready(v("h", 5))) == 5;
                    int cond1 = v("i", 1) > 0 ? await(ops().ready(v("j", 7))) : v("never", 8);
                    int cond2 = v("k", 0) > 0 ? v("never", 1) : await(ops().nop()) + 9;
                    String concat = "s" + v("l", 1) + await(ops().ready(v("m", 2))) + v("n", 3);
                    int index = arr[await(ops().ready(v("o", 1)))] + arr[v("p", 2)];
                    arr[v("q", 0)] = await(ops().ready(v("r", 99)));
                    arr[v("s", 1)] += await(ops().ready(v("t", 5)));
                    int w = 0;
                    while (await(ops().ready(v("w" + w, w))) < 2) {
                        w++;
                    }
                    int f = 0;
                    for (int g = 10; await(ops().ready(v("f" + g, g))) < 12; g += await(ops().ready(v("g", 1)))) {
                        f++;
                    }
                    int d = 0;
                    do {
                        d++;
                    } while (await(ops().nop()) + v("d" + d, d) < 2);
                    return call + " " + and1 + and2 + or1 + or2 + " " + cond1 + "," + cond2 + " " + concat + " " + index
                            + " " + arr[0] + "," + arr[1] + " " + w + f + d;
                }

                @Flow
                String compoundAssignmentReadsItsTargetFirst() throws OpException {
                    counter = 1;
                    counter += bump();
                    int compound = counter;
                    counter = 1;
                    counter = counter + bump();
                    return compound + "," + counter;
                }

                @Flow
                String captures(int n) throws OpException {
                    List<IntSupplier> later = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int k = await(ops().ready(i * 10));
                        int j = i;
                        later.add(() -> k + 1);
                        later.add(new IntSupplier() {
                            @Override
                            public int getAsInt() {
                                return k + j * 1000 + n;
                            }
                        });
                        await(ops().nop());
                        log.append(k + j).append(';');
                    }
                    Supplier<String> logged = () -> log.toString();
                    await(ops().nop());
                    StringBuilder out = new StringBuilder();
                    for (IntSupplier s : later) {
                        out.append(s.getAsInt()).append(' ');
                    }
                    return out.append(logged.get()).toString();
                }
            """;

    private static IoPool pool;
    private static Worker worker;

    @BeforeAll
    static void startPool() throws Exception {
        pool = IoPool.builder().workers(1).pin(false).start();
        worker = pool.worker(0);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @Test
    void awaitsInArgumentsShortCircuitsConditionalsConcatenationIndexesAndLoopConditionsKeepJavaOrder()
            throws Exception {
        Outcome o = handler(EXPRESSIONS).runBothWays(worker, "operandsInOrder");
        assertEquals("123 falsetruetruetrue 7,9 s123 50 99,25 222", o.value());
        assertEquals("a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q;r;s;t;w0;w1;w2;f10;g;f11;g;f12;d1;d2;", o.log());
    }

    @Test
    void compoundAssignmentKeepsTheTargetsValueFromBeforeTheAwait() throws Exception {
        Handler h = handler(EXPRESSIONS);
        assertEquals("2,2", h.runBothWays(worker, "compoundAssignmentReadsItsTargetFirst").value());
    }

    @Test
    void lambdasAndAnonymousClassesSeeLocalsAsTheyWereWhenCaptured() throws Exception {
        Outcome o = handler(EXPRESSIONS).runBothWays(worker, "captures", 3);
        assertEquals("1 3 11 1013 21 2023 0;11;22;", o.value());
        assertEquals("0;11;22;", o.log());
    }
}
