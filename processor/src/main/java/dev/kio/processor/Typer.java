package dev.kio.processor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.ArrayTypeTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParameterizedTypeTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.PrimitiveTypeTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.WildcardTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.ExecutableType;
import javax.lang.model.type.PrimitiveType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.TypeVariable;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * The types a flow's lowering needs before javac has type-checked the body: of locals (exact,
 * from {@link Trees#getScope}, which type-checks a copy and leaves the user's trees alone) and of
 * the expressions whose value must be kept across an await (a small attribution of its own:
 * literals, names, fields, calls resolved by name and arguments, casts, operators). Answers
 * null where it cannot tell; the lowering then asks the user to name the value in a local.
 */
final class Typer {
    private final Trees trees;
    private final Members members;
    private final Elements elements;
    private final Types types;
    private final CompilationUnitTree unit;
    private final TypeElement handler;
    private final TreePath method;
    private final FlowScan scan;
    private final TypeMirror operation;
    private final TypeElement task;
    /** The handlers of this round by the qualified name of the class kio generates for each, which does not exist yet. */
    private final Map<String, TypeElement> generating;
    private final Map<Tree, TreePath> pathCache = new IdentityHashMap<>();
    private final Map<Tree, Map<String, TypeMirror>> scopeCache = new IdentityHashMap<>();
    /** Per local, and per expression: null values are answers too (cannot tell). */
    private final Map<VariableTree, TypeMirror> localTypes = new IdentityHashMap<>();
    private final Map<ExpressionTree, TypeMirror> expressionTypes = new IdentityHashMap<>();
    /** The types scopes asked so far gave the flow's locals. */
    private final Map<VariableTree, TypeMirror> seenInScope = new IdentityHashMap<>();

    Typer(Trees trees, Members members, Types types, CompilationUnitTree unit, TypeElement handler,
            TreePath method, FlowScan scan, Map<String, TypeElement> generating) {
        this.trees = trees;
        this.members = members;
        this.elements = members.elements;
        this.types = types;
        this.unit = unit;
        this.handler = handler;
        this.method = method;
        this.scan = scan;
        this.generating = generating;
        TypeElement op = elements.getTypeElement("dev.kio.Operation");
        this.operation = op == null ? null : op.asType();
        this.task = elements.getTypeElement("dev.kio.Task");
    }

    TreePath pathOf(Tree t) {
        return pathCache.computeIfAbsent(t, k -> TreePath.getPath(method, k));
    }

    /** The type of a local, from a place where it is in scope; null when it cannot be told. */
    TypeMirror localType(VariableTree decl) {
        // A local has one type wherever it is read: each getScope type-checks a copy of the whole method.
        if (localTypes.containsKey(decl)) {
            return localTypes.get(decl);
        }
        TypeMirror t = findLocalType(decl);
        localTypes.put(decl, t);
        return t;
    }

    private TypeMirror findLocalType(VariableTree decl) {
        if (decl.getType() instanceof PrimitiveTypeTree || decl.getType() instanceof ArrayTypeTree a
                && a.getType() instanceof PrimitiveTypeTree) {
            return resolveTypeTree(decl.getType());
        }
        TypeMirror known = seenInScope.get(decl);
        if (known != null) {
            return known;
        }
        // A parameter's type is the flow method's, exact without a scope (each getScope type-checks a copy of the method).
        int parameter = ((MethodTree) method.getLeaf()).getParameters().indexOf(decl);
        if (parameter >= 0) {
            TypeMirror t = scan.flowElement.getParameters().get(parameter).asType();
            if (!erroneous(t)) {
                return t;
            }
        }
        for (Map.Entry<Tree, FlowScan.Binding> e : scan.bindings.entrySet()) {
            if (e.getValue() instanceof FlowScan.Local l && l.decl() == decl) {
                TypeMirror t = scopeTypes(e.getKey()).get(decl.getName().toString());
                if (t != null && !erroneous(t)) {
                    return t;
                }
            }
        }
        if (decl.getType() == null) {
            // A var local that is never read has no use site to take its type from: its initializer
            // has it, and a loop variable is in scope in the loop's body. So has one javac could not
            // type because its initializer starts a flow of a class generated in this round.
            TreePath p = pathOf(decl);
            if (p != null && p.getParentPath().getLeaf() instanceof EnhancedForLoopTree f) {
                TypeMirror t = scopeTypes(f.getStatement()).get(decl.getName().toString());
                return erroneous(t) ? null : t;
            }
            return decl.getInitializer() == null ? null : typeOf(decl.getInitializer());
        }
        return resolveTypeTree(decl.getType());
    }

    private Map<String, TypeMirror> scopeTypes(Tree at) {
        return scopeCache.computeIfAbsent(at, k -> {
            Map<String, TypeMirror> m = new HashMap<>();
            TreePath p = pathOf(k);
            if (p == null) {
                return m;
            }
            for (com.sun.source.tree.Scope s = trees.getScope(p); s != null && s.getEnclosingMethod() != null;
                    s = s.getEnclosingScope()) {
                for (Element e : s.getLocalElements()) {
                    switch (e.getKind()) {
                        case LOCAL_VARIABLE, PARAMETER, EXCEPTION_PARAMETER, RESOURCE_VARIABLE, BINDING_VARIABLE ->
                            m.putIfAbsent(e.getSimpleName().toString(), e.asType());
                        default -> {
                        }
                    }
                }
            }
            learnLocals(p, m);
            return m;
        });
    }

    /**
     * Keeps what one scope says of every local in it, so that typing the flow asks javac for a
     * scope about once instead of once per local. Not from inside a class body, whose own locals
     * may hide the flow's.
     */
    private void learnLocals(TreePath at, Map<String, TypeMirror> inScope) {
        for (TreePath p = at; p != null && p.getLeaf() != method.getLeaf(); p = p.getParentPath()) {
            if (p.getLeaf() instanceof com.sun.source.tree.ClassTree || p.getLeaf() instanceof com.sun.source.tree.LambdaExpressionTree) {
                return;
            }
        }
        for (Map.Entry<String, TypeMirror> e : inScope.entrySet()) {
            VariableTree decl = e.getValue() == null || erroneous(e.getValue()) ? null : scan.declaredBefore(e.getKey(), at.getLeaf());
            if (decl != null) {
                seenInScope.putIfAbsent(decl, e.getValue());
            }
        }
    }

    boolean isSubtype(TypeMirror a, TypeMirror b) {
        return types.isSubtype(types.erasure(a), types.erasure(b));
    }

    boolean isOperation(TypeMirror t) {
        return operation != null && t != null && types.isAssignable(t, operation);
    }

    /** The {@code R} of a {@code Task<R>} type, or null if {@code t} is not a task. */
    TypeMirror taskResult(TypeMirror t) {
        if (task == null || !(t instanceof DeclaredType dt)) {
            return null;
        }
        if (dt.asElement().equals(task)) {
            List<? extends TypeMirror> args = dt.getTypeArguments();
            if (args.isEmpty()) {
                return elements.getTypeElement("java.lang.Object").asType();
            }
            TypeMirror a = args.get(0);
            return a instanceof WildcardType w ? (w.getExtendsBound() != null ? w.getExtendsBound()
                    : elements.getTypeElement("java.lang.Object").asType()) : a;
        }
        for (TypeMirror s : types.directSupertypes(t)) {
            TypeMirror r = taskResult(s);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Source text for {@code t} usable as a field type in the generated class, or null when the
     * type cannot be written (anonymous, intersection, captured, or unresolved).
     */
    static String writable(TypeMirror t) {
        if (t == null) {
            return null;
        }
        return switch (t.getKind()) {
            case BOOLEAN, BYTE, SHORT, INT, LONG, CHAR, FLOAT, DOUBLE -> t.toString();
            case ARRAY -> {
                String c = writable(((ArrayType) t).getComponentType());
                yield c == null ? null : c + "[]";
            }
            case DECLARED -> {
                DeclaredType d = (DeclaredType) t;
                TypeElement e = (TypeElement) d.asElement();
                if (e.getNestingKind() == NestingKind.ANONYMOUS || e.getNestingKind() == NestingKind.LOCAL) {
                    yield null;
                }
                StringBuilder b = new StringBuilder(e.getQualifiedName());
                if (!d.getTypeArguments().isEmpty()) {
                    b.append('<');
                    for (int i = 0; i < d.getTypeArguments().size(); i++) {
                        String a = writable(d.getTypeArguments().get(i));
                        if (a == null) {
                            yield null;
                        }
                        b.append(i > 0 ? ", " : "").append(a);
                    }
                    b.append('>');
                }
                yield b.toString();
            }
            case WILDCARD -> {
                WildcardType w = (WildcardType) t;
                if (w.getExtendsBound() != null) {
                    String b = writable(w.getExtendsBound());
                    yield b == null ? null : "? extends " + b;
                }
                if (w.getSuperBound() != null) {
                    String b = writable(w.getSuperBound());
                    yield b == null ? null : "? super " + b;
                }
                yield "?";
            }
            case TYPEVAR -> t.toString().contains("capture#") ? null : ((TypeVariable) t).asElement().getSimpleName().toString();
            default -> null;
        };
    }

    TypeMirror boxed(TypeMirror t) {
        return t != null && t.getKind().isPrimitive() ? types.boxedClass((PrimitiveType) t).asType() : t;
    }

    private TypeMirror unboxedOrSelf(TypeMirror t) {
        try {
            return types.unboxedType(t);
        } catch (IllegalArgumentException notABox) {
            return t;
        }
    }

    TypeMirror string() {
        return elements.getTypeElement("java.lang.String").asType();
    }

    /** The static type of {@code e}, or null when this small attribution cannot tell (or javac could not either). */
    TypeMirror typeOf(ExpressionTree e) {
        // Asked again for the same trees: by the check for unawaited operations, then by the lowering.
        if (expressionTypes.containsKey(e)) {
            return expressionTypes.get(e);
        }
        TypeMirror t = attribute(e);
        t = erroneous(t) ? null : t;
        expressionTypes.put(e, t);
        return t;
    }

    private TypeMirror attribute(ExpressionTree e) {
        return switch (e) {
            case ParenthesizedTree p -> typeOf(p.getExpression());
            case LiteralTree l -> literal(l);
            case IdentifierTree id -> identifier(id);
            case MemberSelectTree ms -> memberSelect(ms);
            case MethodInvocationTree mi -> invocation(mi);
            case TypeCastTree c -> resolveTypeTree(c.getType());
            case NewClassTree n -> n.getClassBody() == null ? resolveTypeTree(n.getIdentifier()) : null;
            case NewArrayTree n -> n.getType() == null ? null : arrayOf(resolveTypeTree(n.getType()),
                    Math.max(1, n.getDimensions().size() + n.getDimAnnotations().size()));
            case ArrayAccessTree a -> typeOf(a.getExpression()) instanceof ArrayType at ? at.getComponentType() : null;
            case AssignmentTree a -> typeOf(a.getVariable());
            case CompoundAssignmentTree a -> typeOf(a.getVariable());
            case UnaryTree u -> u.getKind() == Tree.Kind.LOGICAL_COMPLEMENT ? bool() : unary(typeOf(u.getExpression()), u);
            case BinaryTree b -> binary(b);
            case ConditionalExpressionTree c -> conditional(typeOf(c.getTrueExpression()), typeOf(c.getFalseExpression()));
            case com.sun.source.tree.InstanceOfTree i -> bool();
            default -> null;
        };
    }

    private TypeMirror arrayOf(TypeMirror t, int dims) {
        if (t == null) {
            return null;
        }
        for (int i = 0; i < dims; i++) {
            t = types.getArrayType(t);
        }
        return t;
    }

    private TypeMirror bool() {
        return types.getPrimitiveType(TypeKind.BOOLEAN);
    }

    private TypeMirror literal(LiteralTree l) {
        return switch (l.getKind()) {
            case INT_LITERAL -> types.getPrimitiveType(TypeKind.INT);
            case LONG_LITERAL -> types.getPrimitiveType(TypeKind.LONG);
            case FLOAT_LITERAL -> types.getPrimitiveType(TypeKind.FLOAT);
            case DOUBLE_LITERAL -> types.getPrimitiveType(TypeKind.DOUBLE);
            case BOOLEAN_LITERAL -> bool();
            case CHAR_LITERAL -> types.getPrimitiveType(TypeKind.CHAR);
            case STRING_LITERAL -> string();
            case NULL_LITERAL -> types.getNullType();
            default -> null;
        };
    }

    private TypeMirror identifier(IdentifierTree id) {
        FlowScan.Binding b = scan.bindings.get(id);
        if (b instanceof FlowScan.Local l) {
            return localType(l.decl());
        }
        if (b instanceof FlowScan.Member m && m.element().getKind() != ElementKind.METHOD) {
            return memberType(handler.asType(), m.element());
        }
        if (b instanceof FlowScan.This) {
            return handler.asType();
        }
        return null;
    }

    private TypeMirror memberType(TypeMirror owner, Element member) {
        if (owner instanceof DeclaredType dt && !member.getModifiers().contains(Modifier.STATIC)) {
            try {
                return types.asMemberOf(dt, member);
            } catch (IllegalArgumentException notAMember) {
                return member.asType();
            }
        }
        return member.asType();
    }

    private TypeMirror memberSelect(MemberSelectTree ms) {
        if (scan.bindings.get(ms) instanceof FlowScan.This) {
            return handler.asType();
        }
        String name = ms.getIdentifier().toString();
        TypeMirror recv = typeOf(ms.getExpression());
        if (recv == null) {
            TypeElement type = resolveTypeName(ms.getExpression());
            if (type == null) {
                return null;
            }
            recv = type.asType();
        }
        if (recv instanceof ArrayType && name.equals("length")) {
            return types.getPrimitiveType(TypeKind.INT);
        }
        if (!(recv instanceof DeclaredType dt)) {
            return null;
        }
        for (Element m : members.of((TypeElement) dt.asElement())) {
            if ((m.getKind() == ElementKind.FIELD || m.getKind() == ElementKind.ENUM_CONSTANT)
                    && m.getSimpleName().contentEquals(name)) {
                return memberType(recv, m);
            }
        }
        return null;
    }

    private TypeMirror invocation(MethodInvocationTree mi) {
        if (scan.awaits.contains(mi)) {
            TypeMirror arg = typeOf(mi.getArguments().get(0));
            if (isOperation(arg)) {
                return types.getPrimitiveType(TypeKind.INT);
            }
            return taskResult(arg);
        }
        FlowMethod callee = scan.flowCalls.get(mi);
        if (callee != null) {
            return callee.element().getReturnType();
        }
        TypeMirror recv;
        String name;
        if (mi.getMethodSelect() instanceof IdentifierTree id) {
            if (!(scan.bindings.get(id) instanceof FlowScan.Member)) {
                return null;
            }
            recv = handler.asType();
            name = id.getName().toString();
        } else if (mi.getMethodSelect() instanceof MemberSelectTree ms) {
            name = ms.getIdentifier().toString();
            recv = typeOf(ms.getExpression());
            if (recv == null) {
                TypeElement type = resolveTypeName(ms.getExpression());
                if (type == null) {
                    TypeElement pending = generatedFor(ms.getExpression());
                    return pending == null ? null : starterType(pending, name, mi.getArguments().size());
                }
                recv = type.asType();
            }
        } else {
            return null;
        }
        if (!(recv instanceof DeclaredType dt)) {
            return null;
        }
        List<ExecutableElement> candidates = new ArrayList<>();
        int args = mi.getArguments().size();
        for (Element m : members.of((TypeElement) dt.asElement())) {
            if (m.getKind() == ElementKind.METHOD && m.getSimpleName().contentEquals(name)) {
                ExecutableElement x = (ExecutableElement) m;
                int n = x.getParameters().size();
                if (n == args || x.isVarArgs() && args >= n - 1) {
                    candidates.add(x);
                }
            }
        }
        if (candidates.size() > 1) {
            TypeMirror same = commonReturnType(candidates);
            if (same != null) {
                // Whichever overload applies, the call has this type (sb.append(...) is a StringBuilder):
                // no need to type the arguments and rank the overloads.
                return same;
            }
            candidates = mostSpecific(candidates, dt, mi.getArguments());
        }
        if (candidates.size() != 1) {
            return null;
        }
        ExecutableElement chosen = candidates.get(0);
        TypeMirror ret = memberType(recv, chosen) instanceof ExecutableType et ? et.getReturnType() : chosen.getReturnType();
        if (!chosen.getTypeParameters().isEmpty() && mentionsTypeVariable(ret)) {
            return null;
        }
        return ret;
    }

    /** The return type all of {@code candidates} declare, when none is generic or mentions a type variable; else null. */
    private TypeMirror commonReturnType(List<ExecutableElement> candidates) {
        TypeMirror common = null;
        for (ExecutableElement m : candidates) {
            TypeMirror r = m.getReturnType();
            if (!m.getTypeParameters().isEmpty() || mentionsTypeVariable(r) || common != null && !types.isSameType(common, r)) {
                return null;
            }
            common = r;
        }
        return common;
    }

    /**
     * Overload resolution as JLS 15.12.2 does it for fixed arity: the candidates applicable without
     * boxing, else with boxing, then the most specific of those ({@code sb.append("x")} is
     * {@code append(String)}, not {@code append(Object)} or {@code append(CharSequence)}).
     */
    private List<ExecutableElement> mostSpecific(List<ExecutableElement> candidates, DeclaredType owner,
            List<? extends ExpressionTree> args) {
        List<TypeMirror> argTypes = new ArrayList<>();
        for (ExpressionTree a : args) {
            TypeMirror t = typeOf(a);
            if (t == null) {
                return List.of();
            }
            argTypes.add(t);
        }
        List<ExecutableElement> applicable = new ArrayList<>();
        for (boolean boxing : new boolean[] {false, true}) {
            for (ExecutableElement c : candidates) {
                if (applicable(c, owner, argTypes, boxing)) {
                    applicable.add(c);
                }
            }
            if (!applicable.isEmpty()) {
                break;
            }
        }
        List<ExecutableElement> best = new ArrayList<>();
        for (ExecutableElement c : applicable) {
            if (applicable.stream().allMatch(d -> d == c || moreSpecific(c, d, owner))) {
                best.add(c);
            }
        }
        return best;
    }

    private boolean applicable(ExecutableElement m, DeclaredType owner, List<TypeMirror> args, boolean boxing) {
        List<? extends TypeMirror> params = parameterTypes(m, owner);
        if (m.isVarArgs() || params.size() != args.size()) {
            return false;
        }
        for (int i = 0; i < args.size(); i++) {
            TypeMirror a = args.get(i);
            TypeMirror p = params.get(i);
            if (!boxing && a.getKind().isPrimitive() != p.getKind().isPrimitive() || !types.isAssignable(a, p)) {
                return false;
            }
        }
        return true;
    }

    private boolean moreSpecific(ExecutableElement m, ExecutableElement than, DeclaredType owner) {
        List<? extends TypeMirror> mine = parameterTypes(m, owner);
        List<? extends TypeMirror> theirs = parameterTypes(than, owner);
        for (int i = 0; i < mine.size(); i++) {
            if (!types.isSubtype(mine.get(i), theirs.get(i))) {
                return false;
            }
        }
        return true;
    }

    private List<TypeMirror> parameterTypes(ExecutableElement m, DeclaredType owner) {
        List<? extends TypeMirror> params = memberType(owner, m) instanceof ExecutableType et ? et.getParameterTypes()
                : m.getParameters().stream().map(Element::asType).toList();
        return params.stream().map(types::erasure).toList();
    }

    private boolean mentionsTypeVariable(TypeMirror t) {
        return switch (t.getKind()) {
            case TYPEVAR -> true;
            case ARRAY -> mentionsTypeVariable(((ArrayType) t).getComponentType());
            case DECLARED -> ((DeclaredType) t).getTypeArguments().stream().anyMatch(this::mentionsTypeVariable);
            case WILDCARD -> {
                WildcardType w = (WildcardType) t;
                yield w.getExtendsBound() != null && mentionsTypeVariable(w.getExtendsBound())
                        || w.getSuperBound() != null && mentionsTypeVariable(w.getSuperBound());
            }
            default -> false;
        };
    }

    private TypeMirror unary(TypeMirror t, UnaryTree u) {
        if (t == null) {
            return null;
        }
        TypeMirror p = unboxedOrSelf(t);
        return switch (u.getKind()) {
            case PREFIX_INCREMENT, PREFIX_DECREMENT, POSTFIX_INCREMENT, POSTFIX_DECREMENT -> t;
            default -> promote(p, types.getPrimitiveType(TypeKind.INT));
        };
    }

    private TypeMirror binary(BinaryTree b) {
        switch (b.getKind()) {
            case CONDITIONAL_AND, CONDITIONAL_OR, EQUAL_TO, NOT_EQUAL_TO, LESS_THAN, GREATER_THAN, LESS_THAN_EQUAL,
                    GREATER_THAN_EQUAL -> {
                return bool();
            }
            default -> {
            }
        }
        TypeMirror l = typeOf(b.getLeftOperand());
        TypeMirror r = typeOf(b.getRightOperand());
        if (b.getKind() == Tree.Kind.PLUS && (isString(l) || isString(r))) {
            return string();
        }
        if (l == null || r == null) {
            return null;
        }
        TypeMirror lu = unboxedOrSelf(l);
        TypeMirror ru = unboxedOrSelf(r);
        return switch (b.getKind()) {
            case LEFT_SHIFT, RIGHT_SHIFT, UNSIGNED_RIGHT_SHIFT -> promote(lu, types.getPrimitiveType(TypeKind.INT));
            case AND, OR, XOR -> lu.getKind() == TypeKind.BOOLEAN ? bool() : promote(lu, ru);
            default -> promote(lu, ru);
        };
    }

    private boolean isString(TypeMirror t) {
        return t != null && types.isSameType(t, string());
    }

    private TypeMirror promote(TypeMirror a, TypeMirror b) {
        if (!a.getKind().isPrimitive() || !b.getKind().isPrimitive()) {
            return null;
        }
        for (TypeKind k : new TypeKind[] {TypeKind.DOUBLE, TypeKind.FLOAT, TypeKind.LONG}) {
            if (a.getKind() == k || b.getKind() == k) {
                return types.getPrimitiveType(k);
            }
        }
        return types.getPrimitiveType(TypeKind.INT);
    }

    private TypeMirror conditional(TypeMirror a, TypeMirror b) {
        if (a == null || b == null) {
            return null;
        }
        if (types.isSameType(a, b)) {
            return a;
        }
        if (a.getKind() == TypeKind.NULL) {
            return boxed(b);
        }
        if (b.getKind() == TypeKind.NULL) {
            return boxed(a);
        }
        TypeMirror au = unboxedOrSelf(a);
        TypeMirror bu = unboxedOrSelf(b);
        if (au.getKind().isPrimitive() && bu.getKind().isPrimitive() && au.getKind() != TypeKind.BOOLEAN) {
            return promote(au, bu);
        }
        return null;
    }

    /** The type a type tree names, resolved against the handler's compilation unit. */
    TypeMirror resolveTypeTree(Tree t) {
        return switch (t) {
            case PrimitiveTypeTree p -> p.getPrimitiveTypeKind() == TypeKind.VOID ? null
                    : types.getPrimitiveType(p.getPrimitiveTypeKind());
            case ArrayTypeTree a -> arrayOf(resolveTypeTree(a.getType()), 1);
            case ParameterizedTypeTree p -> {
                TypeElement raw = p.getType() instanceof ExpressionTree e ? resolveTypeName(e) : null;
                if (raw == null || raw.getTypeParameters().size() != p.getTypeArguments().size()) {
                    yield null;
                }
                TypeMirror[] args = new TypeMirror[p.getTypeArguments().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = resolveTypeTree(p.getTypeArguments().get(i));
                    if (args[i] == null) {
                        yield null;
                    }
                }
                yield types.getDeclaredType(raw, args);
            }
            case WildcardTree w -> {
                TypeMirror bound = w.getBound() == null ? null : resolveTypeTree(w.getBound());
                yield switch (w.getKind()) {
                    case EXTENDS_WILDCARD -> types.getWildcardType(bound, null);
                    case SUPER_WILDCARD -> types.getWildcardType(null, bound);
                    default -> types.getWildcardType(null, null);
                };
            }
            case ExpressionTree e -> {
                TypeElement te = resolveTypeName(e);
                yield te == null ? null : types.erasure(te.asType()).getKind() == TypeKind.DECLARED
                        && !te.getTypeParameters().isEmpty() ? types.getDeclaredType(te) : te.asType();
            }
            default -> null;
        };
    }

    /** The class a (simple or qualified) name denotes in the handler's compilation unit, or null. */
    TypeElement resolveTypeName(ExpressionTree name) {
        if (name instanceof MemberSelectTree ms) {
            TypeElement outer = resolveTypeName(ms.getExpression());
            if (outer != null) {
                return memberType(outer, ms.getIdentifier().toString());
            }
            return elements.getTypeElement(ms.toString());
        }
        if (!(name instanceof IdentifierTree id) || scan.bindings.containsKey(id)) {
            return null;
        }
        String simple = id.getName().toString();
        for (TypeElement t = handler; t != null; t = t.getEnclosingElement() instanceof TypeElement te ? te : null) {
            TypeElement m = memberType(t, simple);
            if (m != null) {
                return m;
            }
        }
        for (ImportTree i : unit.getImports()) {
            if (!i.isStatic() && i.getQualifiedIdentifier() instanceof MemberSelectTree q
                    && q.getIdentifier().contentEquals(simple)) {
                return elements.getTypeElement(q.toString());
            }
        }
        String pkg = unit.getPackageName() == null ? "" : unit.getPackageName() + ".";
        TypeElement same = elements.getTypeElement(pkg + simple);
        if (same != null) {
            return same;
        }
        TypeElement lang = elements.getTypeElement("java.lang." + simple);
        if (lang != null) {
            return lang;
        }
        for (ImportTree i : unit.getImports()) {
            if (!i.isStatic() && i.getQualifiedIdentifier() instanceof MemberSelectTree q && q.getIdentifier().contentEquals("*")) {
                TypeElement t = elements.getTypeElement(q.getExpression() + "." + simple);
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    private TypeElement memberType(TypeElement owner, String simple) {
        for (Element e : members.of(owner)) {
            if (e instanceof TypeElement te && e.getSimpleName().contentEquals(simple)) {
                return te;
            }
        }
        return null;
    }

    /** Whether {@code t} is or mentions a type javac could not resolve. */
    static boolean erroneous(TypeMirror t) {
        if (t == null) {
            return false;
        }
        return switch (t.getKind()) {
            case ERROR -> true;
            case ARRAY -> erroneous(((ArrayType) t).getComponentType());
            case DECLARED -> ((DeclaredType) t).getTypeArguments().stream().anyMatch(Typer::erroneous);
            case WILDCARD -> erroneous(((WildcardType) t).getExtendsBound()) || erroneous(((WildcardType) t).getSuperBound());
            default -> false;
        };
    }

    /**
     * The handler whose generated class {@code name} denotes, when that class is still to be
     * written in this round (a handler's {@code _Kio}, its own or another's), or null.
     */
    private TypeElement generatedFor(ExpressionTree name) {
        if (name instanceof MemberSelectTree) {
            return generating.get(name.toString());
        }
        if (!(name instanceof IdentifierTree id) || scan.bindings.containsKey(id)) {
            return null;
        }
        String simple = id.getName().toString();
        String pkg = unit.getPackageName() == null ? "" : unit.getPackageName() + ".";
        // Where Java looks for a simple name: single-type imports, the package, then on-demand imports.
        List<String> candidates = new ArrayList<>();
        List<String> onDemand = new ArrayList<>();
        for (ImportTree i : unit.getImports()) {
            if (!i.isStatic() && i.getQualifiedIdentifier() instanceof MemberSelectTree q) {
                if (q.getIdentifier().contentEquals(simple)) {
                    candidates.add(q.toString());
                } else if (q.getIdentifier().contentEquals("*")) {
                    onDemand.add(q.getExpression() + "." + simple);
                }
            }
        }
        candidates.add(pkg + simple);
        candidates.addAll(onDemand);
        return candidates.stream().map(generating::get).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * The type of a call to the static starter {@code name} of {@code handler}'s generated class:
     * one per flow, taking the handler and the flow's arguments, giving a {@code Task} of its result.
     */
    private TypeMirror starterType(TypeElement handler, String name, int args) {
        TypeMirror found = null;
        for (ExecutableElement m : javax.lang.model.util.ElementFilter.methodsIn(handler.getEnclosedElements())) {
            if (m.getAnnotation(dev.kio.Flow.class) != null && m.getSimpleName().contentEquals(name)
                    && m.getParameters().size() + 1 == args) {
                if (found != null || task == null) {
                    return null;
                }
                TypeMirror r = m.getReturnType();
                found = types.getDeclaredType(task, r.getKind() == TypeKind.VOID
                        ? elements.getTypeElement("java.lang.Void").asType() : boxed(r));
            }
        }
        return found;
    }

    /**
     * Whether {@code at} uses a name javac has not resolved: a local of an erroneous type, a
     * method the receiver's type does not have, a name that is no local, member, import, type or
     * package. javac reports such code itself, or it names a class generated later (another
     * round resolves it); either way kio's own error about it would mislead.
     */
    boolean unresolvedIn(Tree at) {
        return Boolean.TRUE.equals(new com.sun.source.util.TreeScanner<Boolean, Void>() {
            @Override
            public Boolean reduce(Boolean a, Boolean b) {
                return Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b);
            }

            @Override
            public Boolean visitVariable(VariableTree v, Void p) {
                return erroneous(localType(v)) || reduce(scan(v.getType(), p), scan(v.getInitializer(), p));
            }

            @Override
            public Boolean visitIdentifier(IdentifierTree id, Void p) {
                FlowScan.Binding b = scan.bindings.get(id);
                if (b instanceof FlowScan.Local l) {
                    return erroneous(scopeTypes(id).get(l.decl().getName().toString())) && localType(l.decl()) == null;
                }
                String name = id.getName().toString();
                return b == null && !name.equals("this") && !name.equals("super") && !named(name, false)
                        && resolveTypeName(id) == null;
            }

            @Override
            public Boolean visitMemberSelect(MemberSelectTree ms, Void p) {
                if (erroneous(attribute(ms.getExpression()))) {
                    return true;
                }
                // A qualified name may start with a package: it resolves if some prefix of it does.
                ExpressionTree first = ms;
                List<String> prefixes = new ArrayList<>();
                while (first instanceof MemberSelectTree q) {
                    prefixes.add(q.toString());
                    first = q.getExpression();
                }
                if (first instanceof IdentifierTree id && !scan.bindings.containsKey(id)) {
                    return !named(id.getName().toString(), false) && resolveTypeName(id) == null
                            && prefixes.stream().noneMatch(n -> elements.getPackageElement(n) != null
                                    || elements.getTypeElement(n) != null);
                }
                return scan(ms.getExpression(), p);
            }

            @Override
            public Boolean visitMethodInvocation(MethodInvocationTree mi, Void p) {
                boolean args = Boolean.TRUE.equals(scan(mi.getArguments(), p));
                if (args || scan.awaits.contains(mi) || scan.flowCalls.containsKey(mi)) {
                    return args;
                }
                if (mi.getMethodSelect() instanceof IdentifierTree id) {
                    return !(scan.bindings.get(id) instanceof FlowScan.Member) && !named(id.getName().toString(), true);
                }
                if (!(mi.getMethodSelect() instanceof MemberSelectTree ms)) {
                    return scan(mi.getMethodSelect(), p);
                }
                TypeMirror recv = attribute(ms.getExpression());
                if (recv == null) {
                    TypeElement type = resolveTypeName(ms.getExpression());
                    recv = type == null ? null : type.asType();
                }
                if (erroneous(recv)) {
                    return true;
                }
                if (recv instanceof DeclaredType dt) {
                    // An interface has Object's methods too, which its members do not list.
                    return java.util.stream.Stream.of((TypeElement) dt.asElement(), elements.getTypeElement("java.lang.Object"))
                            .flatMap(t -> members.of(t).stream()).noneMatch(m ->
                                    m.getKind() == ElementKind.METHOD && m.getSimpleName().contentEquals(ms.getIdentifier()));
                }
                return recv == null && scan(ms.getExpression(), p);
            }

            @Override
            public Boolean visitNewClass(NewClassTree n, Void p) {
                return reduce(scan(n.getIdentifier(), p), scan(n.getArguments(), p));
            }

            @Override
            public Boolean visitCase(com.sun.source.tree.CaseTree c, Void p) {
                // Labels name enum constants, which no scope here resolves.
                return reduce(scan(c.getGuard(), p), c.getBody() != null ? scan(c.getBody(), p) : scan(c.getStatements(), p));
            }

            @Override
            public Boolean visitLambdaExpression(com.sun.source.tree.LambdaExpressionTree l, Void p) {
                return false;
            }

            @Override
            public Boolean visitClass(com.sun.source.tree.ClassTree c, Void p) {
                return false;
            }
        }.scan(at, null));
    }

    /**
     * Whether {@code name} is a member (a method, or else a field) of the handler or a class
     * around it, or statically imported.
     */
    private boolean named(String name, boolean method) {
        ElementKind kind = method ? ElementKind.METHOD : ElementKind.FIELD;
        for (TypeElement t = handler; t != null; t = t.getEnclosingElement() instanceof TypeElement te ? te : null) {
            if (members.of(t).stream().anyMatch(m -> (m.getKind() == kind
                    || !method && m.getKind() == ElementKind.ENUM_CONSTANT) && m.getSimpleName().contentEquals(name))) {
                return true;
            }
        }
        for (ImportTree i : unit.getImports()) {
            if (i.isStatic() && i.getQualifiedIdentifier() instanceof MemberSelectTree q) {
                if (q.getIdentifier().contentEquals(name)) {
                    return true;
                }
                if (q.getIdentifier().contentEquals("*")) {
                    TypeElement from = elements.getTypeElement(q.getExpression().toString());
                    if (from == null || members.of(from).stream().anyMatch(m -> m.getSimpleName().contentEquals(name))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
