package dev.kio.processor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.sun.source.tree.BindingPatternTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.CaseTree;
import com.sun.source.tree.CatchTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.SwitchExpressionTree;
import com.sun.source.tree.SwitchTree;
import com.sun.source.tree.SynchronizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;

/**
 * Binds the names in one flow body and finds its suspension points: each identifier is resolved
 * to a local declaration, a member of the handler, or left alone (types, packages, static
 * imports); each {@code await(..)} and each call of another flow of the handler is recorded,
 * with every tree that contains one. Also reports awaits where they cannot suspend (lambdas,
 * classes, {@code synchronized}) and uses of private handler members.
 */
final class FlowScan extends TreePathScanner<Void, Void> {
    /** Where an unqualified name resolved. */
    sealed interface Binding permits Local, Member, This {
    }

    /** A local variable or parameter of the flow (or of a lambda in it). */
    record Local(VariableTree decl) implements Binding {
    }

    /** A field or method of the handler (or of a class enclosing it). */
    record Member(Element element) implements Binding {
    }

    /** {@code this}, or {@code Handler.this}. */
    record This() implements Binding {
    }

    final Map<Tree, Binding> bindings = new IdentityHashMap<>();
    final Set<MethodInvocationTree> awaits = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    final Map<MethodInvocationTree, FlowMethod> flowCalls = new IdentityHashMap<>();
    /** Every tree that contains a suspension point (not counting lambda and class bodies). */
    final Set<Tree> suspending = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Declarations of the flow's own locals (not lambda parameters or locals of lambdas and classes), with their scope. */
    final Map<VariableTree, Tree> localScopes = new LinkedHashMap<>();
    /** Pattern bindings among {@link #localScopes}. */
    final Set<VariableTree> patternBindings = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    final List<Problem> problems = new ArrayList<>();
    final List<Integer> suspensionPositions = new ArrayList<>();
    private final Map<String, VariableTree> params = new HashMap<>();

    private final CompilationUnitTree unit;
    private final SourcePositions positions;
    private final TypeElement handler;
    private final Map<String, List<FlowMethod>> flowsByName;
    private final Map<String, Element> fields = new HashMap<>();
    private final Map<String, List<Element>> methods = new HashMap<>();
    private final AwaitNames awaitNames;

    /** Innermost scope last: declared names and the tree that owns them. */
    private final Deque<Scope> scopes = new ArrayDeque<>();
    /** Lambdas and class bodies we are in; awaits there cannot suspend the flow. */
    private final Deque<Tree> deferredOwners = new ArrayDeque<>();
    private int synchronizedDepth;
    final ExecutableElement flowElement;

    private record Scope(Tree owner, Map<String, VariableTree> names, Set<String> classMembers) {
    }

    FlowScan(CompilationUnitTree unit, SourcePositions positions, Members members, TypeElement handler,
            List<FlowMethod> flows, AwaitNames awaitNames, ExecutableElement flowElement) {
        this.unit = unit;
        this.positions = positions;
        this.handler = handler;
        this.awaitNames = awaitNames;
        this.flowElement = flowElement;
        this.flowsByName = new HashMap<>();
        for (FlowMethod f : flows) {
            flowsByName.computeIfAbsent(f.element().getSimpleName().toString(), k -> new ArrayList<>()).add(f);
        }
        for (TypeElement t = handler; t != null; t = enclosingType(t)) {
            boolean outer = t != handler;
            for (Element m : members.of(t)) {
                if (outer && !m.getModifiers().contains(Modifier.STATIC)) {
                    continue;
                }
                String name = m.getSimpleName().toString();
                if (m.getKind() == ElementKind.FIELD || m.getKind() == ElementKind.ENUM_CONSTANT) {
                    fields.putIfAbsent(name, m);
                } else if (m.getKind() == ElementKind.METHOD) {
                    methods.computeIfAbsent(name, k -> new ArrayList<>()).add(m);
                }
            }
        }
    }

    private static TypeElement enclosingType(TypeElement t) {
        Element e = t.getEnclosingElement();
        return e instanceof TypeElement te ? te : null;
    }

    void scanFlow(TreePath methodPath) {
        MethodTree m = (MethodTree) methodPath.getLeaf();
        for (VariableTree p : m.getParameters()) {
            params.put(p.getName().toString(), p);
        }
        scopes.push(new Scope(m, params, Set.of()));
        scan(new TreePath(methodPath, m.getBody()), null);
        scopes.pop();
    }

    boolean suspends(Tree t) {
        return t != null && suspending.contains(t);
    }

    private long start(Tree t) {
        return positions.getStartPosition(unit, t);
    }

    private long end(Tree t) {
        return positions.getEndPosition(unit, t);
    }

    private void declare(VariableTree v, Tree scopeOwner) {
        scopes.peek().names().put(v.getName().toString(), v);
        if (deferredOwners.isEmpty()) {
            localScopes.put(v, scopeOwner);
        }
    }

    private void withScope(Tree owner, Runnable body) {
        scopes.push(new Scope(owner, new HashMap<>(), Set.of()));
        try {
            body.run();
        } finally {
            scopes.pop();
        }
    }

    @Override
    public Void visitBlock(BlockTree node, Void v) {
        withScope(node, () -> super.visitBlock(node, v));
        return null;
    }

    @Override
    public Void visitVariable(VariableTree node, Void v) {
        // The initializer cannot see the variable, but Java forbids it from naming it anyway.
        scan(node.getType(), v);
        scan(node.getInitializer(), v);
        declare(node, scopes.peek().owner());
        return null;
    }

    @Override
    public Void visitForLoop(ForLoopTree node, Void v) {
        withScope(node, () -> super.visitForLoop(node, v));
        return null;
    }

    @Override
    public Void visitEnhancedForLoop(EnhancedForLoopTree node, Void v) {
        scan(node.getExpression(), v);
        withScope(node, () -> {
            scan(node.getVariable().getType(), v);
            declare(node.getVariable(), node);
            scan(node.getStatement(), v);
        });
        return null;
    }

    @Override
    public Void visitCatch(CatchTree node, Void v) {
        withScope(node, () -> {
            scan(node.getParameter().getType(), v);
            declare(node.getParameter(), node);
            scan(node.getBlock(), v);
        });
        return null;
    }

    @Override
    public Void visitTry(TryTree node, Void v) {
        withScope(node, () -> {
            scan(node.getResources(), v);
            scan(node.getBlock(), v);
        });
        scan(node.getCatches(), v);
        scan(node.getFinallyBlock(), v);
        return null;
    }

    @Override
    public Void visitSwitch(SwitchTree node, Void v) {
        scan(node.getExpression(), v);
        withScope(node, () -> scan(node.getCases(), v));
        return null;
    }

    @Override
    public Void visitSwitchExpression(SwitchExpressionTree node, Void v) {
        scan(node.getExpression(), v);
        withScope(node, () -> scan(node.getCases(), v));
        return null;
    }

    @Override
    public Void visitCase(CaseTree node, Void v) {
        if (node.getCaseKind() == CaseTree.CaseKind.RULE) {
            withScope(node, () -> super.visitCase(node, v));
        } else {
            super.visitCase(node, v);
        }
        return null;
    }

    @Override
    public Void visitBindingPattern(BindingPatternTree node, Void v) {
        scan(node.getVariable().getType(), v);
        // A binding is in scope where the pattern matched: approximated by the enclosing scope.
        declare(node.getVariable(), scopes.peek().owner());
        if (deferredOwners.isEmpty()) {
            patternBindings.add(node.getVariable());
        }
        return null;
    }

    @Override
    public Void visitLambdaExpression(LambdaExpressionTree node, Void v) {
        deferredOwners.push(node);
        withScope(node, () -> {
            for (VariableTree p : node.getParameters()) {
                scan(p.getType(), v);
                declare(p, node);
            }
            scan(node.getBody(), v);
        });
        deferredOwners.pop();
        return null;
    }

    @Override
    public Void visitClass(ClassTree node, Void v) {
        Set<String> own = new HashSet<>();
        for (Tree member : node.getMembers()) {
            if (member instanceof VariableTree f) {
                own.add(f.getName().toString());
            } else if (member instanceof MethodTree mt) {
                own.add(mt.getName().toString());
            }
        }
        deferredOwners.push(node);
        scopes.push(new Scope(node, new HashMap<>(), own));
        super.visitClass(node, v);
        scopes.pop();
        deferredOwners.pop();
        return null;
    }

    @Override
    public Void visitNewClass(NewClassTree node, Void v) {
        scan(node.getEnclosingExpression(), v);
        scan(node.getIdentifier(), v);
        scan(node.getTypeArguments(), v);
        scan(node.getArguments(), v);
        scan(node.getClassBody(), v);
        return null;
    }

    @Override
    public Void visitMethod(MethodTree node, Void v) {
        // A method of a local or anonymous class: its parameters are its own scope.
        withScope(node, () -> {
            for (VariableTree p : node.getParameters()) {
                declare(p, node);
            }
            scan(node.getBody(), v);
        });
        return null;
    }

    @Override
    public Void visitSynchronized(SynchronizedTree node, Void v) {
        scan(node.getExpression(), v);
        synchronizedDepth++;
        scan(node.getBlock(), v);
        synchronizedDepth--;
        return null;
    }

    @Override
    public Void visitMethodInvocation(MethodInvocationTree node, Void v) {
        ExpressionTree select = node.getMethodSelect();
        boolean await = awaitNames.isAwait(select) && !(select instanceof IdentifierTree id && lookup(id.getName().toString()) == null
                && methods.containsKey(id.getName().toString()));
        FlowMethod callee = await ? null : flowCallee(node);
        if (await || callee != null) {
            String what = await ? "await" : "the flow call " + callee.element().getSimpleName() + "(..)";
            if (!deferredOwners.isEmpty()) {
                Tree owner = deferredOwners.peek();
                boolean lambda = owner instanceof LambdaExpressionTree;
                problems.add(Problem.at(node, unit, flowElement, lambda ? "FlowAwaitInLambda" : "FlowAwaitInClass",
                        what + " inside " + (lambda ? "a lambda" : "an anonymous or local class")
                                + " cannot suspend the flow: that code runs later, outside it. Await in the flow body itself."));
            } else if (synchronizedDepth > 0) {
                problems.add(Problem.at(node, unit, flowElement, "FlowAwaitInSynchronized",
                        what + " inside a synchronized block would hold the monitor across a suspension, on a worker"
                                + " shared with other flows. Release the lock before awaiting."));
            } else {
                if (await) {
                    awaits.add(node);
                } else {
                    flowCalls.put(node, callee);
                }
                suspensionPositions.add((int) start(node));
                for (TreePath p = getCurrentPath(); p != null && !(p.getLeaf() instanceof MethodTree); p = p.getParentPath()) {
                    suspending.add(p.getLeaf());
                }
            }
        }
        if (select instanceof IdentifierTree id) {
            String name = id.getName().toString();
            if (!await && lookup(name) == null && !inClassDeclaring(name)) {
                List<Element> ms = methods.get(name);
                if (ms != null && !ms.isEmpty()) {
                    bindMember(id, ms.get(0));
                }
            }
        } else {
            scan(select, v);
        }
        scan(node.getTypeArguments(), v);
        scan(node.getArguments(), v);
        return null;
    }

    private FlowMethod flowCallee(MethodInvocationTree node) {
        ExpressionTree select = node.getMethodSelect();
        String name;
        if (select instanceof IdentifierTree id) {
            name = id.getName().toString();
        } else if (select instanceof MemberSelectTree ms && isThis(ms.getExpression())) {
            name = ms.getIdentifier().toString();
        } else {
            return null;
        }
        if (!deferredOwners.isEmpty() && inClassDeclaring(name)) {
            return null;
        }
        List<FlowMethod> candidates = flowsByName.get(name);
        if (candidates == null) {
            return null;
        }
        int arity = node.getArguments().size();
        FlowMethod match = candidates.stream().filter(f -> f.element().getParameters().size() == arity).findFirst().orElse(null);
        if (match == null) {
            return null;
        }
        // Flows are told apart by name and argument count only: an overload of the same size would be a guess.
        List<Element> sameSize = methods.get(name).stream()
                .filter(m -> ((ExecutableElement) m).getParameters().size() == arity).toList();
        if (sameSize.size() > 1) {
            problems.add(Problem.at(node, unit, flowElement, "FlowUnsupported", "kio cannot tell which of " + sameSize
                    + " this call means: a flow is picked by its name and number of arguments. Rename the flow."));
            return null;
        }
        return match;
    }

    private boolean isThis(ExpressionTree e) {
        return e instanceof IdentifierTree id && id.getName().contentEquals("this")
                || e instanceof MemberSelectTree ms && ms.getIdentifier().contentEquals("this")
                        && ms.getExpression() instanceof IdentifierTree q && q.getName().contentEquals(handler.getSimpleName());
    }

    @Override
    public Void visitMemberSelect(MemberSelectTree node, Void v) {
        if (node.getIdentifier().contentEquals("this") && deferredOwners.stream().noneMatch(o -> o instanceof ClassTree)) {
            bindings.put(node, new This());
            return null;
        }
        if (node.getExpression() instanceof IdentifierTree q && q.getName().contentEquals("super")
                && deferredOwners.stream().noneMatch(o -> o instanceof ClassTree)) {
            problems.add(Problem.at(node, unit, flowElement, "FlowSuper",
                    "super." + node.getIdentifier() + " cannot be reached from the generated continuation, which is not"
                            + " the handler itself. Call it through a method of the handler that is not a flow."));
            return null;
        }
        return super.visitMemberSelect(node, v);
    }

    @Override
    public Void visitIdentifier(IdentifierTree node, Void v) {
        String name = node.getName().toString();
        if (name.equals("this")) {
            if (deferredOwners.stream().noneMatch(o -> o instanceof ClassTree)) {
                bindings.put(node, new This());
            }
            return null;
        }
        VariableTree local = lookup(name);
        if (local != null) {
            bindings.put(node, new Local(local));
            return null;
        }
        if (inClassDeclaring(name)) {
            return null;
        }
        Element field = fields.get(name);
        if (field != null) {
            bindMember(node, field);
        }
        return null;
    }

    private void bindMember(IdentifierTree node, Element member) {
        bindings.put(node, new Member(member));
        if (member.getModifiers().contains(Modifier.PRIVATE)) {
            problems.add(Problem.at(node, unit, flowElement, "FlowPrivateMember",
                    "the flow uses the private " + (member.getKind() == ElementKind.METHOD ? "method " : "field ")
                            + member.getSimpleName() + " of " + member.getEnclosingElement().getSimpleName()
                            + ": the generated continuation cannot reach private members. Make it package-private."));
        }
    }

    private VariableTree lookup(String name) {
        for (Scope s : scopes) {
            if (s.classMembers().contains(name)) {
                return null;
            }
            VariableTree v = s.names().get(name);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private boolean inClassDeclaring(String name) {
        for (Scope s : scopes) {
            if (s.classMembers().contains(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The parameter or the one local of the flow named {@code name} that is declared before
     * {@code at} in a scope containing it; null if there is none, or more than one such local
     * (a pattern binding's scope is approximated by the scope around it).
     */
    VariableTree declaredBefore(String name, Tree at) {
        VariableTree param = params.get(name);
        if (param != null) {
            return param;
        }
        long pos = start(at);
        VariableTree found = null;
        for (Map.Entry<VariableTree, Tree> e : localScopes.entrySet()) {
            VariableTree d = e.getKey();
            if (d.getName().contentEquals(name) && end(d) <= pos && start(e.getValue()) <= pos && pos < end(e.getValue())) {
                if (found != null) {
                    return null;
                }
                found = d;
            }
        }
        return found;
    }

    /** Whether a suspension point lies after {@code decl} inside its scope: then the local lives across it. */
    boolean livesAcrossSuspension(VariableTree decl) {
        Tree scope = localScopes.get(decl);
        if (scope == null) {
            return false;
        }
        long from = end(decl);
        long to = end(scope);
        for (int p : suspensionPositions) {
            if (p > from && p < to) {
                return true;
            }
        }
        return false;
    }
}
