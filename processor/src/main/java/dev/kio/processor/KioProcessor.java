package dev.kio.processor;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.auto.service.AutoService;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;

/**
 * kio's flow compiler. For each {@code @IoHandler} class it checks the class and its
 * {@code @Flow} methods, binds and lowers each flow body, and writes {@code Handler_Kio}.
 * Everything found wrong is reported as an error on the offending element or line, tagged
 * ({@code [FlowAwaitInLambda]}), and nothing is generated for that handler. It also reports
 * awaits anywhere outside a flow.
 */
@AutoService(Processor.class)
// Generated is claimed too: the handler classes kio writes carry it, and nothing else is owed it.
@SupportedAnnotationTypes({"dev.kio.IoHandler", "dev.kio.Flow", "javax.annotation.processing.Generated"})
public final class KioProcessor extends AbstractProcessor {
    private Trees trees;
    private String unavailable;
    private boolean environmentReported;
    /** Handlers whose flows use names not resolved yet, by qualified name: tried again next round. */
    private final Set<String> deferred = new java.util.LinkedHashSet<>();

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public synchronized void init(javax.annotation.processing.ProcessingEnvironment env) {
        super.init(env);
        try {
            trees = Trees.instance(env);
        } catch (IllegalArgumentException | LinkageError e) {
            unavailable = "kio's flow compiler reads method bodies through javac's com.sun.source.util.Trees API,"
                    + " which this compiler or processing environment (" + env.getClass().getName() + ") does not offer ("
                    + e + "). Compile with javac (the JDK's compiler, as Maven and Gradle run it), not Eclipse's compiler,"
                    + " and do not run kio's processor inside a tool that wraps javac's ProcessingEnvironment.";
        }
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        TypeElement ioHandler = processingEnv.getElementUtils().getTypeElement("dev.kio.IoHandler");
        TypeElement flowAnnotation = processingEnv.getElementUtils().getTypeElement("dev.kio.Flow");
        if (ioHandler == null || flowAnnotation == null) {
            return false;
        }
        Set<? extends Element> handlers = round.getElementsAnnotatedWith(ioHandler);
        Set<? extends Element> flows = round.getElementsAnnotatedWith(flowAnnotation);
        if (unavailable != null) {
            // One error for the whole compilation: every handler fails for the same reason.
            Element first = !handlers.isEmpty() ? handlers.iterator().next() : flows.isEmpty() ? null : flows.iterator().next();
            if (first != null && !environmentReported) {
                environmentReported = true;
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "[KioEnvironment] " + unavailable, first);
            }
            return true;
        }
        List<Problem> problems = new ArrayList<>();
        // A handler is generated only if nothing in its top-level class is wrong; other handlers still
        // are, so that code naming them does not add errors of its own.
        Set<Element> wrongRoots = new HashSet<>();
        for (Element f : flows) {
            Element owner = f.getEnclosingElement();
            if (owner.getAnnotation(dev.kio.IoHandler.class) == null) {
                problems.add(Problem.on(f, "FlowHandlerClass", "@Flow method " + f.getSimpleName() + " is in "
                        + owner.getSimpleName() + ", which is not an @IoHandler class"));
                wrongRoots.add(outermost((TypeElement) owner));
            }
        }
        for (Element root : round.getRootElements()) {
            if (root instanceof TypeElement te && !isGenerated(te)) {
                int before = problems.size();
                checkAwaitsOutsideFlows(te, problems);
                if (problems.size() > before) {
                    wrongRoots.add(te);
                }
            }
        }
        List<TypeElement> handlerTypes = new ArrayList<>();
        for (Element h : handlers) {
            if (h instanceof TypeElement type) {
                handlerTypes.add(type);
            }
        }
        List<TypeElement> stillDeferred = deferred.stream().map(processingEnv.getElementUtils()::getTypeElement).toList();
        for (TypeElement type : stillDeferred) {
            if (!round.processingOver()) {
                handlerTypes.add(type);
                continue;
            }
            // No later round can resolve the names (nothing was generated, or errors ended processing).
            Problem cycle = waitsForAGeneratedClass(type, stillDeferred);
            if (cycle != null) {
                problems.add(cycle);
            } else {
                // javac reports what is wrong.
                processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE, "[FlowUnresolved] kio did not generate "
                        + generatedName(type) + ": its flows use names that were not resolved when annotation processing"
                        + " ended; see javac's errors", type);
            }
        }
        deferred.clear();
        // The classes this round writes: a flow may start their flows before they exist.
        Map<String, TypeElement> generating = new HashMap<>();
        Members members = new Members(processingEnv.getElementUtils());
        for (TypeElement type : handlerTypes) {
            generating.put(qualifiedGeneratedName(type), type);
        }
        for (TypeElement type : handlerTypes) {
            List<Problem> own = new ArrayList<>();
            String source;
            try {
                source = processHandler(type, own, generating, members);
            } catch (Unresolved u) {
                deferred.add(type.getQualifiedName().toString());
                continue;
            }
            problems.addAll(own);
            if (own.isEmpty() && source != null && !wrongRoots.contains(outermost(type))) {
                write(type, source, problems);
            }
        }
        for (Problem p : problems) {
            report(p);
        }
        return true;
    }

    /**
     * Why {@code type}, put off until processing ended, was never generated, when its code names
     * the generated class of a handler that was put off too (or its own): each waited for the
     * other's class to be written before its own could be typed. javac's "cannot find symbol" for
     * that class would mislead, since kio was to write it.
     */
    private Problem waitsForAGeneratedClass(TypeElement type, List<TypeElement> putOff) {
        Map<String, TypeElement> bySimpleName = new HashMap<>();
        for (TypeElement t : putOff) {
            bySimpleName.put(generatedName(t), t);
        }
        TreePath path = trees.getPath(type);
        if (path == null) {
            return null;
        }
        Problem[] found = new Problem[1];
        new TreePathScanner<Void, Void>() {
            @Override
            public Void visitIdentifier(IdentifierTree id, Void p) {
                check(id, id.getName().toString());
                return null;
            }

            @Override
            public Void visitMemberSelect(MemberSelectTree ms, Void p) {
                check(ms, ms.getIdentifier().toString());
                return super.visitMemberSelect(ms, p);
            }

            private void check(Tree at, String name) {
                TypeElement other = bySimpleName.get(name);
                if (found[0] != null || other == null) {
                    return;
                }
                String which = other.equals(type) ? ", the class it is generating"
                        : ", which it could not write first: " + other.getQualifiedName()
                                + " was put off as well, waiting for a generated class in turn";
                found[0] = Problem.at(at, path.getCompilationUnit(), type, "FlowGeneratedType", "kio cannot generate "
                        + generatedName(type) + ": its flows keep a value across an await whose type kio must infer from "
                        + name + which + ". Keep such values in locals whose type is written out (" + name
                        + " x = ...), not in var or a temporary inside an expression.");
            }
        }.scan(path, null);
        return found[0];
    }

    private static Element outermost(TypeElement type) {
        Element e = type;
        while (e.getEnclosingElement() instanceof TypeElement outer) {
            e = outer;
        }
        return e;
    }

    private static boolean isGenerated(TypeElement type) {
        javax.annotation.processing.Generated g = type.getAnnotation(javax.annotation.processing.Generated.class);
        return g != null && List.of(g.value()).contains(KioProcessor.class.getName());
    }

    private void report(Problem p) {
        if (p.tree() != null) {
            trees.printMessage(Diagnostic.Kind.ERROR, p.text(), p.tree(), p.unit());
        } else {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, p.text(), p.element());
        }
    }

    private void write(TypeElement type, String source, List<Problem> problems) {
        String name = generatedName(type);
        try (Writer w = processingEnv.getFiler().createSourceFile(qualifiedGeneratedName(type), type).openWriter()) {
            w.write(source);
        } catch (IOException e) {
            problems.add(Problem.on(type, "KioWrite", "cannot write " + name + ": " + e.getMessage()));
        }
    }

    private String qualifiedGeneratedName(TypeElement type) {
        String pkg = processingEnv.getElementUtils().getPackageOf(type).getQualifiedName().toString();
        return pkg.isEmpty() ? generatedName(type) : pkg + "." + generatedName(type);
    }

    static String generatedName(TypeElement type) {
        StringBuilder b = new StringBuilder(type.getSimpleName());
        for (Element e = type.getEnclosingElement(); e instanceof TypeElement t; e = t.getEnclosingElement()) {
            b.insert(0, t.getSimpleName() + "_");
        }
        return b.append("_Kio").toString();
    }

    /** Checks the class and its flows, then lowers each flow; null when something is wrong (see {@code problems}). */
    private String processHandler(TypeElement type, List<Problem> problems, Map<String, TypeElement> generating,
            Members members) {
        checkHandlerClass(type, problems);
        TreePath typePath = trees.getPath(type);
        if (typePath == null) {
            problems.add(Problem.on(type, "KioEnvironment", "the source of " + type + " is not available to the processor"));
            return null;
        }
        CompilationUnitTree unit = typePath.getCompilationUnit();
        List<FlowMethod> flows = new ArrayList<>();
        Map<String, Integer> frameNames = new HashMap<>();
        for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
            if (m.getAnnotation(dev.kio.Flow.class) == null) {
                continue;
            }
            checkFlowMethod(m, problems);
            String base = Character.toUpperCase(m.getSimpleName().charAt(0)) + m.getSimpleName().toString().substring(1) + "Flow";
            int n = frameNames.merge(base, 1, Integer::sum);
            flows.add(new FlowMethod(m, trees.getTree(m), n == 1 ? base : base + n, m.getSimpleName().toString()));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        SourcePositions positions = trees.getSourcePositions();
        AwaitNames awaitNames = new AwaitNames(unit);
        Map<FlowMethod, FlowScan> scans = new LinkedHashMap<>();
        // Trees.getPath(element) searches the whole compilation unit: once per flow.
        Map<FlowMethod, TreePath> paths = new HashMap<>();
        for (FlowMethod f : flows) {
            FlowScan scan = new FlowScan(unit, positions, members, type, flows, awaitNames, f.element());
            TreePath path = new TreePath(typePath, f.tree());
            paths.put(f, path);
            scan.scanFlow(path);
            problems.addAll(scan.problems);
            scans.put(f, scan);
        }
        checkRecursion(scans, unit, problems);
        if (!problems.isEmpty()) {
            return null;
        }
        List<HandlerWriter.Lowered> lowered = new ArrayList<>();
        for (FlowMethod f : flows) {
            FlowScan scan = scans.get(f);
            Typer typer = new Typer(trees, members, processingEnv.getTypeUtils(), unit, type,
                    paths.get(f), scan, generating);
            checkUnawaited(f, scan, typer, unit, problems);
            Map<FlowMethod, String> embedded = new LinkedHashMap<>();
            for (FlowMethod callee : scan.flowCalls.values()) {
                embedded.putIfAbsent(callee, "$" + callee.frameName().substring(0, 1).toLowerCase()
                        + callee.frameName().substring(1));
            }
            try {
                Lowering l = new Lowering(typer, scan, unit, positions, f, embedded);
                l.lower();
                lowered.add(new HandlerWriter.Lowered(f, l, embedded));
            } catch (Unsupported u) {
                problems.add(u.problem);
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return HandlerWriter.write(new Handler(type, unit, generatedName(type)), lowered, hasOtherAbstractMethods(type, members));
    }

    private static boolean hasOtherAbstractMethods(TypeElement type, Members members) {
        for (Element m : members.of(type)) {
            if (m.getKind() == ElementKind.METHOD && m.getModifiers().contains(Modifier.ABSTRACT)) {
                return true;
            }
        }
        return false;
    }

    private void checkHandlerClass(TypeElement type, List<Problem> problems) {
        if (type.getKind() != ElementKind.CLASS || !type.getModifiers().contains(Modifier.ABSTRACT)) {
            problems.add(Problem.on(type, "FlowHandlerClass", "@IoHandler " + type.getSimpleName()
                    + " must be an abstract class: kio generates the concrete subclass " + generatedName(type)
                    + ", which is what you instantiate"));
        }
        if (type.getModifiers().contains(Modifier.PRIVATE)) {
            problems.add(Problem.on(type, "FlowHandlerClass", "@IoHandler " + type.getSimpleName()
                    + " must not be private: the generated subclass extends it"));
        }
        if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
            problems.add(Problem.on(type, "FlowHandlerClass", "@IoHandler " + type.getSimpleName()
                    + " must be a top-level or static nested class"));
        }
        if (!type.getTypeParameters().isEmpty()) {
            problems.add(Problem.on(type, "FlowHandlerClass", "@IoHandler " + type.getSimpleName()
                    + " must not be generic: kio does not compile generic handlers"));
        }
        // The implicit constructor of a private class is private too: the class's own error covers it.
        List<ExecutableElement> ctors = ElementFilter.constructorsIn(type.getEnclosedElements());
        if (!ctors.isEmpty() && ctors.stream().allMatch(c -> c.getModifiers().contains(Modifier.PRIVATE)
                && processingEnv.getElementUtils().getOrigin(c) != Elements.Origin.MANDATED)) {
            problems.add(Problem.on(ctors.get(0), "FlowHandlerClass", "@IoHandler " + type.getSimpleName()
                    + " needs a constructor that is not private, for the generated subclass " + generatedName(type)
                    + " to call"));
        }
    }

    private void checkFlowMethod(ExecutableElement m, List<Problem> problems) {
        for (Modifier bad : List.of(Modifier.STATIC, Modifier.PRIVATE, Modifier.FINAL, Modifier.ABSTRACT,
                Modifier.SYNCHRONIZED, Modifier.NATIVE)) {
            if (m.getModifiers().contains(bad)) {
                problems.add(Problem.on(m, "FlowModifiers", "@Flow method " + m.getSimpleName() + " must not be "
                        + bad + ": a flow is an instance method with a body that the generated continuation runs"));
            }
        }
        if (!m.getTypeParameters().isEmpty()) {
            problems.add(Problem.on(m, "FlowGeneric", "@Flow method " + m.getSimpleName()
                    + " must not be generic: kio does not compile generic flows"));
        }
    }

    /**
     * A flow cannot embed itself: each call chain among flows must end. Reported at each call
     * that starts a cycle, naming the flows the cycle goes through.
     */
    private void checkRecursion(Map<FlowMethod, FlowScan> scans, CompilationUnitTree unit, List<Problem> problems) {
        SourcePositions positions = trees.getSourcePositions();
        for (FlowMethod start : scans.keySet()) {
            List<Map.Entry<MethodInvocationTree, FlowMethod>> calls = new ArrayList<>(scans.get(start).flowCalls.entrySet());
            calls.sort(java.util.Comparator.comparingLong(c -> positions.getStartPosition(unit, c.getKey())));
            for (Map.Entry<MethodInvocationTree, FlowMethod> call : calls) {
                List<FlowMethod> through = pathBack(call.getValue(), start, scans);
                if (through != null) {
                    problems.add(Problem.at(call.getKey(), unit, start.element(), "FlowRecursion",
                            "flow " + start.element().getSimpleName() + " calls itself"
                                    + (through.isEmpty() ? "" : " through " + String.join(", ",
                                            through.stream().map(f -> f.element().getSimpleName().toString()).toList()))
                                    + ": a called flow's frame is embedded in its caller's, so flows cannot recurse."
                                    + " To recurse, await the generated starter: each such task has its own frame."));
                }
            }
        }
    }

    /** The flows a chain of calls goes through from {@code from} back to {@code target}, in order, or null if there is none. */
    private static List<FlowMethod> pathBack(FlowMethod from, FlowMethod target, Map<FlowMethod, FlowScan> scans) {
        Map<FlowMethod, FlowMethod> reachedFrom = new HashMap<>();
        reachedFrom.put(from, from);
        java.util.ArrayDeque<FlowMethod> queue = new java.util.ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            FlowMethod f = queue.poll();
            if (f == target) {
                List<FlowMethod> path = new ArrayList<>();
                for (FlowMethod step = f; step != from; ) {
                    step = reachedFrom.get(step);
                    path.add(0, step);
                }
                return path;
            }
            for (FlowMethod callee : scans.get(f).flowCalls.values()) {
                if (reachedFrom.putIfAbsent(callee, f) == null) {
                    queue.add(callee);
                }
            }
        }
        return null;
    }

    /** An operation or task created as a statement and dropped is a bug: it would never run, or run unobserved. */
    private void checkUnawaited(FlowMethod f, FlowScan scan, Typer typer, CompilationUnitTree unit, List<Problem> problems) {
        new InPlaceScanner<Void, Void>() {
            @Override
            public Void visitExpressionStatement(ExpressionStatementTree s, Void v) {
                if (s.getExpression() instanceof MethodInvocationTree mi && !scan.awaits.contains(mi)
                        && !scan.flowCalls.containsKey(mi)) {
                    TypeMirror t = typer.typeOf(mi);
                    if (t != null && (typer.isOperation(t) || typer.taskResult(t) != null)) {
                        problems.add(Problem.at(s, unit, f.element(), "FlowUnawaitedOperation",
                                "the " + (typer.isOperation(t) ? "operation" : "task") + " '" + mi
                                        + "' is created but never awaited; write await(" + mi + ")"));
                    }
                }
                return super.visitExpressionStatement(s, v);
            }
        }.scan(f.tree().getBody(), null);
    }

    /**
     * await() belongs in flows: anywhere else it could only block, or fail at run time. Also finds
     * what the round's elements do not show: {@code @IoHandler} and {@code @Flow} in local and
     * anonymous classes.
     */
    private void checkAwaitsOutsideFlows(TypeElement root, List<Problem> problems) {
        TreePath path = trees.getPath(root);
        if (path == null) {
            return;
        }
        CompilationUnitTree unit = path.getCompilationUnit();
        AwaitNames names = new AwaitNames(unit);
        new TreePathScanner<Void, MethodTree>() {
            private boolean inFlow;

            @Override
            public Void visitClass(ClassTree c, MethodTree method) {
                if (isLocal(getCurrentPath()) && annotated(c.getModifiers(), "IoHandler")) {
                    problems.add(Problem.at(c, unit, root, "FlowHandlerClass", "@IoHandler " + c.getSimpleName()
                            + " cannot be a local class: the generated subclass must name and extend it from outside"));
                }
                return super.visitClass(c, method);
            }

            @Override
            public Void visitMethod(MethodTree m, MethodTree method) {
                if (!annotated(m.getModifiers(), "Flow")) {
                    return super.visitMethod(m, m);
                }
                TreePath owner = getCurrentPath().getParentPath();
                if (isLocal(owner) && !annotated(((ClassTree) owner.getLeaf()).getModifiers(), "IoHandler")) {
                    problems.add(Problem.at(m, unit, root, "FlowHandlerClass", "@Flow method " + m.getName()
                            + " is in a local or anonymous class, which cannot be an @IoHandler class"));
                }
                // Awaits in a flow are checked with the flow (or not at all when the flow is misplaced).
                boolean outer = inFlow;
                inFlow = true;
                super.visitMethod(m, m);
                inFlow = outer;
                return null;
            }

            @Override
            public Void visitMethodInvocation(MethodInvocationTree mi, MethodTree method) {
                if (!inFlow && names.isAwait(mi.getMethodSelect())) {
                    boolean ctor = method != null && method.getName().contentEquals("<init>");
                    problems.add(Problem.at(mi, unit, root, ctor ? "FlowAwaitInConstructor" : "FlowAwaitOutsideFlow",
                            "await can only be used in a @Flow method of an @IoHandler class"
                                    + (ctor ? "; a constructor cannot suspend" : "")));
                }
                return super.visitMethodInvocation(mi, method);
            }
        }.scan(path, null);
    }

    /** Whether the class at {@code classPath} is declared in a block or expression rather than as a member. */
    private static boolean isLocal(TreePath classPath) {
        Tree parent = classPath.getParentPath().getLeaf();
        return !(parent instanceof ClassTree || parent instanceof CompilationUnitTree);
    }

    /** Whether {@code mods} carry kio's annotation {@code simpleName}, as written in source. */
    private static boolean annotated(ModifiersTree mods, String simpleName) {
        return mods.getAnnotations().stream().map(a -> a.getAnnotationType().toString())
                .anyMatch(n -> n.equals(simpleName) || n.equals("dev.kio." + simpleName));
    }
}
