package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Each misuse is one error, tagged, with its whole text, on the line that is wrong, and nothing
 * is generated. In the handler below the first member line is line 13.
 */
class FlowValidationTest {
    private static final String RECURSION_FIX = ": a called flow's frame is embedded in its caller's, so flows cannot"
            + " recurse. To recurse, await the generated starter: each such task has its own frame.";
    private static final String UNWRITABLE = "' cannot be written in source (anonymous, intersection or captured), yet"
            + " the value must be kept across an await. Give it a declared type, e.g. an interface it implements.";

    private static String handler(String members) {
        return """
                package demo;

                import static dev.kio.Flows.await;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.Operation;
                import dev.kio.OpException;

                @IoHandler
                public abstract class H {
                    abstract Operation op();
                %s
                }
                """.formatted(members);
    }

    private static List<String> errors(String members) {
        return errors(Map.of("demo.H", handler(members)), List.of());
    }

    private static List<String> errors(Map<String, String> sources) {
        return errors(sources, List.of());
    }

    /** Compiles {@code sources}, which must fail, and checks that only {@code generated} (paths) were generated. */
    private static List<String> errors(Map<String, String> sources, List<String> generated) {
        Compiled c = Compiled.compile(sources);
        assertFalse(c.success, "should not compile:\n" + c.report());
        try (var files = Files.walk(c.generated)) {
            assertEquals(generated, files.filter(Files::isRegularFile).map(f -> c.generated.relativize(f).toString()).toList());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return c.errors();
    }

    /**
     * The processor runs in rounds that hold a kio annotation: a well-formed handler beside the
     * class under test, which is still generated so that code naming it gets no errors of its own.
     */
    private static List<String> errorsBesideAHandler(String className, String source) {
        return errors(Map.of("demo.Ok", """
                package demo;

                @dev.kio.IoHandler
                public abstract class Ok {
                }
                """, className, source), List.of("demo/Ok_Kio.java"));
    }

    // ---- await where it cannot suspend ------------------------------------------------------

    @Test
    void awaitOutsideAFlowIsRejected() {
        assertEquals(List.of("14: [FlowAwaitOutsideFlow] await can only be used in a @Flow method of an @IoHandler class"),
                errors("""
                    int helper() throws OpException {
                        return await(op());
                    }
                """));
    }

    @Test
    void awaitInInitializersIsRejected() {
        assertEquals(List.of("14: [FlowAwaitOutsideFlow] await can only be used in a @Flow method of an @IoHandler class",
                "17: [FlowAwaitOutsideFlow] await can only be used in a @Flow method of an @IoHandler class"), errors("""
                    static {
                        try { dev.kio.Flows.await((Operation) null); } catch (OpException e) { throw new IllegalStateException(e); }
                    }
                    final Runnable r = () -> {
                        try { await(op()); } catch (OpException e) { throw new IllegalStateException(e); }
                    };
                """));
    }

    @Test
    void awaitInAClassThatIsNotAHandlerIsRejected() {
        assertEquals(List.of("7: [FlowAwaitOutsideFlow] await can only be used in a @Flow method of an @IoHandler class"),
                errorsBesideAHandler("demo.Plain", """
                        package demo;

                        import static dev.kio.Flows.await;

                        public class Plain {
                            int read(dev.kio.Operation op) throws dev.kio.OpException {
                                return await(op);
                            }
                        }
                        """));
    }

    @Test
    void awaitInConstructorIsRejected() {
        assertEquals(List.of("14: [FlowAwaitInConstructor] await can only be used in a @Flow method of an @IoHandler class;"
                + " a constructor cannot suspend", "19: [FlowAwaitInConstructor] await can only be used in a @Flow method"
                + " of an @IoHandler class; a constructor cannot suspend"), errors("""
                    H() throws OpException {
                        await(op());
                    }

                    H(int n) {
                        Runnable r = () -> {
                            try { await(op()); } catch (OpException e) { throw new IllegalStateException(e); }
                        };
                        r.run();
                    }
                """));
    }

    @Test
    void awaitInLambdaIsRejectedOnItsLine() {
        assertEquals(List.of("17: [FlowAwaitInLambda] await inside a lambda cannot suspend the flow: that code runs later,"
                + " outside it. Await in the flow body itself."), errors("""
                    @Flow
                    void f() {
                        Runnable r = () -> {
                            try {
                                await(op());
                            } catch (OpException e) {
                                throw new IllegalStateException(e);
                            }
                        };
                        r.run();
                    }
                """));
    }

    @Test
    void flowCallInLambdaIsRejected() {
        assertEquals(List.of("16: [FlowAwaitInLambda] the flow call g(..) inside a lambda cannot suspend the flow: that"
                + " code runs later, outside it. Await in the flow body itself."), errors("""
                    @Flow
                    void f() {
                        Runnable r = () -> {
                            try { g(); } catch (OpException e) { throw new IllegalStateException(e); }
                        };
                        r.run();
                    }

                    @Flow
                    void g() throws OpException {
                        await(op());
                    }
                """));
    }

    @Test
    void awaitInAnonymousClassIsRejected() {
        assertEquals(List.of("18: [FlowAwaitInClass] await inside an anonymous or local class cannot suspend the flow: that"
                + " code runs later, outside it. Await in the flow body itself."), errors("""
                    @Flow
                    void f() {
                        Runnable r = new Runnable() {
                            @Override
                            public void run() {
                                try { await(op()); } catch (OpException e) { throw new IllegalStateException(e); }
                            }
                        };
                        r.run();
                    }
                """));
    }

    @Test
    void awaitInLocalClassIsRejected() {
        assertEquals(List.of("17: [FlowAwaitInClass] await inside an anonymous or local class cannot suspend the flow: that"
                + " code runs later, outside it. Await in the flow body itself."), errors("""
                    @Flow
                    void f() {
                        class Reader {
                            int read() throws OpException {
                                return await(op());
                            }
                        }
                        new Reader();
                    }
                """));
    }

    @Test
    void awaitInSynchronizedBlockIsRejected() {
        assertEquals(List.of("16: [FlowAwaitInSynchronized] await inside a synchronized block would hold the monitor across"
                + " a suspension, on a worker shared with other flows. Release the lock before awaiting."), errors("""
                    @Flow
                    void f() throws OpException {
                        synchronized (this) {
                            await(op());
                        }
                    }
                """));
    }

    // ---- the flow method ----------------------------------------------------------------------

    @Test
    void flowModifiersAreChecked() {
        String why = ": a flow is an instance method with a body that the generated continuation runs";
        assertEquals(List.of(
                "14: [FlowModifiers] @Flow method s must not be static" + why,
                "18: [FlowModifiers] @Flow method p must not be private" + why,
                "22: [FlowModifiers] @Flow method f must not be final" + why,
                "26: [FlowModifiers] @Flow method a must not be abstract" + why,
                "29: [FlowModifiers] @Flow method y must not be synchronized" + why), errors("""
                    @Flow
                    static void s() {
                    }

                    @Flow
                    private void p() {
                    }

                    @Flow
                    final void f() {
                    }

                    @Flow
                    abstract void a();

                    @Flow
                    synchronized void y() {
                    }
                """));
    }

    @Test
    void genericFlowIsRejected() {
        assertEquals(List.of("14: [FlowGeneric] @Flow method f must not be generic: kio does not compile generic flows"),
                errors("""
                    @Flow
                    <T> T f(T t) {
                        return t;
                    }
                """));
    }

    @Test
    void flowRecursingDirectlyIsRejectedAtTheCall() {
        assertEquals(List.of("17: [FlowRecursion] flow a calls itself" + RECURSION_FIX), errors("""
                    @Flow
                    void a(int n) throws OpException {
                        await(op());
                        if (n > 0) {
                            a(n - 1);
                        }
                    }
                """));
    }

    @Test
    void flowRecursingThroughOtherFlowsIsRejectedAtEachCallThatStartsTheCycle() {
        assertEquals(List.of(
                "16: [FlowRecursion] flow a calls itself through b, c" + RECURSION_FIX,
                "21: [FlowRecursion] flow b calls itself through c, a" + RECURSION_FIX,
                "27: [FlowRecursion] flow c calls itself through a, b" + RECURSION_FIX), errors("""
                    @Flow
                    void a(int n) throws OpException {
                        await(op());
                        b(n);
                    }

                    @Flow
                    void b(int n) throws OpException {
                        c(n);
                    }

                    @Flow
                    void c(int n) throws OpException {
                        if (n > 0) {
                            a(n - 1);
                        }
                    }
                """));
    }

    @Test
    void callToAFlowWithASameSizeOverloadIsRejected() {
        assertEquals(List.of("16: [FlowUnsupported] kio cannot tell which of [a(int), a(java.lang.String)] this call"
                + " means: a flow is picked by its name and number of arguments. Rename the flow."), errors("""
                    @Flow
                    void a(int n) throws OpException {
                        await(op());
                        a("x");
                    }

                    @Flow
                    void a(String s) throws OpException {
                        await(op());
                    }
                """));
    }

    // ---- the handler class --------------------------------------------------------------------

    @Test
    void handlerMustBeAbstract() {
        assertEquals(List.of("4: [FlowHandlerClass] @IoHandler C must be an abstract class: kio generates the concrete"
                + " subclass C_Kio, which is what you instantiate"), errors(Map.of("demo.C", """
                package demo;

                @dev.kio.IoHandler
                public class C {
                }
                """)));
    }

    @Test
    void privateHandlerIsRejectedOnce() {
        // Its implicit constructor is private too; that is not a second mistake.
        assertEquals(List.of("5: [FlowHandlerClass] @IoHandler P must not be private: the generated subclass extends it"),
                errors(Map.of("demo.O", """
                        package demo;

                        public class O {
                            @dev.kio.IoHandler
                            private abstract static class P {
                            }
                        }
                        """)));
    }

    @Test
    void handlerWithOnlyPrivateConstructorsIsRejectedAtOne() {
        assertEquals(List.of("5: [FlowHandlerClass] @IoHandler C needs a constructor that is not private, for the"
                + " generated subclass C_Kio to call"), errors(Map.of("demo.C", """
                package demo;

                @dev.kio.IoHandler
                public abstract class C {
                    private C() {
                    }

                    private C(int n) {
                    }
                }
                """)));
    }

    @Test
    void innerAndGenericHandlersAreRejected() {
        assertEquals(List.of(
                "5: [FlowHandlerClass] @IoHandler I must be a top-level or static nested class",
                "9: [FlowHandlerClass] @IoHandler G must not be generic: kio does not compile generic handlers"),
                errors(Map.of("demo.O", """
                        package demo;

                        public class O {
                            @dev.kio.IoHandler
                            abstract class I {
                            }

                            @dev.kio.IoHandler
                            abstract static class G<T> {
                            }
                        }
                        """)));
    }

    @Test
    void flowOutsideAHandlerIsRejected() {
        assertEquals(List.of("5: [FlowHandlerClass] @Flow method f is in O, which is not an @IoHandler class"),
                errors(Map.of("demo.O", """
                        package demo;

                        public abstract class O {
                            @dev.kio.Flow
                            void f() {
                            }
                        }
                        """)));
    }

    @Test
    void handlersAndFlowsInLocalAndAnonymousClassesAreRejected() {
        assertEquals(List.of(
                "6: [FlowHandlerClass] @IoHandler L cannot be a local class: the generated subclass must name and extend"
                        + " it from outside",
                "13: [FlowHandlerClass] @Flow method g is in a local or anonymous class, which cannot be an @IoHandler"
                        + " class"), errorsBesideAHandler("demo.O", """
                        package demo;

                        public class O {
                            void m() {
                                @dev.kio.IoHandler
                                abstract class L {
                                    @dev.kio.Flow
                                    void f() {
                                    }
                                }
                                Object o = new Object() {
                                    @dev.kio.Flow
                                    void g() {
                                    }
                                };
                            }
                        }
                        """));
    }

    // ---- the flow body ------------------------------------------------------------------------

    @Test
    void operationCreatedButNeverAwaitedIsRejected() {
        assertEquals(List.of("21: [FlowUnawaitedOperation] the operation 'ops().nop()' is created but never awaited;"
                + " write await(ops().nop())"), errors("""
                    dev.kio.runtime.op.Ops ops() {
                        return dev.kio.runtime.worker.Worker.current().ops();
                    }

                    @Flow
                    void f() throws OpException {
                        await(op());
                        if (op() != null) {
                            ops().nop();
                        }
                    }
                """));
    }

    @Test
    void taskCreatedButNeverAwaitedIsRejected() {
        assertEquals(List.of("17: [FlowUnawaitedOperation] the task 'count()' is created but never awaited; write"
                + " await(count())"), errors("""
                    abstract dev.kio.Task<Integer> count();

                    @Flow
                    void f() throws OpException {
                        count();
                        await(op());
                    }
                """));
    }

    @Test
    void localOfAnonymousTypeLiveAcrossAnAwaitIsRejected() {
        assertEquals(List.of("15: [FlowUnwritableType] the type of 'var counter = new Object() { int n; };" + UNWRITABLE),
                errors("""
                    @Flow
                    void f() throws OpException {
                        var counter = new Object() { int n; };
                        await(op());
                        counter.n++;
                    }
                """));
    }

    @Test
    void localOfIntersectionTypeLiveAcrossAnAwaitIsRejected() {
        assertEquals(List.of("15: [FlowUnwritableType] the type of 'var x = c ? Integer.valueOf(1) : \"s\";" + UNWRITABLE),
                errors("""
                    @Flow
                    int f(boolean c) throws OpException {
                        var x = c ? Integer.valueOf(1) : "s";
                        await(op());
                        return x.hashCode();
                    }
                """));
    }

    @Test
    void privateHandlerFieldUsedByAFlowIsRejected() {
        assertEquals(List.of("17: [FlowPrivateMember] the flow uses the private field count of H: the generated"
                + " continuation cannot reach private members. Make it package-private."), errors("""
                    private int count;

                    @Flow
                    void f() throws OpException {
                        count += await(op());
                    }
                """));
    }

    @Test
    void privateHandlerMethodUsedByAFlowIsRejected() {
        assertEquals(List.of("19: [FlowPrivateMember] the flow uses the private method g of H: the generated"
                + " continuation cannot reach private members. Make it package-private."), errors("""
                    private int g() {
                        return 1;
                    }

                    @Flow
                    int f() throws OpException {
                        return g() + await(op());
                    }
                """));
    }

    @Test
    void superCallInAFlowIsRejected() {
        assertEquals(List.of("16: [FlowSuper] super.toString cannot be reached from the generated continuation, which is"
                + " not the handler itself. Call it through a method of the handler that is not a flow."), errors("""
                    @Flow
                    String f() throws OpException {
                        await(op());
                        return super.toString();
                    }
                """));
    }

    @Test
    void operandOfUnknownTypeKeptAcrossAnAwaitIsRejected() {
        assertEquals(List.of("15: [FlowOperandType] kio cannot tell the type of 'java.util.List.of(1).stream().map(x ->"
                + " x + 1).findFirst()...', whose value must be kept while a later part of the expression awaits. Assign"
                + " it to a local variable with an explicit type first."), errors("""
                    @Flow
                    int f() throws OpException {
                        return java.util.List.of(1).stream().map(x -> x + 1).findFirst().get() + await(op());
                    }
                """));
    }

    @Test
    void patternVariableUsedAfterAnAwaitIsRejected() {
        assertEquals(List.of("15: [FlowUnsupported] the pattern variable s is used after an await; assign it to a local"
                + " variable first"), errors("""
                    @Flow
                    int f(Object o) throws OpException {
                        if (o instanceof String s) {
                            await(op());
                            return s.length();
                        }
                        return 0;
                    }
                """));
    }

    @Test
    void localClassInAFlowThatAwaitsIsRejected() {
        assertEquals(List.of("15: [FlowUnsupported] the local class L cannot be declared in a flow that awaits: declare it"
                + " as a nested class of the handler"), errors("""
                    @Flow
                    void f() throws OpException {
                        class L {
                        }
                        await(op());
                        new L();
                    }
                """));
    }

    @Test
    void patternLabelInASwitchThatAwaitsIsRejected() {
        assertEquals(List.of("16: [FlowUnsupported] a pattern label in a switch that awaits is not supported; match the"
                + " pattern in an if statement instead"), errors("""
                    @Flow
                    int f(Object o) throws OpException {
                        return switch (o) {
                            case Integer _ -> await(op());
                            default -> 0;
                        };
                    }
                """));
    }

    /**
     * Code javac rejects is javac's to report: kio neither adds its own error about what it could
     * not type nor generates the handler.
     */
    @Test
    void aFlowThatDoesNotCompileGetsOnlyJavacsErrors() {
        List<String> errors = errors("""
                    @Flow
                    int callsAMissingMethod(Operation o) throws OpException {
                        return await(o.sendFile(1));
                    }

                    @Flow
                    int callsAMissingStatic() throws OpException {
                        return 1 + await(Missing.op());
                    }

                    @Flow
                    String keepsAnUnresolvedLocal() throws OpException {
                        var s = missing();
                        await(op());
                        return s.toString();
                    }
                """);
        assertEquals(3, errors.size(), String.join("\n", errors));
        assertEquals(List.of(15, 20, 25), errors.stream().map(e -> Integer.parseInt(e.substring(0, e.indexOf(':')))).toList());
        for (String e : errors) {
            assertTrue(e.contains("cannot find symbol") && !e.contains("[Flow"), e);
        }
    }

    /**
     * Two handlers whose flows keep a {@code var} of each other's generated class across an await:
     * each waits for the other's class before it can be typed, so neither is written, and kio says
     * why and what to write instead; one handler doing so with its own class likewise.
     */
    @Test
    void handlersWaitingForEachOthersGeneratedClassAreToldToWriteTheTypeOut() {
        String b = """
                package demo;

                import static dev.kio.Flows.await;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.Operation;
                import dev.kio.OpException;

                @IoHandler
                public abstract class B {
                    abstract Operation op();

                    @Flow
                    int keepsTheOther() throws OpException {
                        var other = (H_Kio) null;
                        await(op());
                        return other == null ? 1 : 2;
                    }
                }
                """;
        List<String> errors = errors(Map.of("demo.H", handler("""
                    @Flow
                    int keepsTheOther() throws OpException {
                        var other = (B_Kio) null;
                        await(op());
                        return other == null ? 1 : 2;
                    }
                """), "demo.B", b));
        List<String> kio = errors.stream().filter(e -> e.contains("[FlowGeneratedType]")).toList();
        assertEquals(List.of("15: [FlowGeneratedType] kio cannot generate H_Kio: its flows keep a value across an await"
                + " whose type kio must infer from B_Kio, which it could not write first: demo.B was put off as well,"
                + " waiting for a generated class in turn. Keep such values in locals whose type is written out (B_Kio x"
                + " = ...), not in var or a temporary inside an expression.",
                "16: [FlowGeneratedType] kio cannot generate B_Kio: its flows keep a value across an await whose type kio"
                + " must infer from H_Kio, which it could not write first: demo.H was put off as well, waiting for a"
                + " generated class in turn. Keep such values in locals whose type is written out (H_Kio x = ...), not in"
                + " var or a temporary inside an expression."), kio.stream().sorted().toList());
        assertEquals(List.of("15: [FlowGeneratedType] kio cannot generate H_Kio: its flows keep a value across an await"
                + " whose type kio must infer from H_Kio, the class it is generating. Keep such values in locals whose"
                + " type is written out (H_Kio x = ...), not in var or a temporary inside an expression."),
                errors("""
                    @Flow
                    int keepsItsOwn() throws OpException {
                        var mine = (H_Kio) null;
                        await(op());
                        return mine == null ? 1 : 2;
                    }
                """).stream().filter(e -> e.contains("[Flow")).toList());
        // The fix the message gives: with the types written out, both handlers are generated.
        Compiled fixed = Compiled.compile(Map.of("demo.H", handler("""
                    @Flow
                    int keepsTheOther() throws OpException {
                        B_Kio other = (B_Kio) null;
                        await(op());
                        return other == null ? 1 : 2;
                    }
                """), "demo.B", b.replace("var other", "H_Kio other")));
        assertTrue(fixed.success, fixed.report());
    }

    /** A starter that the other handler's generated class does not have stays javac's error, after that class exists. */
    @Test
    void aMissingStarterOfAHandlerGeneratedInTheSameCompilationGetsOnlyJavacsError() {
        List<String> errors = errors(Map.of("demo.H", handler("""
                    @Flow
                    int callsAMissingStarter(B b) throws OpException {
                        return await(B_Kio.thrice(b, 1));
                    }
                """), "demo.B", """
                package demo;

                import static dev.kio.Flows.await;

                import dev.kio.Flow;
                import dev.kio.IoHandler;
                import dev.kio.Operation;
                import dev.kio.OpException;

                @IoHandler
                public abstract class B {
                    abstract Operation op();

                    @Flow
                    int twice(int x) throws OpException {
                        return await(op()) + 2 * x;
                    }
                }
                """), List.of("demo/B_Kio.java"));
        assertEquals(1, errors.size(), String.join("\n", errors));
        assertTrue(errors.get(0).startsWith("15: cannot find symbol") && errors.get(0).contains("thrice"), errors.get(0));
    }
}
