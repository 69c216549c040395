package dev.kio.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.TypeVariableName;
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
 */
final class HandlerWriter {
    static final ClassName FRAME = ClassName.get("dev.kio.runtime.worker", "Frame");
    static final ClassName FRAME_KIND = ClassName.get("dev.kio.runtime.worker", "FrameKind");
    static final ClassName TASK = ClassName.get("dev.kio", "Task");
    /** Idle frames a worker keeps per flow. */
    static final int MAX_IDLE = 1024;

    private HandlerWriter() {
    }

    record Lowered(FlowMethod flow, Lowering lowering, Map<FlowMethod, String> embedded) {
    }

    static String write(Handler handler, List<Lowered> flows, boolean stillAbstract) {
        TypeElement type = handler.type();
        ClassName handlerName = ClassName.get(type);
        TypeSpec.Builder cls = TypeSpec.classBuilder(handler.generatedName())
                .addAnnotation(AnnotationSpec.builder(ClassName.get("javax.annotation.processing", "Generated"))
                        .addMember("value", "$S", KioProcessor.class.getName()).build())
                .addJavadoc("The flows of {@link $T}, compiled into continuations by kio. Instantiate this class, not the\n"
                        + "handler; start a flow with its static starter.\n", handlerName)
                .superclass(TypeName.get(type.asType()))
                .addModifiers(Modifier.PUBLIC);
        if (stillAbstract) {
            cls.addModifiers(Modifier.ABSTRACT);
        }
        for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
            if (c.getModifiers().contains(Modifier.PRIVATE)) {
                continue;
            }
            MethodSpec.Builder m = MethodSpec.constructorBuilder();
            c.getModifiers().stream().filter(x -> x == Modifier.PUBLIC || x == Modifier.PROTECTED).forEach(m::addModifiers);
            List<String> args = new ArrayList<>();
            for (VariableElement p : c.getParameters()) {
                m.addParameter(TypeName.get(p.asType()), p.getSimpleName().toString());
                args.add(p.getSimpleName().toString());
            }
            m.varargs(c.isVarArgs());
            c.getThrownTypes().forEach(t -> m.addException(TypeName.get(t)));
            m.addStatement("super($L)", String.join(", ", args));
            cls.addMethod(m.build());
        }
        for (Lowered l : flows) {
            cls.addMethod(starter(handlerName, l));
            cls.addType(frame(handlerName, l));
        }
        StringBuilder out = new StringBuilder();
        String pkg = handlerName.packageName();
        if (!pkg.isEmpty()) {
            out.append("package ").append(pkg).append(";\n\n");
        }
        for (ImportTree i : handler.unit().getImports()) {
            out.append("import ").append(i.isStatic() ? "static " : "").append(i.getQualifiedIdentifier()).append(";\n");
        }
        out.append('\n').append(cls.build());
        return out.toString();
    }

    private static TypeName resultType(FlowMethod flow) {
        TypeMirror r = flow.element().getReturnType();
        return r.getKind() == TypeKind.VOID ? ClassName.get(Void.class) : TypeName.get(r).box();
    }

    private static MethodSpec starter(ClassName handlerName, Lowered l) {
        FlowMethod flow = l.flow();
        MethodSpec.Builder m = MethodSpec.methodBuilder(flow.starterName())
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .returns(ParameterizedTypeName.get(TASK, resultType(flow)))
                .addJavadoc("Starts {@link $T#$L} as a lazy task: it runs when awaited, spawned on a worker or\n"
                        + "sync-waited. On a worker, its frame comes from the worker's idle frames.\n", handlerName,
                        flow.element().getSimpleName() + "(" + paramList(flow) + ")")
                .addParameter(handlerName, "handler");
        List<String> args = new ArrayList<>();
        for (VariableElement p : flow.element().getParameters()) {
            m.addParameter(TypeName.get(p.asType()), p.getSimpleName().toString());
            args.add(p.getSimpleName().toString());
        }
        m.varargs(flow.element().isVarArgs());
        m.addStatement("$L $$frame = $L.KIND.idle()", flow.frameName(), flow.frameName());
        m.addStatement("return ($$frame != null ? $$frame : $L.KIND.adopt(new $L())).start(handler$L)", flow.frameName(),
                flow.frameName(), args.isEmpty() ? "" : ", " + String.join(", ", args));
        return m.build();
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

    /** A type written as source text (cut from the flow, or printed from a type mirror). */
    private static TypeName source(String text) {
        return TypeVariableName.get(text);
    }

    private static Map<String, FlowMethod> invert(Map<FlowMethod, String> m) {
        Map<String, FlowMethod> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(v, k));
        return out;
    }

    private static String stepBody(Lowering low) {
        StringBuilder b = new StringBuilder("$dispatch:\nfor (;;) {\n");
        boolean regions = !low.regions.isEmpty();
        String in = regions ? "        " : "    ";
        if (regions) {
            b.append("    try {\n");
        }
        b.append(in).append("switch (state) {\n");
        cases(b, low, null, 0, low.states.size(), in);
        b.append(in).append("default:\n").append(in)
                .append("    throw new java.lang.IllegalStateException(\"no state \" + state);\n");
        b.append(in).append("}\n");
        if (regions) {
            b.append("    } catch (java.lang.Throwable t) {\n        switch (state) {\n");
            Map<Integer, List<Integer>> byRegion = new TreeMap<>();
            for (Lowering.State s : low.states) {
                if (s.region >= 0) {
                    byRegion.computeIfAbsent(s.region, k -> new ArrayList<>()).add(low.caseOf(s));
                }
            }
            for (Map.Entry<Integer, List<Integer>> e : byRegion.entrySet()) {
                List<String> cases = e.getValue().stream().sorted().map(String::valueOf).toList();
                b.append("            case ").append(String.join(", ", cases)).append(" -> {\n")
                        .append("                ").append(low.resolve(low.regions.get(e.getKey()).onThrow())).append('\n')
                        .append("            }\n");
            }
            b.append("            default -> throw t;\n        }\n    }\n");
        }
        b.append("}\n");
        return b.toString();
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

    private static TypeSpec frame(ClassName handlerName, Lowered l) {
        FlowMethod flow = l.flow();
        Lowering low = l.lowering();
        ClassName self = ClassName.bestGuess(flow.frameName());
        TypeName result = resultType(flow);
        TypeSpec.Builder t = TypeSpec.classBuilder(flow.frameName())
                .addModifiers(Modifier.STATIC, Modifier.FINAL)
                .superclass(ParameterizedTypeName.get(FRAME, result))
                .addJavadoc("The continuation of {@link $T#$L}.\n", handlerName,
                        flow.element().getSimpleName() + "(" + paramList(flow) + ")");
        // What the user suppressed around the flow also holds for the locals kept in fields.
        java.util.Set<String> suppress = new java.util.TreeSet<>(low.suppressions);
        // Falling from one state into the next is how the states are chained. And -Xlint's overloads
        // check would go through all of Frame's inherited methods again in every continuation class.
        suppress.add("\"fallthrough\"");
        suppress.add("\"overloads\"");
        for (Element e = flow.element().getEnclosingElement(); e instanceof TypeElement type; e = type.getEnclosingElement()) {
            SuppressWarnings s = type.getAnnotation(SuppressWarnings.class);
            if (s != null) {
                for (String w : s.value()) {
                    suppress.add(CodeBlock.of("$S", w).toString());
                }
            }
        }
        t.addAnnotation(AnnotationSpec.builder(SuppressWarnings.class)
                .addMember("value", "{$L}", String.join(", ", suppress)).build());
        // No factory: the starter makes a new frame itself, since a lambda per flow costs javac more than the
        // starter's `new` (and a diamond around a constructor reference more still).
        t.addField(FieldSpec.builder(ParameterizedTypeName.get(FRAME_KIND, self), "KIND", Modifier.STATIC, Modifier.FINAL)
                .initializer("new $T($L)", ParameterizedTypeName.get(FRAME_KIND, self), MAX_IDLE)
                .build());
        t.addField(handlerName, "self", Modifier.PRIVATE);
        for (Lowering.Field f : low.fields.values()) {
            t.addField(source(f.type()), f.name(), Modifier.PRIVATE);
        }
        for (Map.Entry<String, FlowMethod> e : new TreeMap<>(invert(l.embedded())).entrySet()) {
            t.addField(FieldSpec.builder(source(e.getValue().frameName()), e.getKey(), Modifier.PRIVATE, Modifier.FINAL)
                    .initializer("new $L()", e.getValue().frameName()).build());
        }
        MethodSpec.Builder start = MethodSpec.methodBuilder("start").returns(self)
                .addParameter(handlerName, "self");
        start.addStatement("reset()").addStatement("this.self = self");
        List<? extends VariableElement> params = flow.element().getParameters();
        for (int i = 0; i < params.size(); i++) {
            String field = low.parameterFields.get(i);
            start.addParameter(TypeName.get(params.get(i).asType()), field);
            start.addStatement("this.$L = $L", field, field);
        }
        start.addStatement("return this");
        t.addMethod(start.build());

        // step, value and clear override Frame's; no @Override on them: javac would resolve and check
        // three annotations per flow for what the generated code gets right by construction.
        t.addMethod(MethodSpec.methodBuilder("step")
                .addModifiers(Modifier.PROTECTED)
                .addException(Throwable.class)
                .addCode("$L", stepBody(low)).build());
        if (flow.element().getReturnType().getKind() != TypeKind.VOID) {
            t.addMethod(MethodSpec.methodBuilder("value").addModifiers(Modifier.PROTECTED)
                    .returns(result).addStatement("return $$ret").build());
        }
        CodeBlock.Builder clear = CodeBlock.builder().addStatement("self = null");
        for (Lowering.Field f : low.fields.values()) {
            if (f.reference()) {
                clear.addStatement("$L = null", f.name());
            }
        }
        t.addMethod(MethodSpec.methodBuilder("clear").addModifiers(Modifier.PROTECTED)
                .addCode(clear.build()).build());
        return t.build();
    }
}
