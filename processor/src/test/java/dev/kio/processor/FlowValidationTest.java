package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Each misuse is one error, tagged, on the line that is wrong, and nothing is generated. */
class FlowValidationTest {
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
        Compiled c = Compiled.compile("demo.H", handler(members));
        assertFalse(c.success, "should not compile:\n" + c.report());
        return c.errors();
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
    void awaitInSynchronizedBlockIsRejected() {
        List<String> e = errors("""
                    @Flow
                    void f() throws OpException {
                        synchronized (this) {
                            await(op());
                        }
                    }
                """);
        assertEquals(1, e.size(), e.toString());
        assertEquals(true, e.get(0).startsWith("16: [FlowAwaitInSynchronized]"), e.toString());
    }

    @Test
    void awaitOutsideAFlowIsRejected() {
        List<String> e = errors("""
                    int helper() throws OpException {
                        return await(op());
                    }
                """);
        assertEquals(List.of("14: [FlowAwaitOutsideFlow] await can only be used in a @Flow method of an @IoHandler class"), e);
    }

    @Test
    void flowModifiersAreChecked() {
        List<String> e = errors("""
                    @Flow
                    static void s() {
                    }

                    @Flow
                    private void p() {
                    }
                """);
        assertEquals(2, e.size(), e.toString());
        assertEquals(true, e.get(0).contains("[FlowModifiers] @Flow method s must not be static"), e.toString());
        assertEquals(true, e.get(1).contains("[FlowModifiers] @Flow method p must not be private"), e.toString());
    }

    @Test
    void recursionAmongFlowsIsRejected() {
        List<String> e = errors("""
                    @Flow
                    void a(int n) throws OpException {
                        await(op());
                        if (n > 0) {
                            a(n - 1);
                        }
                    }
                """);
        assertEquals(1, e.size(), e.toString());
        assertEquals(true, e.get(0).startsWith("17: [FlowRecursion] flow a calls itself"), e.toString());
    }

    @Test
    void operationCreatedButNeverAwaitedIsRejected() {
        List<String> e = errors("""
                    @Flow
                    void f() throws OpException {
                        op();
                        await(op());
                    }
                """);
        assertEquals(1, e.size(), e.toString());
        assertEquals(true, e.get(0).startsWith("15: [FlowUnawaitedOperation]"), e.toString());
    }

    @Test
    void privateHandlerMembersUsedByFlowsAreRejected() {
        List<String> e = errors("""
                    private int count;

                    @Flow
                    void f() throws OpException {
                        count += await(op());
                    }
                """);
        assertEquals(1, e.size(), e.toString());
        assertEquals(true, e.get(0).startsWith("17: [FlowPrivateMember] the flow uses the private field count"), e.toString());
    }

    @Test
    void handlerMustBeAbstract() {
        Compiled c = Compiled.compile("demo.C", """
                package demo;

                @dev.kio.IoHandler
                public class C {
                }
                """);
        assertEquals(List.of("4: [FlowHandlerClass] @IoHandler C must be an abstract class: kio generates the concrete"
                + " subclass C_Kio, which is what you instantiate"), c.errors());
    }
}
