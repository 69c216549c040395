package dev.kio.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.sun.source.tree.ImportTree;

import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;

/**
 * Writes {@code Handler_Kio}: the concrete subclass users instantiate, one static starter per
 * flow, and one continuation class per flow. Types are written fully qualified and the
 * handler's own imports are copied, so code cut from the flow bodies means what it meant there.
 * The source is written as text: the class's shape is fixed, and a code-writing library would cost
 * every compile its class loading and formatting (most of all a cold one).
 */
final class HandlerWriter {
    private static final String FRAME = "dev.kio.runtime.worker.Frame";
    private static final String FRAME_KIND = "dev.kio.runtime.worker.FrameKind";
    /** Idle frames a worker keeps per flow. */
    static final int MAX_IDLE = 1024;

    private HandlerWriter() {
    }

    record Lowered(FlowMethod flow, Lowering lowering, Map<FlowMethod, String> embedded) {
    }

    static String write(Handler handler, List<Lowered> flows, boolean stillAbstract) {
        TypeElement type = handler.type();
        String handlerName = type.getQualifiedName().toString();
        StringBuilder out = new StringBuilder();
        String pkg = ((javax.lang.model.element.PackageElement) packageOf(type)).getQualifiedName().toString();
        if (!pkg.isEmpty()) {
            out.append("package ").append(pkg).append(";\n\n");
        }
        for (ImportTree i : handler.unit().getImports()) {
            out.append("import ").append(i.isStatic() ? "static " : "").append(i.getQualifiedIdentifier()).append(";\n");
        }
        out.append("\n/**\n * The flows of {@link ").append(handlerName)
                .append("}, compiled into continuations by kio. Instantiate this class, not the\n")
                .append(" * handler; start a flow with its static starter.\n */\n")
                .append("@javax.annotation.processing.Generated(").append(literal(KioProcessor.class.getName())).append(")\n")
                .append("public ").append(stillAbstract ? "abstract " : "").append("class ").append(handler.generatedName())
                .append(" extends ").append(type(type.asType())).append(" {\n");
        String sep = "";
        for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
            if (c.getModifiers().contains(Modifier.PRIVATE)) {
                continue;
            }
            out.append(sep);
            sep = "\n";
            String access = c.getModifiers().contains(Modifier.PUBLIC) ? "public "
                    : c.getModifiers().contains(Modifier.PROTECTED) ? "protected " : "";
            declaration(out, "    ", access + handler.generatedName(), parameters(c), throwsClause(c));
            out.append("        super(").append(arguments(c)).append(");\n    }\n");
        }
        for (Lowered l : flows) {
            out.append(sep);
            sep = "\n";
            starter(out, handlerName, l);
        }
        for (Lowered l : flows) {
            out.append(sep);
            sep = "\n";
            frame(out, handlerName, l);
        }
        return out.append("}\n").toString();
    }

    private static Element packageOf(Element e) {
        while (e.getKind() != javax.lang.model.element.ElementKind.PACKAGE) {
            e = e.getEnclosingElement();
        }
        return e;
    }

    /** A type as source text, fully qualified. */
    private static String type(TypeMirror t) {
        String w = Typer.writable(t);
        return w != null ? w : t.toString();
    }

    /** The task's result type: boxed, Void for a void flow. */
    private static String resultType(FlowMethod flow) {
        TypeMirror r = flow.element().getReturnType();
        return switch (r.getKind()) {
            case VOID -> "java.lang.Void";
            case BOOLEAN -> "java.lang.Boolean";
            case BYTE -> "java.lang.Byte";
            case SHORT -> "java.lang.Short";
            case INT -> "java.lang.Integer";
            case LONG -> "java.lang.Long";
            case CHAR -> "java.lang.Character";
            case FLOAT -> "java.lang.Float";
            case DOUBLE -> "java.lang.Double";
            default -> type(r);
        };
    }

    /** The parameters of {@code m} as declared: types and names, the last one {@code T...} when it is varargs. */
    private static List<String> parameters(ExecutableElement m) {
        List<String> out = new ArrayList<>();
        List<? extends VariableElement> ps = m.getParameters();
        for (int i = 0; i < ps.size(); i++) {
            String t = type(ps.get(i).asType());
            if (i == ps.size() - 1 && m.isVarArgs() && t.endsWith("[]")) {
                t = t.substring(0, t.length() - 2) + "...";
            }
            out.add(t + " " + ps.get(i).getSimpleName());
        }
        return out;
    }

    /**
     * The first line of a method or constructor, {@code head(parameters)tail} and its opening brace,
     * at {@code indent}: one parameter per line when the line would be longer than 120 columns.
     */
    private static void declaration(StringBuilder out, String indent, String head, List<String> parameters, String tail) {
        String oneLine = indent + head + "(" + String.join(", ", parameters) + ")" + tail + " {\n";
        if (oneLine.length() <= 120 + 1 || parameters.isEmpty()) {
            out.append(oneLine);
            return;
        }
        String more = "\n" + indent + "        ";
        out.append(indent).append(head).append('(').append(more).append(String.join("," + more, parameters)).append(')')
                .append(tail).append(" {\n");
    }

    private static String arguments(ExecutableElement m) {
        StringBuilder b = new StringBuilder();
        for (VariableElement p : m.getParameters()) {
            b.append(b.isEmpty() ? "" : ", ").append(p.getSimpleName());
        }
        return b.toString();
    }

    private static String throwsClause(ExecutableElement m) {
        StringBuilder b = new StringBuilder();
        for (TypeMirror t : m.getThrownTypes()) {
            b.append(b.isEmpty() ? " throws " : ", ").append(type(t));
        }
        return b.toString();
    }

    /** {@code s} as a Java string literal. */
    private static String literal(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static void starter(StringBuilder out, String handlerName, Lowered l) {
        FlowMethod flow = l.flow();
        ExecutableElement m = flow.element();
        String frame = flow.frameName();
        List<String> params = new ArrayList<>();
        params.add(handlerName + " handler");
        params.addAll(parameters(m));
        String args = arguments(m);
        out.append("    /**\n     * Starts {@link ").append(handlerName).append('#').append(m.getSimpleName()).append('(')
                .append(paramList(flow)).append(")} as a lazy task: it runs when awaited, spawned on a worker or\n")
                .append("     * sync-waited. On a worker, its frame comes from the worker's idle frames.\n     */\n");
        declaration(out, "    ", "public static dev.kio.Task<" + resultType(flow) + "> " + flow.starterName(), params, "");
        out.append("        ").append(frame).append(" $frame = ").append(frame).append(".KIND.idle();\n")
                .append("        return ($frame != null ? $frame : ").append(frame).append(".KIND.adopt(new ").append(frame)
                .append("())).start(handler").append(args.isEmpty() ? "" : ", " + args).append(");\n    }\n");
    }

    private static String paramList(FlowMethod flow) {
        List<String> ps = new ArrayList<>();
        for (VariableElement p : flow.element().getParameters()) {
            ps.add(javadocType(p.asType()));
        }
        return String.join(", ", ps);
    }

    private static String javadocType(TypeMirror t) {
        String s = t.toString();
        int generic = s.indexOf('<');
        return generic < 0 ? s : s.substring(0, generic);
    }

    private static Map<String, FlowMethod> invert(Map<FlowMethod, String> m) {
        Map<String, FlowMethod> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(v, k));
        return out;
    }

    /** The body of {@code step()}, each line (but those inside a text block) indented by {@code base}. */
    private static void stepBody(StringBuilder b, Lowering low, String base) {
        b.append(base).append("$dispatch:\n").append(base).append("for (;;) {\n");
        boolean regions = !low.regions.isEmpty();
        String in = base + (regions ? "        " : "    ");
        if (regions) {
            b.append(base).append("    try {\n");
        }
        b.append(in).append("switch (state) {\n");
        cases(b, low, null, 0, low.states.size(), in);
        b.append(in).append("default:\n").append(in)
                .append("    throw new java.lang.IllegalStateException(\"no state \" + state);\n");
        b.append(in).append("}\n");
        if (regions) {
            b.append(base).append("    } catch (java.lang.Throwable t) {\n").append(base).append("        switch (state) {\n");
            Map<Integer, List<Integer>> byRegion = new TreeMap<>();
            for (Lowering.State s : low.states) {
                if (s.region >= 0) {
                    byRegion.computeIfAbsent(s.region, k -> new ArrayList<>()).add(low.caseOf(s));
                }
            }
            for (Map.Entry<Integer, List<Integer>> e : byRegion.entrySet()) {
                List<String> cases = e.getValue().stream().sorted().map(String::valueOf).toList();
                b.append(base).append("            case ").append(String.join(", ", cases)).append(" -> {\n")
                        .append(base).append("                ").append(low.resolve(low.regions.get(e.getKey()).onThrow())).append('\n')
                        .append(base).append("            }\n");
            }
            b.append(base).append("            default -> throw t;\n").append(base).append("        }\n")
                    .append(base).append("    }\n");
        }
        b.append(base).append("}\n");
    }

    /**
     * The cases of the states {@code [from, to)}, at indentation {@code in}: a loop's states as one
     * case holding a loop of its own, which switches over them again (see {@link Lowering.Loop}).
     */
    private static void cases(StringBuilder b, Lowering low, Lowering.Loop enclosing, int from, int to, String in) {
        for (int i = from; i < to; i++) {
            Lowering.Loop loop = outermostLoopAt(low, enclosing, i);
            if (loop != null) {
                StringBuilder labels = new StringBuilder();
                for (int k = loop.from(); k < loop.to(); k++) {
                    labels.append(k == loop.from() ? "" : ", ").append(k);
                }
                String n = Integer.toString(loop.number());
                b.append(in).append("case ").append(labels).append(": // ")
                        .append(low.fileLine(low.states.get(i))).append(", the loop's states\n");
                b.append(in).append("    $loop").append(n).append(":\n");
                b.append(in).append("    for (int $at").append(n).append(" = state;;) {\n");
                b.append(in).append("        switch ($at").append(n).append(") {\n");
                // No default: the dispatch enters with one of these states, and jumps inside name only these.
                cases(b, low, loop, loop.from(), loop.to(), in + "        ");
                b.append(in).append("        }\n");
                b.append(in).append("    }\n");
                i = loop.to() - 1;
                continue;
            }
            Lowering.State s = low.states.get(i);
            b.append(in).append("case ").append(i).append(": // ").append(low.fileLine(s)).append('\n');
            String body = low.codeOf(i);
            String inner = in + (s.declaresLocals ? "        " : "    ");
            if (s.declaresLocals) {
                b.append(in).append("    {\n");
            }
            for (CodeLines.Line line : CodeLines.of(body)) {
                // Empty lines go, except in a text block, where they are part of the string.
                if (line.literal()) {
                    b.append(line.text()).append('\n');
                } else if (!line.text().isEmpty()) {
                    b.append(inner).append(line.text()).append('\n');
                }
            }
            if (s.declaresLocals) {
                b.append(in).append("    }\n");
            }
        }
    }

    /** The outermost loop inside {@code enclosing} (null: the flow) that starts at state {@code at}, or null. */
    private static Lowering.Loop outermostLoopAt(Lowering low, Lowering.Loop enclosing, int at) {
        Lowering.Loop outer = null;
        for (Lowering.Loop l : low.loops) {
            if (l != enclosing && l.from() == at && (outer == null || l.to() > outer.to())) {
                outer = l;
            }
        }
        return outer;
    }

    private static void frame(StringBuilder out, String handlerName, Lowered l) {
        FlowMethod flow = l.flow();
        Lowering low = l.lowering();
        String self = flow.frameName();
        // What the user suppressed around the flow also holds for the locals kept in fields.
        Set<String> suppress = new TreeSet<>(low.suppressions);
        // Falling from one state into the next is how the states are chained. And -Xlint's overloads
        // check would go through all of Frame's inherited methods again in every continuation class.
        suppress.add("\"fallthrough\"");
        suppress.add("\"overloads\"");
        for (Element e = flow.element().getEnclosingElement(); e instanceof TypeElement type; e = type.getEnclosingElement()) {
            SuppressWarnings s = type.getAnnotation(SuppressWarnings.class);
            if (s != null) {
                for (String w : s.value()) {
                    suppress.add(literal(w));
                }
            }
        }
        out.append("    /**\n     * The continuation of {@link ").append(handlerName).append('#').append(flow.element().getSimpleName())
                .append('(').append(paramList(flow)).append(")}.\n     */\n")
                .append("    @java.lang.SuppressWarnings({").append(String.join(", ", suppress)).append("})\n")
                .append("    static final class ").append(self).append(" extends ").append(FRAME).append('<').append(resultType(flow))
                .append("> {\n");
        // No factory: the starter makes a new frame itself, since a lambda per flow cost javac more than the
        // starter's `new` (and a diamond around a constructor reference more still).
        out.append("        static final ").append(FRAME_KIND).append('<').append(self).append("> KIND = new ").append(FRAME_KIND)
                .append('<').append(self).append(">(").append(MAX_IDLE).append(");\n\n");
        out.append("        private ").append(handlerName).append(" self;\n");
        for (Lowering.Field f : low.fields.values()) {
            out.append("        private ").append(f.type()).append(' ').append(f.name()).append(";\n");
        }
        for (Map.Entry<String, FlowMethod> e : invert(l.embedded()).entrySet()) {
            String child = e.getValue().frameName();
            out.append("        private final ").append(child).append(' ').append(e.getKey()).append(" = new ").append(child).append("();\n");
        }

        List<? extends VariableElement> params = flow.element().getParameters();
        List<String> startParams = new ArrayList<>();
        startParams.add(handlerName + " self");
        for (int i = 0; i < params.size(); i++) {
            startParams.add(type(params.get(i).asType()) + " " + low.parameterFields.get(i));
        }
        out.append('\n');
        declaration(out, "        ", self + " start", startParams, "");
        out.append("            reset();\n            this.self = self;\n");
        for (int i = 0; i < params.size(); i++) {
            String field = low.parameterFields.get(i);
            out.append("            this.").append(field).append(" = ").append(field).append(";\n");
        }
        out.append("            return this;\n        }\n");

        // step, value and clear override Frame's; no @Override on them: javac would resolve and check
        // three annotations per flow for what the generated code gets right by construction.
        out.append("\n        protected void step() throws java.lang.Throwable {\n");
        stepBody(out, low, "            ");
        out.append("        }\n");
        if (flow.element().getReturnType().getKind() != TypeKind.VOID) {
            out.append("\n        protected ").append(resultType(flow)).append(" value() {\n            return $ret;\n        }\n");
        }
        out.append("\n        protected void clear() {\n            self = null;\n");
        for (Lowering.Field f : low.fields.values()) {
            if (f.reference()) {
                out.append("            ").append(f.name()).append(" = null;\n");
            }
        }
        out.append("        }\n    }\n");
    }
}
