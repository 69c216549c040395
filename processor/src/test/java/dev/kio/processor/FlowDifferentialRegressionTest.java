package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flows that {@link FlowDifferentialTest} found wrong, shrunk and kept: each compiled with the
 * processor and run both ways by {@link Differential}, which fails when the generated state
 * machine does not compile cleanly or does not behave as direct mode.
 */
class FlowDifferentialRegressionTest {
    private static Differential differential;

    @BeforeAll
    static void start() throws Exception {
        differential = new Differential();
        assumeTrue(differential.injectsNopResults(), "the kernel does not inject NOP results (IORING_NOP_INJECT_RESULT)");
    }

    @AfterAll
    static void stop() throws Exception {
        differential.close();
    }

    private static void check(String source, int a, int b, Integer... script) throws Exception {
        differential.check(List.of(new Differential.FlowCase("f0", source, a, b, List.of(script))));
    }

    /** Runs flow {@code f0} once per {@code runs} entry ({@code a, b, script...}), compiling one handler for all. */
    private static void checkEach(String source, int[]... runs) throws Exception {
        List<Differential.FlowCase> cases = new ArrayList<>();
        for (int k = 0; k < runs.length; k++) {
            int[] r = runs[k];
            cases.add(new Differential.FlowCase("f" + k, source.replace(" f0(", " f" + k + "("), r[0], r[1],
                    Arrays.stream(r, 2, r.length).boxed().toList()));
        }
        differential.check(cases);
    }

    @Test
    void bodyEndingAfterTryNotEnteredSkipsFinallyReachedOnlyByReturn() throws Exception {
        // The last state's jump to the end was dropped as a fall-through, into the trampoline that
        // runs the outer finally for the return: a finally ran although its try never did.
        String flow = """
                    @Flow
                    public void f0(int a, int b) throws Exception {
                        if (a > 5) {
                            try {
                                try {
                                    await(op(1));
                                    return;
                                } finally {
                                    note("inner finally");
                                    await(op(2));
                                }
                            } finally {
                                note("outer finally");
                            }
                        }
                    }
                """;
        checkEach(flow, new int[] {1, 4}, new int[] {7, 4, 9});
    }

    @Test
    void declarationAfterABracedInnerBlockKeepsItsBlockWhole() throws Exception {
        // The outer block's locals were recorded to start before the inner block was braced: when
        // the outer block was braced in turn, its brace landed inside the inner block's code.
        check("""
                    @Flow
                    public void f0(int a, int b) throws Exception {
                        {
                            {
                                final int x = log(a) - await(op(1));
                            }
                            Runnable r = () -> {
                                note("run " + a);
                            };
                            r.run();
                        }
                        log(0);
                    }
                """, 3, 4, 5);
    }

    @Test
    void localReadBeforeALaterOperandAssignsItKeepsItsOldValue() throws Exception {
        // x was read after the await, once x++ (and z = 100) had already run.
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        int x = a;
                        int y = x + (x++ + await(op(1)));
                        int z = b;
                        z += (z = 100) + await(op(2));
                        return log(y) + log(z) + log(x);
                    }
                """, 1, 2, 3);
    }

    @Test
    void compoundAssignmentToAnArrayElementEvaluatesArrayAndIndexOnceBeforeTheRightSide() throws Exception {
        // The index was evaluated again after the await (log ran twice, i = 2 picked another
        // element), and an index that awaits was an internal error.
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        int[] arr = {1, 2, 3};
                        int i = 0;
                        arr[log(i)] += await(op(1));
                        arr[mod(await(op(2)), 3)] += log(a);
                        arr[i] += (i = 2) + await(op(3));
                        return log(arr[0]) + log(arr[1]) + log(arr[2]);
                    }
                """, 5, 2, 20, 9);
    }

    @Test
    void unreadVarLocalsWithAwaitingInitializersAreTyped() throws Exception {
        // A var local never read has no use site to take its type from: [FlowUnwritableType].
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        var arr = new int[] {await(op(0)), b};
                        for (var e : new int[] {await(op(1)), a}) {
                            await(op(2));
                        }
                        return a;
                    }
                """, 1, 2, 10, 21);
    }

    @Test
    void bareArrayInitializerWithAwaitBecomesAnArrayCreation() throws Exception {
        // Lowered as "new  {...}", and as "arr = {...}" once the local became a field.
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        int[] arr = {await(op(0)), b, a};
                        int[] kept = {a, b};
                        await(op(1));
                        return arr[0] + arr[2] + kept[1];
                    }
                """, 1, 2, 8, 5);
    }

    @Test
    void innerClassCreatedInALoweredExpressionGetsTheHandlerAsOuterInstance() throws Exception {
        // "new Res(..)" with an await in its arguments lacked "self.": javac's "non-static variable this".
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        try (Res r = new Res("r" + await(op(0)), await(op(1)))) {
                            return r.use(a);
                        }
                    }
                """, 3, 4, 6, 3);
    }

    @Test
    void compoundAssignmentToAFieldAcrossAnAwaitCompilesWithoutRedundantCast() throws Exception {
        // "self.fld0 = (int) ($t + result())": javac -Xlint:cast, an error under -Werror.
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        fld0 += log(await(op(0)));
                        sfld += "s" + await(op(1));
                        return fld0;
                    }
                """, 1, 2, 14, 7);
    }

    @Test
    void closeFailingAfterAJumpOutOfACopiedTryWithResourcesReachesTheEnclosingCatch() throws Exception {
        // The copied try set the jump's target state before close() ran, so a failing close was
        // routed as if thrown at the target, past the enclosing catch.
        String flow = """
                    @Flow
                    int f0(int a, int b) throws Exception {
                        for (int i0 = 0; i0 < 2; i0++) {
                            try {
                                await(op(0));
                                try (Res res1 = new Res("res1", a)) {
                                    log(res1.use(b));
                                    if (b > 2) {
                                        return 1;
                                    }
                                    if (b > 1) {
                                        break;
                                    }
                                    continue;
                                }
                            } catch (IllegalStateException ex2) {
                                note(describe(ex2));
                            }
                        }
                        return 0;
                    }
                """;
        checkEach(flow, new int[] {1, 1, 2}, new int[] {1, 2, 2}, new int[] {1, 3, 2}, new int[] {2, 1, 3},
                new int[] {2, 2, 3}, new int[] {2, 3, 3});
    }

    @Test
    void finallyFailingAfterAJumpOutOfACopiedTryReachesTheEnclosingCatch() throws Exception {
        String flow = """
                    @Flow
                    int f0(int a, int b) throws Exception {
                        for (int i0 = 0; i0 < 2; i0++) {
                            try {
                                await(op(0));
                                try {
                                    log(a);
                                    if (b > 1) {
                                        return 1;
                                    }
                                    if (b > 0) {
                                        break;
                                    }
                                } finally {
                                    note("finally");
                                    if (a > 0) {
                                        throw new IllegalStateException("t" + a);
                                    }
                                }
                            } catch (IllegalStateException ex1) {
                                note(describe(ex1));
                            } finally {
                                note("outer finally");
                            }
                        }
                        return 2;
                    }
                """;
        checkEach(flow, new int[] {1, 0, 2}, new int[] {1, 1, 2}, new int[] {1, 2, 2}, new int[] {0, 0, 3},
                new int[] {0, 1, 3}, new int[] {0, 2, 3});
    }

    @Test
    void jumpThroughAFinallyThatCannotCompleteNormallyIsNotDispatchedAfterTheCopiedTry() throws Exception {
        // The return never happens (the finally throws or breaks instead), so javac found the
        // dispatch of the deferred jump after the copied try unreachable.
        checkEach("""
                    @Flow
                    @SuppressWarnings("finally")
                    public int f0(int a, int b) throws Exception {
                        log(await(op(0)));
                        for (int i0 = 0; i0 < 2; i0++) {
                            try {
                                if (a > 1) {
                                    return a;
                                }
                                log(b);
                            } finally {
                                note("finally");
                                if (b > 0) {
                                    break;
                                }
                                throw new IllegalStateException("t" + b);
                            }
                        }
                        return b;
                    }
                """, new int[] {0, 0, 2}, new int[] {2, 0, 3}, new int[] {2, 1, 2});
    }

    @Test
    void closeFailingWhileAReturnLeavesIsCaughtInTheCopyAndCancelsTheReturn() throws Exception {
        // The failing close was caught by the copied try's own catch, yet the recorded return
        // still ran after the copy: the flow returned a, not 0.
        check("""
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        try {
                            await(op(0));
                            try (Res res0 = new Res("res0", b); Res res1 = new Res("res1", b - 1)) {
                                log(res0.use(a));
                                log(res1.use(b));
                                try {
                                    return a;
                                } catch (ArithmeticException | ArrayIndexOutOfBoundsException ex3) {
                                    note(describe(ex3));
                                }
                            } catch (Exception ex4) {
                                note(describe(ex4));
                            } finally {
                                note("finally");
                            }
                        } finally {
                            note("finally");
                        }
                        return 0;
                    }
                """, -1, 2, 84);
    }

    @Test
    void siblingBlocksEndingInOneStateMayDeclareTheSameName() throws Exception {
        // Both x were declared at the top level of one generated state: "variable x is already defined".
        check("""
                    @Flow
                    int f0(int a, int b) throws Exception {
                        {
                            int x = await(op(0));
                            log(x);
                        }
                        {
                            int x = a;
                            log(x);
                        }
                        for (int i = 0; i < 2; i++) {
                            log(await(op(1)) + i);
                        }
                        for (int i = 0; i < b; i++) {
                            log(i);
                        }
                        int x = b;
                        return x;
                    }
                """, 1, 2, 8, 5);
    }

    @Test
    void continueEndingInAFinallyThatReturnsLeavesACopiedDoWhileUnableToComplete() throws Exception {
        // The continue was taken to reach the loop's condition, so the copied do/while was taken
        // to complete normally, and the jump emitted after it was "unreachable statement".
        check("""
                    @Flow
                    @SuppressWarnings("finally")
                    int f0(int a, int b) throws Exception {
                        try {
                            await(op(1));
                        } catch (OpException e) {
                            note(describe(e));
                            int n = 0;
                            do {
                                n++;
                                try {
                                    if (a > b) {
                                        continue;
                                    }
                                    log(n);
                                } finally {
                                    return log(b);
                                }
                            } while (n < 1);
                        } catch (RuntimeException e) {
                            note(describe(e));
                        }
                        return 0;
                    }
                """, 1, 2, -5);
    }

    @Test
    void labelledContinueOfACopiedDoWhileLetsItComplete() throws Exception {
        // Only unlabelled continues were taken to reach the condition: the copied do/while was
        // taken never to complete, and the flow fell off its last state ("no state 0").
        check("""
                    @Flow
                    public void f0(int a, int b) throws Exception {
                        int n = 0;
                        L: do {
                            n++;
                            if (n < a) {
                                continue L;
                            }
                            return;
                        } while (n < b);
                        log(n);
                    }
                """, 3, 2);
    }

    @Test
    void switchExpressionEndedByAThrowingFinallyAfterItsYieldLeavesTheVariableUnassigned() throws Exception {
        // The yield wrote the assigned variable (field or local) at once, before the finally, or
        // the resource's close, that then threw: the assignment happened although the switch
        // expression never completed.
        String flow = """
                    @Flow
                    public void f0(int a, int b) throws Exception {
                        int x = 1;
                        try {
                            fld0 = switch (await(op(0))) {
                                case 0 -> {
                                    try {
                                        yield a;
                                    } finally {
                                        if (b > 0) {
                                            throw new ArithmeticException("ar" + b);
                                        }
                                    }
                                }
                                default -> 2;
                            };
                            x = switch (await(op(1))) {
                                case 1 -> {
                                    try (Res res1 = new Res("res1", b)) {
                                        yield res1.use(a + 1);
                                    }
                                }
                                default -> 3;
                            };
                        } catch (RuntimeException | java.io.IOException e) {
                            note(describe(e));
                        }
                        log(fld0);
                        log(x);
                    }
                """;
        // b: 9 fails the finally; -3 (close fails, floorMod 1) passes it and fails the close; -4 neither.
        checkEach(flow, new int[] {4, 9, 0, 1}, new int[] {4, -3, 0, 1}, new int[] {4, -4, 0, 1}, new int[] {4, -4, 5, 1});
    }

    @Test
    void continueInAFinallyDiscardsTheReturnOfACalledFlowWithoutAwaits() throws Exception {
        check("""
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        return f1(a, await(op(0)));
                    }

                    @Flow
                    public int f1(int a, int b) throws Exception {
                        for (int i1 = 0; i1 < 2; i1++) {
                            try {
                                return log(b);
                            } finally {
                                if (a < b) {
                                    continue;
                                }
                            }
                        }
                        return log(7);
                    }
                """, 1, 2, 5);
    }

    @Test
    void jumpLeavingAnInnerFinallyInsideAnOuterOneRestoresTheOuterPendingReturn() throws Exception {
        // The inner continue drops the inner return only: the outer finally then ends normally
        // and the outer return, pending since before the inner try, goes on (b > 0). Without
        // the continue (b <= 0) the inner return replaces the outer one.
        String flow = """
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        await(op(0));
                        for (int i = 0; i < 2; i++) {
                            try {
                                return log(a);
                            } finally {
                                for (int j = 0; j < 2; j++) {
                                    try {
                                        if (j == 0) {
                                            continue;
                                        }
                                        return log(b);
                                    } finally {
                                        if (b > 0) {
                                            continue;
                                        }
                                    }
                                }
                                note("outer finally done");
                            }
                        }
                        return log(9);
                    }
                """;
        checkEach(flow, new int[] {1, 2, 0}, new int[] {1, -2, 0});
    }

    @Test
    void labelledJumpsLeavingAFinallyDropTheReturnThatWasLeaving() throws Exception {
        String flow = """
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        await(op(0));
                        int n = 0;
                        L: while (n < 3) {
                            n++;
                            B: {
                                try {
                                    return log(a + n);
                                } finally {
                                    if (b > n) {
                                        break B;
                                    }
                                    if (b > 0) {
                                        continue L;
                                    }
                                }
                            }
                            note("after B " + n);
                        }
                        return log(9);
                    }
                """;
        checkEach(flow, new int[] {1, 5, 0}, new int[] {1, 2, 0}, new int[] {1, 0, 0});
    }

    @Test
    void aHandlerThatJavacItselfMiscompilesIsReportedAsJavacsFault() throws Exception {
        // Found by FlowDifferentialTest: javac 17 to 25 give this handler's own method a stack map
        // the verifier refuses (JDK-8390354), with or without kio. Where javac has the fix, the
        // flow is checked like any other.
        String flow = """
                    @Flow
                    public void f0(int a, int b) throws Exception {
                        await(op(0));
                        {
                            int x;
                            if (a > 0) {
                                x = 1;
                            } else {
                                throw new IllegalStateException("t" + b);
                            }
                        }
                        switch (b) {
                        case 1:
                            int n = 0;
                            while (n++ < 1) {
                                log(n);
                            }
                            break;
                        default:
                            if (a > 0) {
                                log(a);
                            }
                        }
                    }
                """;
        try {
            check(flow, 1, 2, 0);
        } catch (Differential.JavacMiscompiled e) {
            assertInstanceOf(VerifyError.class, e.getCause());
        }
    }

    @Test
    void returnDroppedInsideAFinallyLeavesThePendingReturnItsValue() throws Exception {
        // The inner return wrote the return value before its finally threw; the throw was caught,
        // the outer finally ended normally and the outer return went on with the inner value.
        // Copied (no await in the statement) and lowered (an await in the outer finally).
        String flow = """
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        %s
                        try {
                            return log(a);
                        } finally {
                            %s
                            try {
                                try {
                                    return log(b);
                                } finally {
                                    if (b > 0) {
                                        throw new ArithmeticException("ar" + b);
                                    }
                                }
                            } catch (ArithmeticException e) {
                                note(describe(e));
                            }
                        }
                    }
                """;
        checkEach(flow.formatted("await(op(0));", ""), new int[] {1, 2, 0}, new int[] {1, -2, 0});
        checkEach(flow.formatted("", "await(op(0));"), new int[] {1, 2, 0}, new int[] {1, -2, 0});
    }

    @Test
    void finallyWithAReturnInsideACopyWhoseExitsAllEndInAThrowingFinallyCompiles() throws Exception {
        // The outer finally cannot end normally, so no jump records an exit and the copy has no
        // exit variable: the inner finally kept one anyway.
        String flow = """
                    @Flow
                    @SuppressWarnings("finally")
                    public int f0(int a, int b) throws Exception {
                        await(op(0));
                        try {
                            try {
                                if (a > 0) {
                                    return log(1);
                                }
                            } finally {
                                if (b > 0) {
                                    return log(2);
                                }
                            }
                        } finally {
                            throw new IllegalStateException("t" + a);
                        }
                    }
                """;
        checkEach(flow, new int[] {1, 1, 0}, new int[] {1, -1, 0}, new int[] {-1, -1, 0});
    }

    @Test
    void localAssignedInACopiedStatementThatAReturnMayLeaveIsDefinitelyAssignedAfterIt() throws Exception {
        // The copy's exits break out of it to their dispatch after it: javac saw a path on which
        // x0, assigned inside, was not, and refused the read after the copy.
        String flow = """
                    @Flow
                    public int f0(int a, int b) throws Exception {
                        await(op(0));
                        int x0;
                        final char c;
                        if (a > 0) {
                            try {
                                if (b > 0) {
                                    return 1;
                                }
                            } finally {
                                log(a);
                            }
                            x0 = 9;
                            c = 'y';
                        } else {
                            x0 = 2;
                            c = 'n';
                        }
                        note("" + c);
                        return log(x0);
                    }
                """;
        checkEach(flow, new int[] {1, -1, 0}, new int[] {1, 1, 0}, new int[] {-1, 1, 0});
    }
}
