package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.kio.Flows;
import dev.kio.OpException;
import dev.kio.Task;
import dev.kio.runtime.worker.DirectMode;
import dev.kio.runtime.worker.Worker;

/**
 * Handlers compiled by kio's processor for behaviour tests, each source compiled once (javac
 * takes about a second) and its flows run on a real worker and as plain Java in direct mode.
 * Every handler extends {@link #HEADER}: a {@code log} the flows write their trace to, and
 * small helpers that log what they evaluate.
 */
final class FlowHarness {
    static final String HEADER = """
            package demo;

            import static dev.kio.Flows.await;

            import java.io.IOException;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.function.IntSupplier;
            import java.util.function.Supplier;

            import dev.kio.Flow;
            import dev.kio.IoHandler;
            import dev.kio.OpException;
            import dev.kio.Operation;
            import dev.kio.Flows;
import dev.kio.OpException;
import dev.kio.Task;
            import dev.kio.runtime.op.Op;
            import dev.kio.runtime.op.Ops;
            import dev.kio.runtime.worker.Worker;

            @IoHandler
            public abstract class H {
                public final StringBuilder log = new StringBuilder();

                Ops ops() {
                    return Worker.current().ops();
                }

                /** Logs {@code tag} and gives {@code x}: marks when an operand is evaluated. */
                int v(String tag, int x) {
                    log.append(tag).append(';');
                    return x;
                }

                @Flow
                int step(String what) throws OpException {
                    log.append(what).append(';');
                    return await(ops().nop()) + what.length();
                }
            """;

    private static final Map<String, Handler> COMPILED = new ConcurrentHashMap<>();
    private static Boolean nopInjectsResults;

    private FlowHarness() {
    }

    /** Whether this kernel completes {@code ops().nop(r)} with {@code r} (IORING_NOP_INJECT_RESULT, newer than 6.8). */
    static synchronized boolean nopInjectsResults() throws Exception {
        if (nopInjectsResults == null) {
            try (DirectMode d = DirectMode.open()) {
                nopInjectsResults = Flows.await(d.worker().ops().nop(7)) == 7;
            } catch (OpException e) {
                nopInjectsResults = false;
            }
        }
        return nopInjectsResults;
    }

    /** What one run of a flow gave: its value or its exception, and the handler's log. */
    record Outcome(Object value, String failure, String log) {
    }

    /** The handler {@code HEADER + members}, compiled once per distinct source. */
    static Handler handler(String members) {
        return COMPILED.computeIfAbsent(members, m -> new Handler(Compiled.compile("demo.H", HEADER + m + "\n}\n")));
    }

    static final class Handler {
        final Compiled compiled;
        private final Class<?> type;
        private final Class<?> generated;

        Handler(Compiled compiled) {
            this.compiled = compiled.assertSuccess();
            try {
                ClassLoader loader = compiled.loader();
                this.type = loader.loadClass("demo.H");
                this.generated = loader.loadClass("demo.H_Kio");
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e);
            }
        }

        /** A new instance of the generated concrete handler. */
        Object newInstance() throws ReflectiveOperationException {
            return generated.getConstructor().newInstance();
        }

        /** The flow {@code name} as a lazy task, from the generated static starter. */
        Task<?> start(Object handler, String name, Object... args) throws ReflectiveOperationException {
            Object[] all = new Object[args.length + 1];
            all[0] = handler;
            System.arraycopy(args, 0, all, 1, args.length);
            return (Task<?>) named(generated, name, true).invoke(null, all);
        }

        /** Runs flow {@code name} through its starter on {@code worker}, waiting from this thread. */
        Outcome onWorker(Worker worker, String name, Object... args) throws Exception {
            Object h = newInstance();
            Task<?> task = start(h, name, args);
            try {
                return new Outcome(worker.syncWait(task), null, log(h));
            } catch (Exception e) {
                return new Outcome(null, e.toString(), log(h));
            }
        }

        /** Runs flow {@code name} as the plain Java method, on this thread in direct mode. */
        Outcome direct(String name, Object... args) throws Exception {
            Method flow = named(type, name, false);
            flow.setAccessible(true);
            Object h = newInstance();
            try (DirectMode _ = DirectMode.open()) {
                return new Outcome(flow.invoke(h, args), null, log(h));
            } catch (InvocationTargetException e) {
                return new Outcome(null, e.getCause().toString(), log(h));
            }
        }

        /** Runs flow {@code name} both ways, checks they agree, and gives what the worker gave. */
        Outcome runBothWays(Worker worker, String name, Object... args) throws Exception {
            Outcome onWorker = onWorker(worker, name, args);
            assertEquals(direct(name, args), onWorker, "generated state machine vs direct mode\n" + compiled.generatedSources());
            return onWorker;
        }

        static String log(Object handler) throws ReflectiveOperationException {
            return handler.getClass().getSuperclass().getField("log").get(handler).toString();
        }

        private static Method named(Class<?> in, String name, boolean isStatic) {
            for (Method m : in.getDeclaredMethods()) {
                if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) == isStatic) {
                    return m;
                }
            }
            throw new AssertionError("no " + (isStatic ? "starter " : "flow ") + name + " in " + in.getName());
        }
    }
}
