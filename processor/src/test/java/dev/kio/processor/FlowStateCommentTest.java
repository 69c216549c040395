package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The states of generated continuations as a reader sees them: each {@code case N: // File.java:line}
 * comment points at the source line the state's code comes from, and no state is left that
 * nothing jumps or falls into.
 */
class FlowStateCommentTest {
    /** Every statement calls {@code m} with a marker of its own, so a state's code says which lines it holds. */
    private static final String SOURCE = """
            package demo;

            import static dev.kio.Flows.await;

            import dev.kio.Flow;
            import dev.kio.IoHandler;
            import dev.kio.OpException;
            import dev.kio.runtime.op.Ops;
            import dev.kio.runtime.worker.Worker;

            @IoHandler
            public abstract class Lines {
                final StringBuilder log = new StringBuilder();

                Ops ops() {
                    return Worker.current().ops();
                }

                int m(String marker) {
                    log.append(marker).append(';');
                    return 1;
                }

                @Flow
                public int joins(int n) throws OpException {
                    m("k1");
                    int total = await(ops().ready(n));
                    if (total > 2) {
                        m("k2");
                        await(ops().nop());
                    } else {
                        m("k3");
                    }
                    m("k4");
                    for (int i = 0; i < n; i++) {
                        m("k5");
                        total += await(ops().ready(i));
                    }
                    m("k6");
                    try {
                        m("k7");
                        await(ops().nop());
                    } finally {
                        m("k8");
                    }
                    m("k9");
                    while (total > 100) {
                        total -= await(ops().ready(50));
                    }
                    int k = n > 1 ? await(ops().ready(1)) : 0;
                    m("k10");
                    switch (k) {
                        case 1 -> total += await(ops().ready(3));
                        default -> m("k11");
                    }
                    m("k12");
                    return total + m("k13");
                }

                @Flow
                public void endsWithAReturnInsideFinally(int n) throws OpException {
                    try {
                        m("k20");
                        await(ops().nop());
                        if (n > 0) {
                            return;
                        }
                    } finally {
                        m("k21");
                    }
                    m("k22");
                }
            }
            """;

    private static final Pattern CASE = Pattern.compile("(?m)^\\s*case (\\d+): // Lines\\.java:(\\d+)$");
    private static final Pattern MARKER = Pattern.compile("m\\(\"(k\\d+)\"\\)");

    private static List<List<State>> steps;

    /** One case of a generated switch: its number, the line its comment names, its code. */
    record State(int id, int line, String code) {
    }

    @BeforeAll
    static void compile() {
        String generated = Compiled.compile("demo.Lines", SOURCE).assertSuccess().generatedSources();
        steps = new ArrayList<>();
        for (String step : generated.split("protected void step\\(\\)")) {
            if (!step.contains("$dispatch")) {
                continue;
            }
            String body = step.substring(0, step.lastIndexOf("throw new java.lang.IllegalStateException(\"no state \""));
            List<State> states = new ArrayList<>();
            Matcher c = CASE.matcher(body);
            int previousEnd = -1;
            while (c.find()) {
                if (!states.isEmpty()) {
                    State last = states.removeLast();
                    states.add(new State(last.id(), last.line(), body.substring(previousEnd, c.start())));
                }
                states.add(new State(Integer.parseInt(c.group(1)), Integer.parseInt(c.group(2)), ""));
                previousEnd = c.end();
            }
            State last = states.removeLast();
            states.add(new State(last.id(), last.line(), body.substring(previousEnd)));
            steps.add(states);
        }
        assertEquals(2, steps.size(), generated);
    }

    private static int lineOf(String marker) {
        String[] lines = SOURCE.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("m(\"" + marker + "\")")) {
                return i + 1;
            }
        }
        throw new AssertionError("no marker " + marker);
    }

    /**
     * A state that starts with a statement names that statement's line; one that starts by taking
     * the result of an await names the await's line.
     */
    @Test
    void eachStateCommentNamesTheLineOfTheCodeTheStateStartsWith() {
        String[] source = SOURCE.split("\n");
        TreeSet<String> seen = new TreeSet<>();
        for (List<State> states : steps) {
            for (State s : states) {
                String first = s.code().strip().lines().findFirst().orElse("");
                Matcher m = MARKER.matcher(first);
                if (m.find()) {
                    assertEquals(lineOf(m.group(1)), s.line(), "case " + s.id() + ":\n" + s.code());
                } else if (first.contains("result()")) {
                    assertTrue(source[s.line() - 1].contains("await("), "case " + s.id() + " names line " + s.line()
                            + ", which does not await:\n" + s.code());
                }
                for (Matcher all = MARKER.matcher(s.code()); all.find();) {
                    seen.add(all.group(1));
                }
            }
        }
        assertEquals(16, seen.size(), "every marker is in some state: " + seen);
    }

    @Test
    void everyStateIsJumpedToOrFallenInto() {
        for (List<State> states : steps) {
            String all = String.join("\n", states.stream().map(State::code).toList());
            for (int i = 1; i < states.size(); i++) {
                State s = states.get(i);
                boolean jumpedTo = Pattern.compile("(state|\\$fin\\d+) = " + s.id() + ";").matcher(all).find();
                assertTrue(jumpedTo || fallsThrough(states.get(i - 1).code()), "nothing reaches case " + s.id() + ":\n" + all);
            }
        }
    }

    /** Whether the last statement of a state's code lets control fall into the next case. */
    private static boolean fallsThrough(String code) {
        List<String> lines = code.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.equals("}")).toList();
        String last = lines.getLast().replaceAll("[\\s}]+$", "");
        return !(last.endsWith("return;") || last.matches(".*continue \\$(dispatch|loop\\d+);") || last.startsWith("throw "));
    }
}
