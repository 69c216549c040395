package dev.kio.processor;

import static dev.kio.processor.FlowHarness.handler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kio.processor.FlowHarness.Handler;
import dev.kio.processor.FlowHarness.Outcome;
import dev.kio.runtime.worker.IoPool;
import dev.kio.runtime.worker.Worker;

/**
 * Generated continuations run on a real worker and give what the same flow gives as plain Java
 * in direct mode, and what Java says it should: the result, the exception, and the trace of
 * what it did. One test per source form, each with awaits inside the form.
 */
class FlowBehaviourTest {
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
    void loopsTryCatchFinallyAndNestedFlowsBehaveAsPlainJava() throws Exception {
        Outcome o = handler("""
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
                """).runBothWays(worker, "sum", List.of(1, 2, 3));
        assertEquals(18, o.value());
        assertEquals("in try;caught big;finally;n=0,t=6;", o.log());
    }

    @Test
    void exceptionCrossingAwaitsRunsFinallyAndReachesCaller() throws Exception {
        Outcome o = handler("""
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
                """).runBothWays(worker, "fail", 5);
        assertEquals("java.io.IOException: at 2", o.failure());
        assertEquals("i0;i1;i2;finally;", o.log());
    }

    @Test
    void labelledJumpsSwitchesAndShortCircuitsKeepJavaOrder() throws Exception {
        Outcome o = handler("""
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
                """).runBothWays(worker, "walk", 4);
        assertEquals("AA1A1|2", o.value());
        assertEquals("a;a;b;a;b;d;", o.log());
    }

    /** Locals, parameters, fields, branches, loops, blocks, labels, switches, return and throw. */
    private static final String STATEMENTS = """
                int total;
                final int[] data = {3, 1, 4};
                final Iterable<String> letters = List.of("p", "q");

                @Flow
                String localsParametersAndFields(int a, String b) throws OpException {
                    int x = await(ops().nop()) + a;
                    var y = b + await(ops().ready(7));
                    var names = new ArrayList<String>();
                    names.add(b);
                    long z = x;
                    total = await(ops().ready(a)) + total;
                    a += await(ops().ready(1));
                    b = b.toUpperCase();
                    names.add(b);
                    await(ops().nop());
                    total++;
                    return x + "," + y + "," + z + "," + a + "," + b + "," + total + "," + names;
                }

                @Flow
                String branchesAndLoops(int n) throws OpException {
                    StringBuilder out = new StringBuilder();
                    if (await(ops().ready(n)) > 2) {
                        out.append("big");
                        await(ops().nop());
                    } else if (n == 2) {
                        out.append("two").append(await(ops().ready(2)));
                    } else {
                        out.append("small");
                    }
                    int i = 0;
                    while (i < n) {
                        i += await(ops().ready(1));
                        out.append(" w").append(i);
                    }
                    do {
                        await(ops().nop());
                        out.append(" d").append(i);
                    } while (--i > 0);
                    for (int k = 0, m = n; k < m; k++, m--) {
                        out.append(" f").append(k).append(m).append(await(ops().nop()));
                    }
                    for (int e : data) {
                        out.append(" a").append(e * await(ops().ready(2)));
                    }
                    for (var s : letters) {
                        await(ops().nop());
                        out.append(" i").append(s);
                    }
                    for (var s : List.of("r", "s")) {
                        out.append(" g").append(s).append(await(ops().ready(1)));
                    }
                    for (String s : java.util.Arrays.copyOf(new String[] {"t"}, 1)) {
                        out.append(" h").append(s).append(await(ops().nop()));
                    }
                    {
                        int inner = await(ops().ready(n * 3));
                        {
                            out.append(" b").append(inner + await(ops().nop()));
                        }
                    }
                    return out.toString();
                }

                @Flow
                String labelledJumps(int n) throws OpException {
                    StringBuilder out = new StringBuilder();
                    rows:
                    for (int r = 0; r < n; r++) {
                        cols:
                        for (int c = 0; ; c++) {
                            await(ops().nop());
                            if (c > r) continue rows;
                            if (r + c == 3) break rows;
                            if (c == 1) continue cols;
                            out.append(r).append(c).append(' ');
                        }
                    }
                    int k = 0;
                    scan:
                    while (true) {
                        k += await(ops().ready(1));
                        do {
                            if (k == 2) continue scan;
                            if (k == 4) break scan;
                        } while (false);
                        out.append('k').append(k);
                    }
                    block:
                    {
                        if (await(ops().ready(n)) > 1) break block;
                        out.append(" n<=1");
                    }
                    return out.toString();
                }

                @Flow
                @SuppressWarnings("fallthrough")
                String switches(int k) throws OpException {
                    StringBuilder out = new StringBuilder();
                    switch (k) {
                        case 0:
                            out.append('0');
                            await(ops().nop());
                        case 1:
                            out.append('1');
                            break;
                        case 2:
                            out.append(await(ops().ready(2)));
                        default:
                            out.append('d');
                    }
                    switch (await(ops().ready(k))) {
                        case 0 -> out.append(" a0");
                        case 1, 2 -> {
                            await(ops().nop());
                            out.append(" a12");
                        }
                        default -> out.append(" ad");
                    }
                    Thread.State st = Thread.State.values()[k];
                    switch (st) {
                        case NEW:
                            out.append(" new").append(await(ops().ready(0)));
                        case RUNNABLE:
                            out.append(" runnable");
                            break;
                        default:
                            await(ops().nop());
                            out.append(" ").append(st.name().toLowerCase());
                    }
                    String name = switch ("k" + k) {
                        case "k0" -> "zero";
                        case "k1" -> {
                            int w = await(ops().ready(11));
                            yield "one" + w;
                        }
                        default -> {
                            if (k > 2) {
                                await(ops().nop());
                                yield "many";
                            }
                            yield "two" + await(ops().ready(k));
                        }
                    };
                    return out.append(' ').append(name).toString();
                }

                @Flow
                int returnsAndThrows(int n) throws IOException {
                    for (int i = 0; ; i++) {
                        int got = await(ops().ready(i));
                        if (got == n) {
                            return got * await(ops().ready(10));
                        }
                        if (got > 5) {
                            throw new IOException("no " + n + " after " + await(ops().nop()) + " at " + got);
                        }
                    }
                }
            """;

    @Test
    void localsWithExplicitTypesAndVarParametersAndFieldsKeepTheirValuesAcrossAwaits() throws Exception {
        Outcome o = handler(STATEMENTS).runBothWays(worker, "localsParametersAndFields", 5, "q");
        assertEquals("5,q7,5,6,Q,6,[q, Q]", o.value());
    }

    @Test
    void ifWhileDoForAndForEachOverArraysAndIterablesAwaitInsideTheirBodies() throws Exception {
        Handler h = handler(STATEMENTS);
        assertEquals("big w1 w2 w3 d3 d2 d1 f030 f120 a6 a2 a8 ip iq gr1 gs1 ht0 b9",
                h.runBothWays(worker, "branchesAndLoops", 3).value());
        assertEquals("two2 w1 w2 d2 d1 f020 a6 a2 a8 ip iq gr1 gs1 ht0 b6", h.runBothWays(worker, "branchesAndLoops", 2).value());
        assertEquals("small d0 a6 a2 a8 ip iq gr1 gs1 ht0 b0", h.runBothWays(worker, "branchesAndLoops", 0).value());
    }

    @Test
    void labelledBreakAndContinueLeaveTheNamedStatement() throws Exception {
        Handler h = handler(STATEMENTS);
        assertEquals("00 10 20 k1k3", h.runBothWays(worker, "labelledJumps", 4).value());
        assertEquals("00 k1k3 n<=1", h.runBothWays(worker, "labelledJumps", 1).value());
    }

    @Test
    void oldSwitchesFallThroughArrowSwitchesDoNotAndSwitchExpressionsYield() throws Exception {
        Handler h = handler(STATEMENTS);
        assertEquals("01 a0 new0 runnable zero", h.runBothWays(worker, "switches", 0).value());
        assertEquals("1 a12 runnable one11", h.runBothWays(worker, "switches", 1).value());
        assertEquals("2d a12 blocked two2", h.runBothWays(worker, "switches", 2).value());
        assertEquals("d ad waiting many", h.runBothWays(worker, "switches", 3).value());
    }

    @Test
    void returnCarriesItsValueAndThrowEndsTheFlow() throws Exception {
        Handler h = handler(STATEMENTS);
        assertEquals(30, h.runBothWays(worker, "returnsAndThrows", 3).value());
        assertEquals("java.io.IOException: no 9 after 0 at 6", h.runBothWays(worker, "returnsAndThrows", 9).failure());
    }

    /** try/catch/finally with awaits in every part. */
    private static final String EXCEPTIONS = """
                @Flow
                String routes(int errno) throws IOException {
                    StringBuilder out = new StringBuilder();
                    try {
                        try {
                            out.append("t").append(await(ops().nop()));
                            await(ops().nop(-errno));
                            out.append(" unreached");
                        } catch (IllegalStateException e) {
                            out.append(" wrong handler");
                        } finally {
                            out.append(" f1:").append(await(ops().ready(1)));
                        }
                    } catch (OpException e) {
                        out.append(" c:").append(e.errnoName()).append(await(ops().nop()));
                        try {
                            await(ops().ready(-errno));
                        } catch (IllegalArgumentException | OpException again) {
                            out.append(" inline:").append(again instanceof OpException oe ? oe.errnoName() : "?");
                        }
                    } finally {
                        await(ops().nop());
                        out.append(" f2");
                    }
                    return out.toString();
                }

                @Flow
                int finallyOnEveryExit(int how) throws IOException {
                    int x = 1;
                    for (int i = 0; i < 2; i++) {
                        try {
                            log.append("try").append(i).append(';');
                            await(ops().nop());
                            if (how == 0) continue;
                            if (how == 1) break;
                            if (how == 2) return x;
                            throw new IOException("how " + how);
                        } catch (IOException e) {
                            log.append("catch;");
                            await(ops().nop());
                            if (how == 3) throw new IllegalStateException("from catch", e);
                            return -x;
                        } finally {
                            x = 10 + await(ops().ready(i));
                            log.append("finally").append(i).append(';');
                        }
                    }
                    return x;
                }
            """;

    @Test
    void exceptionsCrossingAwaitsReachTheMatchingHandlerAndFinallyAwaitsToo() throws Exception {
        assumeTrue(FlowHarness.nopInjectsResults(), "IORING_NOP_INJECT_RESULT is newer than this kernel");
        assertEquals("t0 f1:1 c:EBADF0 inline:EBADF f2", handler(EXCEPTIONS).runBothWays(worker, "routes", 9).value());
    }

    @Test
    void finallyWithAwaitsRunsOnContinueBreakReturnAndThrowKeepingTheReturnedValue() throws Exception {
        Handler h = handler(EXCEPTIONS);
        assertEquals(new Outcome(11, null, "try0;finally0;try1;finally1;"), h.runBothWays(worker, "finallyOnEveryExit", 0));
        assertEquals(new Outcome(10, null, "try0;finally0;"), h.runBothWays(worker, "finallyOnEveryExit", 1));
        assertEquals(new Outcome(1, null, "try0;finally0;"), h.runBothWays(worker, "finallyOnEveryExit", 2));
        assertEquals(new Outcome(null, "java.lang.IllegalStateException: from catch", "try0;catch;finally0;"),
                h.runBothWays(worker, "finallyOnEveryExit", 3));
        assertEquals(new Outcome(-1, null, "try0;catch;finally0;"), h.runBothWays(worker, "finallyOnEveryExit", 4));
    }

    /** try-with-resources around awaits, left every way there is. */
    private static final String RESOURCES = """
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
                String exits(int how) throws IOException {
                    for (int i = 0; i < 2; i++) {
                        try (Res a = new Res("a" + i, how >= 4); Res none = null;
                                Res b = new Res("b" + await(ops().ready(i)), false)) {
                            step("body " + a.name + b.name + (none == null ? "" : " none closed"));
                            if (how == 0 || how == 5) continue;
                            if (how == 1) return "returned " + a.name + b.name;
                            if (how == 2) break;
                            throw new IOException("body failed in " + a.name);
                        }
                    }
                    return "done";
                }

                @Flow
                String suppressed(int how) throws IOException {
                    try {
                        return exits(how);
                    } catch (IOException e) {
                        return e.getMessage() + " suppressed " + e.getSuppressed()[0].getMessage();
                    }
                }
            """;

    @Test
    void resourcesCloseInReverseOrderOnNormalExitReturnBreakAndException() throws Exception {
        Handler h = handler(RESOURCES);
        String once = "open a0;open b0;body a0b0;close b0;close a0;";
        String twice = once + "open a1;open b1;body a1b1;close b1;close a1;";
        assertEquals(new Outcome("done", null, twice), h.runBothWays(worker, "exits", 0));
        assertEquals(new Outcome("returned a0b0", null, once), h.runBothWays(worker, "exits", 1));
        assertEquals(new Outcome("done", null, once), h.runBothWays(worker, "exits", 2));
        assertEquals(new Outcome(null, "java.io.IOException: body failed in a0", once), h.runBothWays(worker, "exits", 3));
        assertEquals(new Outcome(null, "java.lang.IllegalStateException: close a0", once), h.runBothWays(worker, "exits", 5));
    }

    @Test
    void failedCloseIsSuppressedUnderTheBodysException() throws Exception {
        Outcome o = handler(RESOURCES).runBothWays(worker, "suppressed", 4);
        assertEquals("body failed in a0 suppressed close a0", o.value());
        assertEquals("open a0;open b0;body a0b0;close b0;close a0;", o.log());
    }

    /**
     * Jumps out of a try whose finally or resource closing then throws. {@code AWAIT_INSIDE} is
     * replaced by nothing (the inner try has no await, so it is copied as written) or by an await
     * (the inner try is lowered to states): either way the failure must reach the enclosing catch.
     */
    private static final String FAILING_EXITS = """
                final class Res implements AutoCloseable {
                    final String name;

                    Res(String name) {
                        this.name = name;
                    }

                    @Override
                    public void close() {
                        fail("close " + name);
                    }
                }

                void fail(String what) {
                    log.append(what).append(';');
                    throw new IllegalStateException(what);
                }

                @Flow
                int closeFailsOnTheWayOut(int how) throws IOException {
                    int n = 0;
                    for (int i = 0; i < 2; i++) {
                        try {
                            await(ops().nop());
                            try (Res r = new Res("r" + i)) {
                                AWAIT_INSIDE
                                log.append(r.name.isEmpty() ? "?" : "body;");
                                if (how == 0) return 1;
                                if (how == 1) break;
                                if (how == 2) continue;
                            }
                            log.append("after;");
                        } catch (IllegalStateException e) {
                            log.append("caught ").append(e.getMessage()).append(';');
                            n += 10;
                        }
                    }
                    return n;
                }

                @Flow
                int finallyFailsOnTheWayOut(int how) throws IOException {
                    int n = 0;
                    for (int i = 0; i < 2; i++) {
                        try {
                            await(ops().nop());
                            try {
                                AWAIT_INSIDE
                                log.append("body;");
                                if (how == 0) return 1;
                                if (how == 1) break;
                                if (how == 2) continue;
                            } finally {
                                fail("finally" + i);
                            }
                            log.append("after;");
                        } catch (IllegalStateException e) {
                            log.append("caught ").append(e.getMessage()).append(';');
                            n += 10;
                        } finally {
                            log.append("outer finally;");
                        }
                    }
                    return n;
                }

                @Flow
                int nestedFinallysRunOnceWhenTheInnermostFails(int how) throws IOException {
                    try {
                        await(ops().nop());
                        try {
                            try {
                                AWAIT_INSIDE
                                log.append("body;");
                                if (how == 0) return 1;
                            } finally {
                                log.append("f1;");
                                if (how < 2) fail("f1");
                            }
                        } finally {
                            log.append("f2;");
                        }
                    } catch (IllegalStateException e) {
                        log.append("caught;");
                        return 2;
                    } finally {
                        log.append("f3;");
                    }
                    return 3;
                }
            """;

    private static void failingExitsReachTheEnclosingCatch(String awaitInside) throws Exception {
        Handler h = handler(FAILING_EXITS.replace("AWAIT_INSIDE", awaitInside));
        for (int how = 0; how < 4; how++) {
            assertEquals(new Outcome(20, null, "body;close r0;caught close r0;body;close r1;caught close r1;"),
                    h.runBothWays(worker, "closeFailsOnTheWayOut", how), "how=" + how);
            assertEquals(new Outcome(20, null, "body;finally0;caught finally0;outer finally;"
                    + "body;finally1;caught finally1;outer finally;"),
                    h.runBothWays(worker, "finallyFailsOnTheWayOut", how), "how=" + how);
        }
        assertEquals(new Outcome(2, null, "body;f1;f1;f2;caught;f3;"),
                h.runBothWays(worker, "nestedFinallysRunOnceWhenTheInnermostFails", 0));
        assertEquals(new Outcome(2, null, "body;f1;f1;f2;caught;f3;"),
                h.runBothWays(worker, "nestedFinallysRunOnceWhenTheInnermostFails", 1));
        assertEquals(new Outcome(3, null, "body;f1;f2;f3;"),
                h.runBothWays(worker, "nestedFinallysRunOnceWhenTheInnermostFails", 2));
    }

    @Test
    void closeOrFinallyFailingAfterAJumpOutOfACopiedTryReachesTheEnclosingCatch() throws Exception {
        failingExitsReachTheEnclosingCatch("");
    }

    @Test
    void closeOrFinallyFailingAfterAJumpOutOfALoweredTryReachesTheEnclosingCatch() throws Exception {
        failingExitsReachTheEnclosingCatch("await(ops().nop());");
    }

    /** Blocks that end inside one state, next to blocks declaring the same names. */
    private static final String SIBLING_SCOPES = """
                int log(int x) {
                    log.append(x).append(';');
                    return x;
                }

                @Flow
                int siblingBlocksReuseNames(int a) throws IOException {
                    int sum = 0;
                    {
                        int x = log(a);
                        sum += x;
                    }
                    {
                        int x = await(ops().nop()) + log(a + 1);
                        sum += x;
                    }
                    {
                        int x = log(a + 2);
                        sum += x;
                    }
                    if (a > 0) {
                        int y = await(ops().nop()) + log(a + 3);
                        sum += y;
                    } else {
                        int y = log(0);
                        sum += y;
                    }
                    int x = log(a + 4) + await(ops().nop());
                    return sum + x;
                }

                @Flow
                int siblingLoopsAndCatchesReuseNames(int n) throws IOException {
                    int sum = 0;
                    for (int i = 0; i < n; i++) {
                        int k = await(ops().nop()) + i;
                        sum += log(k);
                    }
                    for (int i = 0; i < n; i++) {
                        int k = i * 10;
                        sum += log(k);
                    }
                    try {
                        await(ops().nop());
                        throw new IllegalStateException("one");
                    } catch (IllegalStateException e) {
                        int k = await(ops().nop()) + 100;
                        sum += log(k);
                    }
                    try {
                        throw new IllegalArgumentException("two");
                    } catch (IllegalArgumentException e) {
                        int k = 200;
                        sum += log(k);
                    }
                    while (sum > 0) {
                        int k = await(ops().nop()) + 1000;
                        sum += log(k);
                        break;
                    }
                    {
                        int k = 2000;
                        sum += log(k);
                    }
                    return sum;
                }
            """;

    @Test
    void siblingBlocksLoopsAndCatchesMayDeclareTheSameNames() throws Exception {
        Handler h = handler(SIBLING_SCOPES);
        assertEquals(new Outcome(35, null, "5;6;7;8;9;"), h.runBothWays(worker, "siblingBlocksReuseNames", 5));
        assertEquals(new Outcome(7, null, "0;1;2;0;4;"), h.runBothWays(worker, "siblingBlocksReuseNames", 0));
        assertEquals(new Outcome(3311, null, "0;1;0;10;100;200;1000;2000;"),
                h.runBothWays(worker, "siblingLoopsAndCatchesReuseNames", 2));
    }

    /**
     * A lowered loop runs inside a Java loop of its own; what its code throws is still routed by
     * the state it is in: the condition of a do/while, thrown after a catch inside the body took
     * an exception, reaches the handler around the loop, not that catch. Nested loops entered
     * again on each turn of the outer one, and resumed inside after a suspension, count right.
     */
    @Test
    void loopConditionThrowingAfterACatchInTheBodyReachesTheHandlerAroundTheLoop() throws Exception {
        Handler h = handler("""
                    @Flow
                    String turns(int n) throws IOException {
                        StringBuilder out = new StringBuilder();
                        try {
                            int i = 0;
                            do {
                                try {
                                    await(ops().nop());
                                    if (i == 1) throw new IllegalStateException("in" + i);
                                } catch (RuntimeException e) {
                                    out.append(e.getMessage()).append(';');
                                }
                                for (int j = 0; j < i; j++) {
                                    out.append(await(ops().ready(j)));
                                    if (j == 2) continue;
                                    await(ops().nop());
                                    out.append(',');
                                }
                                i++;
                            } while (below(i, n));
                        } catch (IllegalArgumentException e) {
                            out.append("end ").append(e.getMessage());
                        }
                        return out.toString();
                    }

                    boolean below(int i, int n) {
                        if (i == n) throw new IllegalArgumentException("at " + i);
                        return true;
                    }
                """);
        assertEquals("in1;0,0,1,end at 3", h.runBothWays(worker, "turns", 3).value());
        assertEquals("in1;0,0,1,0,1,2end at 4", h.runBothWays(worker, "turns", 4).value());
    }

    /**
     * Text blocks in copied code keep their content: an empty line, and lines indented less than
     * the statement they are in, which shifting lines to the generated code's indentation would change.
     */
    @Test
    void textBlocksInCopiedCodeKeepTheirContentAcrossAwaits() throws Exception {
        Outcome o = handler("""
                    @Flow
                    String textBlocks(int n) throws OpException {
                        log.append(\"""
                      less than the statement

                            more
                    \""");
                        String kept = \"""
                  a

                      b
                  \""";
                        await(ops().nop());
                        if (n > 0) {
                            log.append(\"""
                  c

                        d
                  \""").append(kept);
                            await(ops().nop());
                        }
                        return kept + await(ops().nop()) + \"""
                     e

                  f\""";
                    }
                """).runBothWays(worker, "textBlocks", 1);
        assertEquals("a\n\n    b\n0   e\n\nf", o.value());
        assertEquals("  less than the statement\n\n        more\nc\n\n      d\na\n\n    b\n", o.log());
    }

    /**
     * The lowering brackets state numbers in U+E000/U+E001 while it emits; the same characters
     * written as such in a flow's source are copied as escapes, so they reach the string intact.
     */
    @Test
    void privateUseCharactersInCopiedCodeAreNotTakenForStateMarkers() throws Exception {
        String marked = "\uE0001\uE001; continue $dispatch;";
        Outcome o = handler("""
                    @Flow
                    String marked() throws OpException {
                        String s = "state = %s";
                        await(ops().nop());
                        return s + await(ops().nop()) + "%s";
                    }
                """.formatted(marked, marked)).runBothWays(worker, "marked");
        assertEquals("state = " + marked + "0" + marked, o.value());
    }
}
