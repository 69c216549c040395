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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.BreakTree;
import com.sun.source.tree.CaseTree;
import com.sun.source.tree.CatchTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ConstantCaseLabelTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.DoWhileLoopTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.InstanceOfTree;
import com.sun.source.tree.LabeledStatementTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberReferenceTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.SwitchExpressionTree;
import com.sun.source.tree.SwitchTree;
import com.sun.source.tree.ThrowTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.UnionTypeTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.WhileLoopTree;
import com.sun.source.tree.YieldTree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;

import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * Lowers one flow body into the states of a {@code switch}: each suspension point ends a state,
 * control flow that crosses states becomes {@code state = N; continue $dispatch;}, exceptions are
 * routed by the region table (one region per lowered {@code try}), and {@code finally} blocks and
 * resource closing are entered with a pending continuation ({@code $finK}: the state to go to
 * afterwards, or -1 to rethrow {@code $exK}). A lowered loop's states are one case of that
 * switch, holding a Java loop that switches over them again ({@link Loop}). Statements with no
 * suspension inside are copied from the source as written, with names rewritten: locals that
 * live across a suspension become fields, handler members are reached through {@code self}.
 */
final class Lowering {
    /** The errors that say kio could not type something, which an unresolved name explains better. */
    private static final Set<String> TYPING = Set.of("FlowOperandType", "FlowUnwritableType", "FlowAwaitType");
    /**
     * Brackets a state id in emitted text until states are numbered in emission order. Copied
     * source never contains them as characters: {@link #copy} writes them as Unicode escapes.
     */
    private static final char OPEN = '\uE000';
    private static final char CLOSE = '\uE001';
    private static final Set<String> RESERVED = Set.of("state", "self");
    /** A jump to a known state through the dispatch (see {@link #jumpCode}). */
    private static final Pattern JUMP = Pattern.compile("state = " + OPEN + "(\\d+)" + CLOSE + "; continue \\$dispatch;");

    record Field(String name, String type, boolean reference) {
    }

    /** One case of the generated switch. */
    static final class State {
        final int id;
        long line;
        /** Whether {@link #line} is the end of the construct before this state, until a statement of its own starts. */
        boolean provisional;
        final int region;
        final StringBuilder code = new StringBuilder();
        boolean declaresLocals;
        /** Where a trailing jump starts in {@link #code}, so falling through can replace it. */
        int jumpAt = -1;
        int jumpTarget = -1;

        State(int id, long line, int region) {
            this.id = id;
            this.line = line;
            this.region = region;
        }
    }

    private record EndedScope(State state, int from, int to) {
    }

    /**
     * A lowered loop: its states, {@code states[from, to)}, stay in a Java loop of their own,
     * {@code $loop<number>: for (int $at<number> = state;;) switch ($at<number>) ...}, which the
     * dispatch enters for any of them. A jump between two of its states goes round that loop with
     * the target in {@code $at<number>}, a constant C2 follows, so the loop stays a loop in the
     * compiled code instead of going back through the dispatch on every iteration.
     */
    record Loop(int number, int from, int to) {
    }

    /** A lowered try: where states in it send what they throw. */
    record Region(int id, String onThrow) {
    }

    /** A pending-continuation block (a finally, or the closing of a resource) that jumps out of its try pass through. */
    private static final class Fin {
        final int start;
        final String next;
        final String pending;
        final int depth;
        final int outerRegion;
        final Map<String, Integer> trampolines = new HashMap<>();

        Fin(int start, String next, String pending, int depth, int outerRegion) {
            this.start = start;
            this.next = next;
            this.pending = pending;
            this.depth = depth;
            this.outerRegion = outerRegion;
        }
    }

    /** Something a jump can target or must pass: a loop, a switch, a labelled statement, a finally. */
    private record Scope(Tree tree, String label, int breakTo, int continueTo, String yieldTo, Fin fin) {
    }

    private final Typer typer;
    private final FlowScan scan;
    private final CompilationUnitTree unit;
    /** The source file's name without its directories, as the state comments give it. */
    private final String fileName;
    private final SourcePositions positions;
    private final LineMap lines;
    private final CharSequence source;
    private final FlowMethod flow;
    private final Map<FlowMethod, String> embedded;

    final Map<String, Field> fields = new LinkedHashMap<>();
    final List<State> states = new ArrayList<>();
    final List<Region> regions = new ArrayList<>();
    /** The lowered loops, each after the loops nested in it. */
    final List<Loop> loops = new ArrayList<>();
    /** Field names of the flow's parameters, in order. */
    final List<String> parameterFields = new ArrayList<>();
    final Set<String> suppressions = new HashSet<>();

    private final Map<VariableTree, String> localNames = new IdentityHashMap<>();
    private final Set<VariableTree> hoisted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<State> detached = new ArrayList<>();
    private final Deque<Scope> scopes = new ArrayDeque<>();
    private final Set<String> usedNames = new HashSet<>();
    private final int returnState;
    private final String returnField;
    private int nextId;
    private int nextTemp;
    private int nextFin;
    private int nextCopy;
    private int nextGuard;
    private int nextSave;
    private Set<VariableTree> capturedLocals;
    private int nextLoop;
    /** Set while a loop's first state starts: the state falling into it must store its number. */
    private boolean enteringLoop;
    /** The state the innermost flattened block first declared a local in, and where in its code. */
    private State scopeState;
    private int scopeAt;
    /** Where the locals of the flattened block that just ended are in scope in its last state. */
    private EndedScope endedScope;
    private State cur;
    private boolean live;
    private int region = -1;
    private final List<String> pendingCopies = new ArrayList<>();
    private Map<Integer, Integer> order;
    Lowering(Typer typer, FlowScan scan, CompilationUnitTree unit, SourcePositions positions, FlowMethod flow,
            Map<FlowMethod, String> embedded) {
        this.typer = typer;
        this.scan = scan;
        this.unit = unit;
        String path = unit.getSourceFile().getName();
        this.fileName = path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
        this.positions = positions;
        this.lines = unit.getLineMap();
        try {
            this.source = unit.getSourceFile().getCharContent(true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + unit.getSourceFile().getName(), e);
        }
        this.flow = flow;
        this.embedded = embedded;
        this.returnState = nextId++;
        TypeMirror ret = flow.element().getReturnType();
        this.returnField = ret.getKind() == TypeKind.VOID ? null : "$ret";
        if (returnField != null) {
            fields.put(returnField, new Field(returnField, Typer.writable(ret), !ret.getKind().isPrimitive()));
        }
    }

    // ---- entry ----------------------------------------------------------------------------

    void lower() {
        for (VariableTree decl : scan.localScopes.keySet()) {
            usedNames.add(decl.getName().toString());
        }
        for (VariableTree p : flow.tree().getParameters()) {
            String name = fieldName(p);
            hoisted.add(p);
            String type = p.getType() == null ? null : text(p.getType());
            if (flow.element().isVarArgs() && p == flow.tree().getParameters().get(flow.tree().getParameters().size() - 1)
                    && type != null && type.endsWith("...")) {
                type = type.substring(0, type.length() - 3) + "[]";
            }
            addField(name, type, !(p.getType() instanceof com.sun.source.tree.PrimitiveTypeTree), p);
            parameterFields.add(name);
        }
        for (VariableTree decl : scan.localScopes.keySet()) {
            // An unnamed variable (_) is never read: it is kept only where its value is computed across states.
            boolean read = !decl.getName().isEmpty() && scan.livesAcrossSuspension(decl);
            if (read || isSuspendingSelector(decl.getInitializer())) {
                if (scan.patternBindings.contains(decl)) {
                    throw unsupported(decl, "FlowUnsupported", "the pattern variable " + decl.getName()
                            + " is used after an await; assign it to a local variable first");
                }
                hoisted.add(decl);
            }
        }
        collectSuppressions(flow.tree().getModifiers());
        start(nextId++, flow.tree().getBody());
        statements(flow.tree().getBody().getStatements());
        boolean fallsOffTheEnd = live;
        if (live) {
            jump(returnState, -1);
        }
        if (!detached.isEmpty()) {
            // The trampolines come between the last state and the return state: it cannot fall through.
            cur.jumpAt = -1;
            cur.jumpTarget = -1;
        }
        states.addAll(detached);
        String toReturn = ref(returnState);
        if (fallsOffTheEnd || states.stream().anyMatch(s -> s.code.indexOf(toReturn) >= 0)) {
            start(returnState, null);
            emit("done();");
            emit("return;");
        }
        live = false;
    }

    private boolean isSuspendingSelector(ExpressionTree init) {
        return (init instanceof ConditionalExpressionTree || init instanceof SwitchExpressionTree) && scan.suspends(init);
    }

    /**
     * Whether a yield inside {@code e} may be followed by a finally block or a resource's close,
     * which can still throw before the switch expression completes: then the variable it is
     * assigned to must keep its old value, so the yields go to a temporary, assigned after.
     */
    private static boolean mayThrowAfterYield(ExpressionTree e) {
        return InPlaceScanner.contains(e, t -> t instanceof TryTree tt && (tt.getFinallyBlock() != null
                || !tt.getResources().isEmpty()));
    }

    private void collectSuppressions(com.sun.source.tree.ModifiersTree mods) {
        for (var a : mods.getAnnotations()) {
            if (a.getAnnotationType().toString().endsWith("SuppressWarnings")) {
                for (ExpressionTree arg : a.getArguments()) {
                    ExpressionTree v = arg instanceof AssignmentTree as ? as.getExpression() : arg;
                    if (v instanceof NewArrayTree na && na.getInitializers() != null) {
                        na.getInitializers().forEach(x -> suppressions.add(text(x)));
                    } else {
                        suppressions.add(text(v));
                    }
                }
            }
        }
    }

    /** Replaces state ids in the emitted code with case numbers in emission order. */
    String resolve(String code) {
        Map<Integer, Integer> order = order();
        StringBuilder b = new StringBuilder(code.length());
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == OPEN) {
                int j = code.indexOf(CLOSE, i);
                b.append(order.get(Integer.parseInt(code.substring(i + 1, j))));
                i = j;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    int caseOf(State s) {
        return states.indexOf(s);
    }

    /** Each state's case number, by id. */
    private Map<Integer, Integer> order() {
        if (order == null) {
            order = new HashMap<>();
            for (int i = 0; i < states.size(); i++) {
                order.put(states.get(i).id, i);
            }
        }
        return order;
    }

    /**
     * The code of the state with case number {@code at}, resolved, where a jump to a state of a
     * loop it is in goes round the innermost loop holding both states instead of through the dispatch.
     */
    String codeOf(int at) {
        Matcher m = JUMP.matcher(states.get(at).code);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            int target = order().get(Integer.parseInt(m.group(1)));
            Loop inner = null;
            for (Loop l : loops) {
                if (l.from() <= Math.min(at, target) && Math.max(at, target) < l.to()
                        && (inner == null || l.to() - l.from() < inner.to() - inner.from())) {
                    inner = l;
                }
            }
            String id = ref(Integer.parseInt(m.group(1)));
            String jump = inner == null ? m.group()
                    : "state = " + id + "; $at" + inner.number() + " = " + id + "; continue $loop" + inner.number() + ";";
            m.appendReplacement(b, Matcher.quoteReplacement(jump));
        }
        m.appendTail(b);
        return resolve(b.toString());
    }

    String fileLine(State s) {
        return fileName + ":" + s.line;
    }

    // ---- names and fields -----------------------------------------------------------------

    private String fieldName(VariableTree decl) {
        return localNames.computeIfAbsent(decl, d -> {
            String base = d.getName().isEmpty() ? "$unnamed" : d.getName().toString();
            String name = RESERVED.contains(base) ? base + "$" : base;
            int n = 2;
            while (fields.containsKey(name)) {
                name = base + "$" + n++;
            }
            return name;
        });
    }

    /** The name a local has in generated code: its field if hoisted, else itself (renamed only if it would clash). */
    private String localName(VariableTree decl) {
        if (hoisted.contains(decl)) {
            return fieldName(decl);
        }
        String base = decl.getName().toString();
        return RESERVED.contains(base) ? base + "$" : base;
    }

    private void addField(String name, String type, boolean reference, Tree at) {
        if (type == null) {
            throw unsupported(at, "FlowUnwritableType", "the type of '" + excerpt(at)
                    + "' cannot be written in source (anonymous, intersection or captured), yet the value must be kept"
                    + " across an await. Give it a declared type, e.g. an interface it implements.");
        }
        fields.put(name, new Field(name, type, reference));
    }

    private String hoistedType(VariableTree decl) {
        if (decl.getType() instanceof UnionTypeTree u) {
            return commonSuperclass(u);
        }
        if (decl.getType() != null) {
            return text(decl.getType());
        }
        TypeMirror t = typer.localType(decl);
        return Typer.writable(t);
    }

    /** The nearest class every alternative of a multi-catch extends: the type its parameter has in a field. */
    private String commonSuperclass(UnionTypeTree u) {
        List<TypeMirror> alternatives = new ArrayList<>();
        for (Tree alt : u.getTypeAlternatives()) {
            TypeMirror t = typer.resolveTypeTree(alt);
            if (t == null) {
                return "java.lang.Throwable";
            }
            alternatives.add(t);
        }
        for (TypeMirror c = alternatives.get(0); c != null && c.getKind() == TypeKind.DECLARED;
                c = ((TypeElement) ((javax.lang.model.type.DeclaredType) c).asElement()).getSuperclass()) {
            TypeMirror candidate = c;
            if (alternatives.stream().allMatch(a -> typer.isSubtype(a, candidate))) {
                return Typer.writable(candidate);
            }
        }
        return "java.lang.Throwable";
    }

    private void ensureField(VariableTree decl) {
        String name = fieldName(decl);
        if (!fields.containsKey(name)) {
            TypeMirror t = decl.getType() instanceof com.sun.source.tree.PrimitiveTypeTree ? null : typer.localType(decl);
            boolean reference = !(decl.getType() instanceof com.sun.source.tree.PrimitiveTypeTree)
                    && (t == null || !t.getKind().isPrimitive());
            addField(name, hoistedType(decl), reference, decl);
        }
    }

    private String temp(TypeMirror type, Tree at) {
        String name = "$t" + nextTemp++;
        if (type == null) {
            throw unsupported(at, "FlowOperandType", "kio cannot tell the type of '" + excerpt(at)
                    + "', whose value must be kept while a later part of the expression awaits. Assign it to a local"
                    + " variable with an explicit type first.");
        }
        if (type.getKind() == TypeKind.NULL) {
            type = typer.boxed(type);
        }
        addField(name, type.getKind() == TypeKind.NULL ? "java.lang.Object" : Typer.writable(type),
                !type.getKind().isPrimitive(), at);
        return name;
    }

    // ---- emission -------------------------------------------------------------------------

    private static String ref(int id) {
        return OPEN + Integer.toString(id) + CLOSE;
    }

    private long lineOf(Tree t) {
        return t == null ? lines.getLineNumber(positions.getEndPosition(unit, flow.tree())) : lines.getLineNumber(positions.getStartPosition(unit, t));
    }

    private void start(int id, Tree at) {
        // Falling into the next case keeps the old state number, which decides where an exception
        // goes: only states of the same region may be chained that way.
        if (cur != null && cur.region == region && cur.jumpTarget == id && cur.jumpAt >= 0) {
            cur.code.setLength(cur.jumpAt);
            if (enteringLoop) {
                // The loop switches over the state it is entered in.
                cur.code.append("state = ").append(ref(id)).append(";\n");
            }
        } else if (cur != null && live && cur.region != region) {
            cur.code.append("state = ").append(ref(id)).append("; continue $dispatch;\n");
        }
        cur = new State(id, lineOf(at), region);
        // A state that starts a block gets the line of the block's first statement.
        cur.provisional = at instanceof BlockTree;
        states.add(cur);
        live = true;
    }

    /**
     * Starts the state control reaches after {@code construct} (a join): its comment points at the
     * construct's last line, unless the first code in it is a statement, which gives its own.
     */
    private void startAfter(int id, Tree construct) {
        start(id, null);
        cur.line = endLine(construct);
        cur.provisional = true;
    }

    private long endLine(Tree t) {
        return lines.getLineNumber(positions.getEndPosition(unit, t));
    }

    private void startIn(int id, Tree at, int newRegion) {
        if (live) {
            jump(id, scopes.size());
        }
        region = newRegion;
        start(id, at);
    }

    void emit(String line) {
        // Code of the statement under way (the rest of an expression, say) keeps the line it has.
        cur.provisional = false;
        closeEndedScope();
        flushCopies();
        cur.code.append(line).append('\n');
        cur.jumpAt = -1;
        cur.jumpTarget = -1;
    }

    private void flushCopies() {
        if (!pendingCopies.isEmpty()) {
            List<String> copies = new ArrayList<>(pendingCopies);
            pendingCopies.clear();
            for (String c : copies) {
                cur.code.append(c).append('\n');
            }
            cur.declaresLocals = true;
        }
    }

    /** Emits an unconditional jump to {@code target}, whose scope is at stack height {@code depth} (-1: the flow's end). */
    private void jump(int target, int depth) {
        flushCopies();
        int at = cur.code.length();
        cur.code.append(jumpCode(target, depth, scopes.size())).append('\n');
        if (!crossesFin(depth, scopes.size())) {
            cur.jumpAt = at;
            cur.jumpTarget = target;
        }
        live = false;
    }

    private boolean crossesFin(int depth, int from) {
        return innermostFin(depth, from) != null;
    }

    private Fin innermostFin(int depth, int from) {
        int i = scopes.size();
        for (Scope s : scopes) {
            i--;
            if (i >= from) {
                continue;
            }
            if (i < depth) {
                break;
            }
            if (s.fin() != null) {
                return s.fin();
            }
        }
        return null;
    }

    /** Code that goes to {@code target} from stack height {@code from}, running every finally in between. */
    private String jumpCode(int target, int depth, int from) {
        Fin fin = innermostFin(depth, from);
        if (fin == null) {
            return "state = " + ref(target) + "; continue $dispatch;";
        }
        String key = target + "@" + depth;
        Integer via = fin.trampolines.get(key);
        if (via == null) {
            if (innermostFin(depth, fin.depth) == null) {
                via = target;
            } else {
                via = nextId++;
                State t = new State(via, cur.line, fin.outerRegion);
                t.code.append(jumpCode(target, depth, fin.depth)).append('\n');
                detached.add(t);
            }
            fin.trampolines.put(key, via);
        }
        return fin.next + " = " + ref(via) + "; state = " + ref(fin.start) + "; continue $dispatch;";
    }

    private void conditionalJump(String condition, int target) {
        emit("if (" + condition + ") {");
        emit("    " + jumpCode(target, scopes.size(), scopes.size()));
        emit("}");
    }

    private int returnDepth() {
        return 0;
    }

    private String returnCode() {
        if (!crossesFin(returnDepth(), scopes.size())) {
            return "done(); return;";
        }
        return jumpCode(returnState, returnDepth(), scopes.size());
    }

    private Unsupported unsupported(Tree at, String tag, String message) {
        if (TYPING.contains(tag) && typer.unresolvedIn(at)) {
            throw new Unresolved();
        }
        return new Unsupported(Problem.at(at, unit, flow.element(), tag, message));
    }

    private String excerpt(Tree t) {
        String s = source.subSequence((int) positions.getStartPosition(unit, t), (int) positions.getEndPosition(unit, t)).toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    // ---- statements -----------------------------------------------------------------------

    private void statements(List<? extends StatementTree> list) {
        for (StatementTree s : list) {
            if (!live) {
                return;
            }
            statement(s);
        }
    }

    private void statement(StatementTree s) {
        // A flattened block is no code of its own: its first statement gives the line.
        if (cur.provisional && !(s instanceof BlockTree && scan.suspends(s))) {
            cur.line = lineOf(s);
            cur.provisional = false;
        }
        if (!scan.suspends(s)) {
            verbatim(s);
            return;
        }
        switch (s) {
            case BlockTree b -> block(b);
            case VariableTree v -> declaration(v);
            case ExpressionStatementTree e -> expressionStatement(e.getExpression());
            case IfTree i -> ifStatement(i);
            case WhileLoopTree w -> whileLoop(w, null);
            case DoWhileLoopTree d -> doWhileLoop(d, null);
            case ForLoopTree f -> forLoop(f, null);
            case EnhancedForLoopTree f -> forEach(f, null);
            case LabeledStatementTree l -> labeled(l);
            case SwitchTree sw -> switchStatement(sw, null);
            case ReturnTree r -> returnStatement(r);
            case ThrowTree t -> {
                emit("throw " + value(t.getExpression()) + ";");
                live = false;
            }
            case TryTree t -> tryStatement(t);
            case YieldTree y -> yieldStatement(y);
            default -> throw unsupported(s, "FlowUnsupported", "an await inside a " + s.getKind().toString().toLowerCase()
                    .replace('_', ' ') + " statement is not supported");
        }
    }

    /**
     * A block that awaits, flattened into states. The locals it declares in the state it ends in
     * would stay in scope there, next to a sibling's locals of the same names: braces end them.
     */
    private void block(BlockTree b) {
        State outerState = scopeState;
        int outerAt = scopeAt;
        scopeState = null;
        statements(b.getStatements());
        if (live && scopeState == cur) {
            // Braced only if more code follows in this state (see emit): most such blocks end their state.
            endedScope = new EndedScope(cur, scopeAt, cur.code.length());
        }
        scopeState = outerState;
        scopeAt = outerAt;
    }

    /** Puts the code of the block that ended last in this state in braces, before more code joins the state. */
    private void closeEndedScope() {
        EndedScope scope = endedScope;
        endedScope = null;
        if (scope != null && scope.state() == cur && cur.code.length() == scope.to()) {
            String inner = CodeLines.indent(cur.code.substring(scope.from()), "    ");
            cur.code.setLength(scope.from());
            cur.code.append("{\n").append(inner).append("}\n");
        }
    }

    private void verbatim(StatementTree s) {
        if (s instanceof VariableTree v) {
            declaration(v);
            return;
        }
        if (s instanceof ClassTree c) {
            throw unsupported(s, "FlowUnsupported", "the local class " + c.getSimpleName() + " cannot be declared in a flow"
                    + " that awaits: declare it as a nested class of the handler");
        }
        emit(reindent(text(s), s));
        live = Reachability.canCompleteNormally(s);
    }

    /** Shifts the continuation lines of copied source left by the column the statement started at. */
    private String reindent(String text, Tree at) {
        return CodeLines.dedent(text, (int) lines.getColumnNumber(positions.getStartPosition(unit, at)) - 1);
    }

    private void declaration(VariableTree v) {
        if (hoisted.contains(v)) {
            ensureField(v);
            String field = fieldName(v);
            if (v.getInitializer() instanceof NewArrayTree na && na.getType() == null) {
                // A bare {...} initializes only a declaration; assigned to the field it needs its type.
                emit(field + " = new " + fields.get(field).type() + " " + value(na) + ";");
            } else if (v.getInitializer() != null) {
                valueInto(v.getInitializer(), field);
            }
            return;
        }
        String mods = v.getModifiers() != null && positions.getStartPosition(unit, v.getModifiers()) >= 0
                && positions.getEndPosition(unit, v.getModifiers()) > positions.getStartPosition(unit, v.getModifiers())
                ? text(v.getModifiers()) + " " : "";
        if (v.getInitializer() == null && v.getModifiers().getFlags().contains(Modifier.FINAL) && !capturedLocals().contains(v)) {
            // A copied statement's exits may assign it once more, for javac (Rewriter.assignedForJavac);
            // the source, final as written, has passed javac's checks already. Annotations stay.
            mods = v.getModifiers().getAnnotations().stream().map(a -> text(a) + " ").collect(java.util.stream.Collectors.joining());
        }
        String type = v.getType() == null ? "var" : text(v.getType());
        String init = v.getInitializer() == null ? "" : " = " + value(v.getInitializer());
        // A block that ended just before is braced first: the braces move the code after it, where
        // this declaration's block starts.
        closeEndedScope();
        if (scopeState != cur) {
            scopeState = cur;
            scopeAt = cur.code.length();
        }
        emit(mods + type + " " + (v.getName().isEmpty() ? "_" : localName(v)) + init + ";");
        cur.declaresLocals = true;
    }

    private void expressionStatement(ExpressionTree e) {
        if (e instanceof AssignmentTree a && a.getVariable() instanceof IdentifierTree && isSuspendingSelector(a.getExpression())) {
            if (!mayThrowAfterYield(a.getExpression())) {
                valueInto(a.getExpression(), text(a.getVariable()));
                return;
            }
            // Of the variable's type: the yields convert to it as the assignment would.
            String kept = temp(typer.typeOf(a.getVariable()), a.getVariable());
            valueInto(a.getExpression(), kept);
            emit(text(a.getVariable()) + " = " + kept + ";");
            return;
        }
        if (e instanceof MethodInvocationTree mi && scan.flowCalls.containsKey(mi)) {
            flowCall(mi);
            return;
        }
        String v = value(e);
        emit(v + ";");
    }

    private void ifStatement(IfTree i) {
        String c = value(i.getCondition());
        if (!scan.suspends(i.getThenStatement()) && !scan.suspends(i.getElseStatement())) {
            emit("if (" + c + ") " + text(i.getThenStatement())
                    + (i.getElseStatement() == null ? "" : " else " + text(i.getElseStatement())));
            live = i.getElseStatement() == null || Reachability.canCompleteNormally(i.getThenStatement())
                    || Reachability.canCompleteNormally(i.getElseStatement());
            return;
        }
        int end = nextId++;
        int otherwise = i.getElseStatement() == null ? end : nextId++;
        conditionalJump("!(" + c + ")", otherwise);
        statement(i.getThenStatement());
        if (i.getElseStatement() != null) {
            if (live) {
                jump(end, scopes.size());
            }
            start(otherwise, i.getElseStatement());
            statement(i.getElseStatement());
        }
        if (live) {
            jump(end, scopes.size());
        }
        startAfter(end, i);
    }

    private void whileLoop(WhileLoopTree w, String label) {
        int head = nextId++;
        int exit = nextId++;
        int number = nextLoop++;
        int from = openLoop(head, w);
        if (!Reachability.isTrue(w.getCondition())) {
            conditionalJump("!(" + value(w.getCondition()) + ")", exit);
        }
        loopBody(w, label, w.getStatement(), exit, head);
        if (live) {
            jump(head, scopes.size());
        }
        closeLoop(number, from);
        startAfter(exit, w);
    }

    /** Starts a loop's first state, {@code id}; returns where its states start in {@link #states}. */
    private int openLoop(int id, Tree loop) {
        enteringLoop = true;
        startIn(id, loop, region);
        enteringLoop = false;
        return states.size() - 1;
    }

    /** Ends the loop whose states start at {@code from}: the state after it is outside its Java loop, so none falls into it. */
    private void closeLoop(int number, int from) {
        loops.add(new Loop(number, from, states.size()));
        cur.jumpAt = -1;
        cur.jumpTarget = -1;
    }

    private void loopBody(Tree loop, String label, StatementTree body, int exit, int next) {
        scopes.push(new Scope(loop, label, exit, next, null, null));
        statement(body);
        scopes.pop();
    }

    private void doWhileLoop(DoWhileLoopTree d, String label) {
        int body = nextId++;
        int cond = nextId++;
        int exit = nextId++;
        int number = nextLoop++;
        int from = openLoop(body, d);
        loopBody(d, label, d.getStatement(), exit, cond);
        if (live) {
            jump(cond, scopes.size());
        }
        start(cond, d.getCondition());
        conditionalJump(value(d.getCondition()), body);
        jump(exit, scopes.size());
        closeLoop(number, from);
        startAfter(exit, d);
    }

    private void forLoop(ForLoopTree f, String label) {
        for (StatementTree init : f.getInitializer()) {
            statement(init);
        }
        int head = nextId++;
        int update = nextId++;
        int exit = nextId++;
        int number = nextLoop++;
        int from = openLoop(head, f);
        if (f.getCondition() != null && !Reachability.isTrue(f.getCondition())) {
            conditionalJump("!(" + value(f.getCondition()) + ")", exit);
        }
        loopBody(f, label, f.getStatement(), exit, update);
        if (live) {
            jump(update, scopes.size());
        }
        start(update, f);
        for (ExpressionStatementTree u : f.getUpdate()) {
            expressionStatement(u.getExpression());
        }
        if (live) {
            jump(head, scopes.size());
        }
        closeLoop(number, from);
        startAfter(exit, f);
    }

    private void forEach(EnhancedForLoopTree f, String label) {
        VariableTree var = f.getVariable();
        hoisted.add(var);
        ensureField(var);
        String name = fieldName(var);
        TypeMirror iterable = typer.typeOf(f.getExpression());
        String source = value(f.getExpression());
        int head = nextId++;
        int exit = nextId++;
        int number = nextLoop++;
        int from;
        if (iterable != null && iterable.getKind() == TypeKind.ARRAY) {
            String array = temp(iterable, f.getExpression());
            String index = "$i" + nextTemp++;
            fields.put(index, new Field(index, "int", false));
            emit(array + " = " + source + ";");
            emit(index + " = 0;");
            from = openLoop(head, f);
            conditionalJump(index + " >= " + array + ".length", exit);
            emit(name + " = " + array + "[" + index + "++];");
        } else {
            String elem = fields.get(name).type();
            TypeMirror vt = typer.localType(var);
            boolean primitive = vt != null && vt.getKind().isPrimitive();
            if (iterable == null && primitive) {
                throw unsupported(f.getExpression(), "FlowOperandType", "kio cannot tell whether '"
                        + excerpt(f.getExpression()) + "' is an array or an Iterable; assign it to a local variable with"
                        + " an explicit type first");
            }
            if (primitive) {
                elem = Typer.writable(typer.boxed(vt));
            }
            String it = "$it" + nextTemp++;
            fields.put(it, new Field(it, "java.util.Iterator<? extends " + elem + ">", true));
            // Untyped (a generic call, say): Frame.iterator's overloads let javac tell an array from an Iterable.
            emit(it + " = " + (iterable == null ? "iterator(" + source + ")" : source + ".iterator()") + ";");
            from = openLoop(head, f);
            conditionalJump("!" + it + ".hasNext()", exit);
            emit(name + " = " + it + ".next();");
        }
        loopBody(f, label, f.getStatement(), exit, head);
        if (live) {
            jump(head, scopes.size());
        }
        closeLoop(number, from);
        startAfter(exit, f);
    }

    private void labeled(LabeledStatementTree l) {
        String label = l.getLabel().toString();
        switch (l.getStatement()) {
            case WhileLoopTree w -> whileLoop(w, label);
            case DoWhileLoopTree d -> doWhileLoop(d, label);
            case ForLoopTree f -> forLoop(f, label);
            case EnhancedForLoopTree f -> forEach(f, label);
            case SwitchTree s -> switchStatement(s, label);
            default -> {
                int exit = nextId++;
                scopes.push(new Scope(l, label, exit, -1, null, null));
                statement(l.getStatement());
                scopes.pop();
                if (live) {
                    jump(exit, scopes.size());
                }
                startAfter(exit, l);
            }
        }
    }

    private void switchStatement(SwitchTree s, String label) {
        switchCases(s.getExpression(), s.getCases(), label, null, s);
    }

    /** A switch over states: one dispatch, then each case's statements in states of their own. */
    private void switchCases(ExpressionTree selector, List<? extends CaseTree> cases, String label, String yieldTo, Tree owner) {
        String sel = value(selector);
        int exit = nextId++;
        int[] ids = new int[cases.size()];
        boolean hasDefault = false;
        emit("switch (" + sel + ") {");
        for (int i = 0; i < cases.size(); i++) {
            CaseTree c = cases.get(i);
            ids[i] = nextId++;
            StringBuilder labels = new StringBuilder();
            for (var l : c.getLabels()) {
                if (l instanceof ConstantCaseLabelTree k) {
                    labels.append(labels.isEmpty() ? "case " : ", ").append(text(k.getConstantExpression()));
                } else if (l.getKind() == Tree.Kind.DEFAULT_CASE_LABEL) {
                    hasDefault = true;
                    labels.append(labels.isEmpty() ? "default" : ", default");
                } else {
                    throw unsupported(c, "FlowUnsupported", "a pattern label in a switch that awaits is not supported;"
                            + " match the pattern in an if statement instead");
                }
            }
            if (c.getGuard() != null) {
                throw unsupported(c, "FlowUnsupported", "a guarded case in a switch that awaits is not supported");
            }
            emit("    " + labels + ": " + jumpCode(ids[i], scopes.size(), scopes.size()));
        }
        emit("}");
        if (!hasDefault) {
            jump(exit, scopes.size());
        }
        live = false;
        scopes.push(new Scope(owner, label, exit, -1, yieldTo, null));
        for (int i = 0; i < cases.size(); i++) {
            CaseTree c = cases.get(i);
            start(ids[i], c);
            if (c.getCaseKind() == CaseTree.CaseKind.STATEMENT) {
                statements(c.getStatements());
                continue;
            }
            Tree body = c.getBody();
            if (body instanceof ExpressionTree e) {
                if (yieldTo != null) {
                    valueInto(e, yieldTo);
                } else {
                    expressionStatement(e);
                }
            } else {
                statement((StatementTree) body);
            }
            if (live) {
                jump(exit, scopes.size() - 1);
            }
        }
        scopes.pop();
        if (live) {
            jump(exit, scopes.size());
        }
        startAfter(exit, owner);
    }

    private void yieldStatement(YieldTree y) {
        Scope target = null;
        int depth = scopes.size();
        for (Scope s : scopes) {
            depth--;
            if (s.yieldTo() != null) {
                target = s;
                break;
            }
        }
        if (target == null) {
            throw unsupported(y, "FlowUnsupported", "yield outside a lowered switch expression");
        }
        valueInto(y.getValue(), target.yieldTo());
        jump(target.breakTo(), depth);
    }

    private void returnStatement(ReturnTree r) {
        if (r.getExpression() != null) {
            valueInto(r.getExpression(), returnField);
        }
        if (!crossesFin(returnDepth(), scopes.size())) {
            emit("done();");
            emit("return;");
            live = false;
        } else {
            jump(returnState, returnDepth());
        }
    }

    // ---- try ------------------------------------------------------------------------------

    private void tryStatement(TryTree t) {
        boolean handlers = !t.getCatches().isEmpty() || t.getFinallyBlock() != null;
        if (!t.getResources().isEmpty() && handlers) {
            tryCatchFinally(t, () -> resources(t.getResources(), 0, t.getBlock()), t.getCatches(), t.getFinallyBlock());
        } else if (!t.getResources().isEmpty()) {
            resources(t.getResources(), 0, t.getBlock());
        } else {
            tryCatchFinally(t, () -> statement(t.getBlock()), t.getCatches(), t.getFinallyBlock());
        }
    }

    private Fin newFin(int outerRegion) {
        int k = nextFin++;
        String next = "$fin" + k;
        String pending = "$ex" + k;
        fields.put(next, new Field(next, "int", false));
        fields.put(pending, new Field(pending, "java.lang.Throwable", true));
        return new Fin(nextId++, next, pending, scopes.size(), outerRegion);
    }

    private int newRegion(String onThrow) {
        Region r = new Region(regions.size(), onThrow);
        regions.add(r);
        return r.id();
    }

    private void tryCatchFinally(TryTree t, Runnable body, List<? extends CatchTree> catches, BlockTree finallyBlock) {
        int outer = region;
        int after = nextId++;
        Fin fin = finallyBlock == null ? null : newFin(outer);
        int dispatch = catches.isEmpty() ? -1 : nextId++;
        int finRegion = fin == null ? outer
                : newRegion(fin.pending + " = t; " + fin.next + " = -1; state = " + ref(fin.start) + ";");
        int tryRegion = catches.isEmpty() ? finRegion
                : newRegion("$thrown = t; state = " + ref(dispatch) + ";");
        if (!catches.isEmpty()) {
            fields.put("$thrown", new Field("$thrown", "java.lang.Throwable", true));
        }
        int outerDepth = scopes.size();
        if (fin != null) {
            scopes.push(new Scope(t, null, -1, -1, null, fin));
        }
        startIn(nextId++, t.getBlock(), tryRegion);
        body.run();
        if (live) {
            jump(after, outerDepth);
        }
        if (!catches.isEmpty()) {
            region = outer;
            start(dispatch, catches.get(0));
            emit("java.lang.Throwable t$ = $thrown;");
            emit("$thrown = null;");
            cur.declaresLocals = true;
            int[] bodies = new int[catches.size()];
            for (int i = 0; i < catches.size(); i++) {
                CatchTree c = catches.get(i);
                VariableTree p = c.getParameter();
                bodies[i] = nextId++;
                List<Tree> alternatives = p.getType() instanceof UnionTypeTree u ? new ArrayList<>(u.getTypeAlternatives())
                        : List.of(p.getType());
                StringBuilder test = new StringBuilder();
                for (Tree alt : alternatives) {
                    test.append(test.isEmpty() ? "" : " || ").append("t$ instanceof ").append(text(alt));
                }
                hoisted.add(p);
                ensureField(p);
                emit("if (" + test + ") {");
                emit("    " + fieldName(p) + " = (" + fields.get(fieldName(p)).type() + ") t$;");
                emit("    " + jumpCode(bodies[i], scopes.size(), scopes.size()));
                emit("}");
            }
            if (fin != null) {
                emit(fin.pending + " = t$;");
                emit(fin.next + " = -1;");
                emit("state = " + ref(fin.start) + "; continue $dispatch;");
            } else {
                emit("throw t$;");
            }
            live = false;
            region = finRegion;
            for (int i = 0; i < catches.size(); i++) {
                start(bodies[i], catches.get(i).getBlock());
                statement(catches.get(i).getBlock());
                if (live) {
                    jump(after, outerDepth);
                }
            }
        }
        region = outer;
        if (fin != null) {
            scopes.pop();
            start(fin.start, finallyBlock);
            // A return inside the finally that it then drops (a throw caught, a jump) has written
            // $ret already: the completion the finally resumes keeps the value it came with.
            String kept = returnField != null && containsReturn(finallyBlock) ? "$ret" + fin.next.substring(4) : null;
            if (kept != null) {
                fields.put(kept, new Field(kept, fields.get(returnField).type(), fields.get(returnField).reference()));
                emit(kept + " = " + returnField + ";");
            }
            statement(finallyBlock);
            if (live) {
                if (kept != null) {
                    emit(returnField + " = " + kept + ";");
                }
                endFin(fin);
            }
        }
        startAfter(after, t);
    }

    /** The flow's locals that a lambda or a class body in it refers to. */
    private Set<VariableTree> capturedLocals() {
        if (capturedLocals == null) {
            Set<VariableTree> captured = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            new TreeScanner<Void, Integer>() {
                @Override
                public Void visitIdentifier(IdentifierTree id, Integer depth) {
                    if (depth > 0 && scan.bindings.get(id) instanceof FlowScan.Local l) {
                        captured.add(l.decl());
                    }
                    return null;
                }

                @Override
                public Void visitLambdaExpression(LambdaExpressionTree l, Integer depth) {
                    return super.visitLambdaExpression(l, depth + 1);
                }

                @Override
                public Void visitClass(ClassTree c, Integer depth) {
                    return super.visitClass(c, depth + 1);
                }
            }.scan(flow.tree().getBody(), 0);
            capturedLocals = captured;
        }
        return capturedLocals;
    }

    /** Java's default value for a variable of the type written {@code type}. */
    private static String defaultValue(String type) {
        return switch (type) {
            case "boolean" -> "false";
            case "char" -> "'\\0'";
            case "byte", "short", "int", "long", "float", "double" -> "0";
            default -> "null";
        };
    }

    /** Whether {@code t} holds a return of the flow's own (not one of a lambda or class inside it). */
    private static boolean containsReturn(Tree t) {
        return InPlaceScanner.contains(t, ReturnTree.class::isInstance);
    }

    private void endFin(Fin fin) {
        emit("if (" + fin.next + " < 0) {");
        emit("    java.lang.Throwable x$ = " + fin.pending + ";");
        emit("    " + fin.pending + " = null;");
        emit("    throw x$;");
        emit("}");
        emit("state = " + fin.next + "; continue $dispatch;");
        live = false;
    }

    /** try-with-resources (JLS 14.20.3): each resource closed on every exit, its close failure suppressed into the primary one. */
    private void resources(List<? extends Tree> list, int index, BlockTree block) {
        if (index == list.size()) {
            statement(block);
            return;
        }
        Tree r = list.get(index);
        String resource;
        if (r instanceof VariableTree v) {
            hoisted.add(v);
            declaration(v);
            resource = fieldName(v);
        } else {
            ExpressionTree e = (ExpressionTree) r;
            resource = temp(typer.typeOf(e), e);
            emit(resource + " = " + value(e) + ";");
        }
        int outer = region;
        int after = nextId++;
        Fin fin = newFin(outer);
        int bodyRegion = newRegion(fin.pending + " = t; " + fin.next + " = -1; state = " + ref(fin.start) + ";");
        int outerDepth = scopes.size();
        scopes.push(new Scope(r, null, -1, -1, null, fin));
        startIn(nextId++, block, bodyRegion);
        resources(list, index + 1, block);
        if (live) {
            jump(after, outerDepth);
        }
        scopes.pop();
        region = outer;
        start(fin.start, r);
        emit("if (" + resource + " != null) {");
        emit("    if (" + fin.pending + " != null) {");
        emit("        try {");
        emit("            " + resource + ".close();");
        emit("        } catch (java.lang.Throwable s$) {");
        emit("            " + fin.pending + ".addSuppressed(s$);");
        emit("        }");
        emit("    } else {");
        emit("        " + resource + ".close();");
        emit("    }");
        emit("}");
        endFin(fin);
        startAfter(after, block);
    }

    // ---- expressions ----------------------------------------------------------------------

    /** Lowers {@code e} so its value lands in {@code dest}, without a temporary for conditionals and switches. */
    private void valueInto(ExpressionTree e, String dest) {
        ExpressionTree x = e;
        while (x instanceof ParenthesizedTree p) {
            x = p.getExpression();
        }
        if (x instanceof ConditionalExpressionTree c && (scan.suspends(c.getTrueExpression()) || scan.suspends(c.getFalseExpression()))) {
            int otherwise = nextId++;
            int end = nextId++;
            conditionalJump("!(" + value(c.getCondition()) + ")", otherwise);
            valueInto(c.getTrueExpression(), dest);
            jump(end, scopes.size());
            start(otherwise, c.getFalseExpression());
            valueInto(c.getFalseExpression(), dest);
            jump(end, scopes.size());
            startAfter(end, c);
            return;
        }
        if (x instanceof SwitchExpressionTree s && scan.suspends(s)) {
            switchCases(s.getExpression(), s.getCases(), null, dest, s);
            return;
        }
        emit(dest + " = " + value(e) + ";");
    }

    /**
     * Java text for the value of {@code e}, valid in the state current when it returns; emits the
     * states of any suspension inside, keeping Java's left-to-right evaluation order.
     */
    String value(ExpressionTree e) {
        if (!scan.suspends(e)) {
            return text(e);
        }
        return switch (e) {
            case ParenthesizedTree p -> "(" + value(p.getExpression()) + ")";
            case MethodInvocationTree mi when scan.awaits.contains(mi) -> await(mi);
            case MethodInvocationTree mi when scan.flowCalls.containsKey(mi) -> flowCall(mi);
            case MethodInvocationTree mi -> invocation(mi);
            case BinaryTree b when b.getKind() == Tree.Kind.CONDITIONAL_AND || b.getKind() == Tree.Kind.CONDITIONAL_OR ->
                shortCircuit(b);
            case BinaryTree b -> {
                List<String> ops = operands(List.of(b.getLeftOperand(), b.getRightOperand()));
                yield ops.get(0) + " " + operator(b.getKind()) + " " + ops.get(1);
            }
            case UnaryTree u -> unary(u);
            case TypeCastTree c -> "(" + text(c.getType()) + ") " + value(c.getExpression());
            case InstanceOfTree i -> value(i.getExpression()) + " instanceof " + text(i.getPattern() != null ? i.getPattern() : i.getType());
            case ConditionalExpressionTree c when !scan.suspends(c.getTrueExpression()) && !scan.suspends(c.getFalseExpression()) ->
                value(c.getCondition()) + " ? " + text(c.getTrueExpression()) + " : " + text(c.getFalseExpression());
            case ConditionalExpressionTree c -> {
                String t = temp(typer.typeOf(c), c);
                valueInto(c, t);
                yield t;
            }
            case SwitchExpressionTree s -> {
                String t = temp(typer.typeOf(s), s);
                valueInto(s, t);
                yield t;
            }
            case AssignmentTree a -> assignment(a);
            case CompoundAssignmentTree a -> compoundAssignment(a);
            case ArrayAccessTree a -> {
                List<String> ops = operands(List.of(a.getExpression(), a.getIndex()));
                yield ops.get(0) + "[" + ops.get(1) + "]";
            }
            case MemberSelectTree ms -> value(ms.getExpression()) + "." + ms.getIdentifier();
            case NewClassTree n -> newClass(n);
            case NewArrayTree n -> newArray(n);
            default -> throw unsupported(e, "FlowUnsupported", "an await inside this kind of expression ("
                    + e.getKind().toString().toLowerCase().replace('_', ' ') + ") is not supported");
        };
    }

    private String await(MethodInvocationTree mi) {
        ExpressionTree arg = mi.getArguments().get(0);
        TypeMirror t = typer.typeOf(arg);
        if (t == null) {
            throw unsupported(arg, "FlowOperandType", "kio cannot tell whether '" + excerpt(arg)
                    + "' is an Operation or a Task; assign it to a local variable with an explicit type first");
        }
        String a = value(arg);
        int next = nextId++;
        if (typer.isOperation(t)) {
            emit("state = " + ref(next) + ";");
            emit("if (await(" + a + ")) return;");
            live = false;
            start(next, mi);
            return "result()";
        }
        if (typer.taskResult(t) == null) {
            throw unsupported(arg, "FlowAwaitType", "await takes a dev.kio.Operation or a dev.kio.Task, not " + t);
        }
        String task = temp(t, arg);
        emit(task + " = " + a + ";");
        emit("state = " + ref(next) + ";");
        emit("if (await(" + task + ")) return;");
        live = false;
        start(next, mi);
        return "resultOf(" + task + ")";
    }

    private String flowCall(MethodInvocationTree mi) {
        FlowMethod callee = scan.flowCalls.get(mi);
        List<String> args = operands(mi.getArguments());
        String child = embedded.get(callee);
        int next = nextId++;
        emit("state = " + ref(next) + ";");
        emit("if (await(" + child + ".start(self" + (args.isEmpty() ? "" : ", " + String.join(", ", args)) + "))) return;");
        live = false;
        start(next, mi);
        emit("joinEmbedded(" + child + ");");
        return callee.element().getReturnType().getKind() == TypeKind.VOID ? child : child + ".$ret";
    }

    private String invocation(MethodInvocationTree mi) {
        ExpressionTree select = mi.getMethodSelect();
        List<ExpressionTree> parts = new ArrayList<>();
        boolean receiver = select instanceof MemberSelectTree ms && isValue(ms.getExpression());
        if (receiver) {
            parts.add(((MemberSelectTree) select).getExpression());
        }
        parts.addAll(mi.getArguments());
        List<String> ops = operands(parts);
        String callee;
        if (receiver) {
            callee = ops.get(0) + "." + ((MemberSelectTree) select).getIdentifier();
            ops = ops.subList(1, ops.size());
        } else {
            callee = text(select);
        }
        return callee + "(" + String.join(", ", ops) + ")";
    }

    /** Whether a method's qualifier is evaluated (an expression) rather than a type or package name. */
    private boolean isValue(ExpressionTree q) {
        return switch (q) {
            case IdentifierTree id -> scan.bindings.containsKey(id);
            case MemberSelectTree ms -> scan.bindings.containsKey(ms) || isValue(ms.getExpression())
                    || typer.resolveTypeName(ms) == null && !(ms.getExpression() instanceof IdentifierTree);
            default -> true;
        };
    }

    /**
     * Lowers operands evaluated left to right: an operand followed by one that suspends is
     * evaluated into a field first, unless re-reading it later gives the same value.
     */
    private List<String> operands(List<? extends ExpressionTree> list) {
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            ExpressionTree e = list.get(i);
            String v = value(e);
            boolean later = false;
            boolean reassigned = false;
            for (int j = i + 1; j < list.size(); j++) {
                later |= scan.suspends(list.get(j));
                reassigned |= assignsLocal(list.get(j), e);
            }
            // A later operand that assigns this local changes what a read after the await would see.
            out.add(!later ? v : reassigned ? copy(e, v) : kept(e, v));
        }
        return out;
    }

    private String kept(ExpressionTree e, String v) {
        return stable(e) ? v : copy(e, v);
    }

    /** {@code v}, the value of {@code e}, copied into a temporary now. */
    private String copy(ExpressionTree e, String v) {
        String t = temp(typer.typeOf(e), e);
        emit(t + " = " + v + ";");
        return t;
    }

    /**
     * Whether {@code e} assigns the local that {@code read} names ({@code x = ..}, {@code x += ..},
     * {@code x++}): then a read of it before {@code e} is not the same as a read after.
     */
    private boolean assignsLocal(ExpressionTree e, ExpressionTree read) {
        while (read instanceof ParenthesizedTree p) {
            read = p.getExpression();
        }
        if (!(read instanceof IdentifierTree id) || !(scan.bindings.get(id) instanceof FlowScan.Local local)) {
            return false;
        }
        boolean[] found = {false};
        new TreeScanner<Void, Void>() {
            private void target(ExpressionTree v) {
                found[0] |= v instanceof IdentifierTree t && scan.bindings.get(t) instanceof FlowScan.Local l
                        && l.decl() == local.decl();
            }

            @Override
            public Void visitAssignment(AssignmentTree a, Void p) {
                target(a.getVariable());
                return super.visitAssignment(a, p);
            }

            @Override
            public Void visitCompoundAssignment(CompoundAssignmentTree a, Void p) {
                target(a.getVariable());
                return super.visitCompoundAssignment(a, p);
            }

            @Override
            public Void visitUnary(UnaryTree u, Void p) {
                switch (u.getKind()) {
                    case PREFIX_INCREMENT, PREFIX_DECREMENT, POSTFIX_INCREMENT, POSTFIX_DECREMENT -> target(u.getExpression());
                    default -> {
                    }
                }
                return super.visitUnary(u, p);
            }
        }.scan(e, null);
        return found[0];
    }

    private boolean stable(ExpressionTree e) {
        return switch (e) {
            case LiteralTree l -> true;
            case ParenthesizedTree p -> stable(p.getExpression());
            case LambdaExpressionTree l -> true;
            case MemberReferenceTree m -> stable(m.getQualifierExpression()) || !isValue(m.getQualifierExpression());
            case IdentifierTree id -> switch (scan.bindings.get(id)) {
                case FlowScan.Local l -> true;
                case FlowScan.This t -> true;
                case FlowScan.Member m -> m.element().getModifiers().contains(Modifier.FINAL);
                case null -> true;
            };
            case MemberSelectTree ms -> scan.bindings.get(ms) instanceof FlowScan.This
                    || ms.getIdentifier().contentEquals("class");
            default -> false;
        };
    }

    private String shortCircuit(BinaryTree b) {
        boolean and = b.getKind() == Tree.Kind.CONDITIONAL_AND;
        String t = "$t" + nextTemp++;
        fields.put(t, new Field(t, "boolean", false));
        emit(t + " = " + value(b.getLeftOperand()) + ";");
        int end = nextId++;
        conditionalJump(and ? "!" + t : t, end);
        emit(t + " = " + value(b.getRightOperand()) + ";");
        jump(end, scopes.size());
        startAfter(end, b);
        return t;
    }

    private String unary(UnaryTree u) {
        String v = value(u.getExpression());
        return switch (u.getKind()) {
            case POSTFIX_INCREMENT -> v + "++";
            case POSTFIX_DECREMENT -> v + "--";
            case PREFIX_INCREMENT -> "++" + v;
            case PREFIX_DECREMENT -> "--" + v;
            case UNARY_MINUS -> "-" + v;
            case UNARY_PLUS -> "+" + v;
            case BITWISE_COMPLEMENT -> "~" + v;
            case LOGICAL_COMPLEMENT -> "!" + v;
            default -> throw unsupported(u, "FlowUnsupported", "unexpected operator " + u.getKind());
        };
    }

    private String assignment(AssignmentTree a) {
        ExpressionTree target = a.getVariable();
        if (target instanceof ArrayAccessTree aa) {
            List<String> ops = operands(List.of(aa.getExpression(), aa.getIndex(), a.getExpression()));
            return ops.get(0) + "[" + ops.get(1) + "] = " + ops.get(2);
        }
        if (target instanceof MemberSelectTree ms && isValue(ms.getExpression())) {
            List<String> ops = operands(List.of(ms.getExpression(), a.getExpression()));
            return ops.get(0) + "." + ms.getIdentifier() + " = " + ops.get(1);
        }
        return text(target) + " = " + value(a.getExpression());
    }

    private String compoundAssignment(CompoundAssignmentTree a) {
        ExpressionTree target = a.getVariable();
        String op = operator(a.getKind());
        if (target instanceof IdentifierTree id && scan.bindings.get(id) instanceof FlowScan.Local
                && !assignsLocal(a.getExpression(), id)) {
            // A local cannot change while the flow is suspended, so reading it after the await is the same read.
            return text(target) + " " + op + "= " + value(a.getExpression());
        }
        // Java evaluates the target's array and index (or object) once, reads it, then the right side.
        String t;
        if (target instanceof ArrayAccessTree aa) {
            String array = copy(aa.getExpression(), value(aa.getExpression()));
            t = array + "[" + copy(aa.getIndex(), value(aa.getIndex())) + "]";
        } else if (target instanceof MemberSelectTree ms && isValue(ms.getExpression())) {
            t = kept(ms.getExpression(), value(ms.getExpression())) + "." + ms.getIdentifier();
        } else {
            t = text(target);
        }
        String old = temp(typer.typeOf(target), target);
        emit(old + " = " + t + ";");
        // The compound operator on the kept value narrows as Java does, with no cast to write.
        emit(old + " " + op + "= " + value(a.getExpression()) + ";");
        return t + " = " + old;
    }

    private String newClass(NewClassTree n) {
        List<ExpressionTree> parts = new ArrayList<>();
        if (n.getEnclosingExpression() != null) {
            parts.add(n.getEnclosingExpression());
        }
        parts.addAll(n.getArguments());
        List<String> ops = operands(parts);
        String outer = "";
        if (n.getEnclosingExpression() != null) {
            outer = ops.get(0) + ".";
            ops = ops.subList(1, ops.size());
        } else if (isInnerClassOfHandler(n.getIdentifier())) {
            // An inner class of the handler needs its enclosing instance, which here is self.
            outer = "self.";
        }
        String body = n.getClassBody() == null ? "" : " " + text(n.getClassBody());
        return outer + "new " + text(n.getIdentifier()) + "(" + String.join(", ", ops) + ")" + body;
    }

    private String newArray(NewArrayTree n) {
        List<ExpressionTree> parts = new ArrayList<>(n.getDimensions());
        if (n.getInitializers() != null) {
            parts.addAll(n.getInitializers());
        }
        List<String> ops = operands(parts);
        // Without a type it is a bare {...}: in a declaration or inside an outer array's initializer.
        StringBuilder b = new StringBuilder(n.getType() == null ? "" : "new " + text(n.getType()));
        int d = n.getDimensions().size();
        for (int i = 0; i < d; i++) {
            b.append('[').append(ops.get(i)).append(']');
        }
        if (n.getInitializers() != null) {
            if (n.getType() != null && d == 0) {
                b.append("[]");
            }
            b.append(n.getType() == null ? "{" : " {").append(String.join(", ", ops.subList(d, ops.size()))).append('}');
        }
        return b.toString();
    }

    private static String operator(Tree.Kind k) {
        return switch (k) {
            case MULTIPLY, MULTIPLY_ASSIGNMENT -> "*";
            case DIVIDE, DIVIDE_ASSIGNMENT -> "/";
            case REMAINDER, REMAINDER_ASSIGNMENT -> "%";
            case PLUS, PLUS_ASSIGNMENT -> "+";
            case MINUS, MINUS_ASSIGNMENT -> "-";
            case LEFT_SHIFT, LEFT_SHIFT_ASSIGNMENT -> "<<";
            case RIGHT_SHIFT, RIGHT_SHIFT_ASSIGNMENT -> ">>";
            case UNSIGNED_RIGHT_SHIFT, UNSIGNED_RIGHT_SHIFT_ASSIGNMENT -> ">>>";
            case LESS_THAN -> "<";
            case GREATER_THAN -> ">";
            case LESS_THAN_EQUAL -> "<=";
            case GREATER_THAN_EQUAL -> ">=";
            case EQUAL_TO -> "==";
            case NOT_EQUAL_TO -> "!=";
            case AND, AND_ASSIGNMENT -> "&";
            case XOR, XOR_ASSIGNMENT -> "^";
            case OR, OR_ASSIGNMENT -> "|";
            case CONDITIONAL_AND -> "&&";
            case CONDITIONAL_OR -> "||";
            default -> throw new IllegalArgumentException("not a binary operator: " + k);
        };
    }

    private boolean isInnerClassOfHandler(ExpressionTree identifier) {
        ExpressionTree name = identifier instanceof com.sun.source.tree.ParameterizedTypeTree pt
                ? (ExpressionTree) pt.getType() : identifier;
        if (!(name instanceof IdentifierTree)) {
            return false;
        }
        TypeElement t = typer.resolveTypeName(name);
        return t != null && !t.getModifiers().contains(Modifier.STATIC) && t.getNestingKind() == javax.lang.model.element.NestingKind.MEMBER
                && t.getKind() == javax.lang.model.element.ElementKind.CLASS;
    }

    // ---- copying source -------------------------------------------------------------------

    /** The source text of {@code t}, with names, returns and jumps rewritten for the generated class. */
    String text(Tree t) {
        int from = (int) positions.getStartPosition(unit, t);
        int to = (int) positions.getEndPosition(unit, t);
        List<int[]> spans = new ArrayList<>();
        List<String> replacements = new ArrayList<>();
        Rewriter rewriter = new Rewriter(t, spans, replacements);
        rewriter.scan(t, 0);
        rewriter.finishExits();
        StringBuilder b = new StringBuilder();
        int at = from;
        for (int i = 0; i < spans.size(); i++) {
            int[] s = spans.get(i);
            if (s[0] < at) {
                continue;
            }
            copy(b, at, s[0]);
            b.append(replacements.get(i));
            at = s[1];
        }
        copy(b, at, to);
        return rewriter.guard < 0 ? b.toString() : guarded(b.toString(), (StatementTree) t, rewriter);
    }

    /**
     * Appends the source from {@code from} to {@code to}, with the state markers written as the
     * Unicode escapes javac reads back as the same characters, wherever they stand.
     */
    private void copy(StringBuilder b, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = source.charAt(i);
            if (c == OPEN || c == CLOSE) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
    }

    /**
     * Wraps a copied statement whose jumps leave it through a finally or a resource's closing,
     * which the copy runs as Java does. Such a jump only records which exit it took and breaks
     * out of the statement; the jump itself happens after the statement, once every finally and
     * close has run in the current state, so what they throw goes to the handlers of this state.
     */
    private String guarded(String copied, StatementTree t, Rewriter r) {
        if (r.exits.isEmpty()) {
            return r.exitLabel() + ":\n" + copied;
        }
        StringBuilder b = new StringBuilder("int " + r.exitVar() + " = -1;\n" + r.exitLabel() + ":\n");
        b.append(reindent(copied, t)).append('\n');
        b.append("switch (").append(r.exitVar()).append(") {\n");
        // A statement that cannot end normally leaves by one of its exits: the last is then the default.
        boolean completes = Reachability.canCompleteNormally(t);
        for (int k = 0; k < r.exits.size(); k++) {
            String head = !completes && k == r.exits.size() - 1 ? "default" : "case " + k;
            b.append("    ").append(head).append(" -> { ").append(r.exits.get(k)).append(" }\n");
        }
        b.append("}");
        // Indented as if copied at the statement's column, which verbatim() takes off again.
        String pad = " ".repeat((int) lines.getColumnNumber(positions.getStartPosition(unit, t)) - 1 + 4);
        return "{\n" + CodeLines.indent(b.toString(), pad) + "\n" + pad.substring(4) + "}";
    }

    /**
     * A copied finally block being scanned: whether its try took an exit (a jump or return leaving
     * the copy, recorded before the finally runs), whether the try is itself inside a copied
     * finally, and then the local that keeps the exit from before the try, once a jump needs it.
     */
    private static final class Finally {
        final boolean exitsTaken;
        final boolean nested;
        String save;

        Finally(boolean exitsTaken, boolean nested) {
            this.exitsTaken = exitsTaken;
            this.nested = nested;
        }
    }

    /**
     * Finds what must change in copied source: names of hoisted locals and handler members
     * ({@code self.x}; a final local copy inside lambdas and classes, which run later), returns,
     * and break/continue/yield that leave the copied statement for a lowered one.
     */
    private final class Rewriter extends TreeScanner<Void, Integer> {
        private final Tree root;
        private final List<int[]> spans;
        private final List<String> replacements;
        /** Loops and switches inside the copied tree, innermost first. */
        private final Deque<Tree> inner = new ArrayDeque<>();
        private final Set<String> innerLabels = new HashSet<>();
        private final Map<String, String> copies = new HashMap<>();
        /** The code of each jump that leaves through a copied finally or resource, run after the copy. */
        final List<String> exits = new ArrayList<>();
        private String assignedForJavac;
        /** Numbers the label (and variable) of this copy's exits once it has any; -1 until then. */
        private int guard = -1;
        /** Jumps that record an exit, and the catch blocks that must forget a recorded exit. */
        private int exitsTaken;
        private final List<BlockTree> cancels = new ArrayList<>();
        /** Copied finally blocks that can end normally with code inside that may record an exit or a return value. */
        private final List<BlockTree> resumed = new ArrayList<>();
        /** Copied tries with a finally or resources around the code being scanned; those whose finally cannot end normally. */
        private int guards;
        private int abruptGuards;
        /** The copied finally blocks around the code being scanned, innermost first. */
        private final Deque<Finally> finallies = new ArrayDeque<>();
        /** How many copied finally blocks are around each loop, switch and label inside the copy. */
        private final Map<Tree, Integer> innerLevels = new IdentityHashMap<>();
        private final Map<String, Integer> labelLevels = new HashMap<>();
        private int deferredDepth;
        private int classDepth;

        Rewriter(Tree root, List<int[]> spans, List<String> replacements) {
            this.root = root;
            this.spans = spans;
            this.replacements = replacements;
        }

        private void replace(Tree t, String with) {
            span((int) positions.getStartPosition(unit, t), (int) positions.getEndPosition(unit, t), with);
        }

        /** Replaces the source from {@code s} to {@code e} ({@code s == e}: inserts) with {@code with}. */
        private void span(int s, int e, String with) {
            int i = spans.size();
            while (i > 0 && spans.get(i - 1)[0] > s) {
                i--;
            }
            spans.add(i, new int[] {s, e});
            replacements.add(i, with);
        }

        private String captured(String field, String type) {
            if (deferredDepth == 0) {
                return field;
            }
            return copies.computeIfAbsent(field, f -> {
                String c = f.replace("$", "") + "$c" + nextCopy++;
                pendingCopies.add("final " + (type == null ? "var" : type) + " " + c + " = " + f + ";");
                return c;
            });
        }

        private String self() {
            return captured("self", null);
        }

        String exitVar() {
            return "$exit" + guard;
        }

        String exitLabel() {
            return "$guarded" + guard;
        }

        /** {@code jump} as written where no copied finally or close runs on the way out, else deferred past the copy. */
        private String leave(String jump) {
            if (guards == 0) {
                return jump;
            }
            if (guard < 0) {
                guard = nextGuard++;
            }
            if (abruptGuards > 0) {
                // A finally on the way that cannot complete normally throws or jumps instead: this jump never happens.
                return assignedForJavac() + "break " + exitLabel() + ";";
            }
            int k = exits.indexOf(jump);
            if (k < 0) {
                k = exits.size();
                exits.add(jump);
            }
            exitsTaken++;
            return assignedForJavac() + exitVar() + " = " + k + "; break " + exitLabel() + ";";
        }

        /**
         * Assignments, with a default value, of the locals declared before the copy without a
         * value that the copy assigns: a break out of the copy reaches the code after it, for
         * javac, which then cannot tell they are assigned there. Never read: the break only
         * leaves to the exit dispatched right after, which moves to another state. Locals that a
         * lambda or class captures are left out (they must stay assigned once); final ones that
         * none captures are declared without final in the generated code.
         */
        private String assignedForJavac() {
            if (assignedForJavac == null) {
                StringBuilder b = new StringBuilder();
                Set<VariableTree> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
                int from = (int) positions.getStartPosition(unit, root);
                int to = (int) positions.getEndPosition(unit, root);
                new InPlaceScanner<Void, Void>() {
                    @Override
                    public Void visitAssignment(AssignmentTree a, Void p) {
                        if (a.getVariable() instanceof IdentifierTree id && scan.bindings.get(id) instanceof FlowScan.Local l) {
                            VariableTree v = l.decl();
                            int at = (int) positions.getStartPosition(unit, v);
                            if ((at < from || at >= to) && v.getInitializer() == null && !hoisted.contains(v)
                                    && !flow.tree().getParameters().contains(v) && !capturedLocals().contains(v)
                                    && seen.add(v)) {
                                b.append(localName(v)).append(" = ").append(defaultValue(text(v.getType()))).append("; ");
                            }
                        }
                        return super.visitAssignment(a, p);
                    }
                }.scan(root, null);
                assignedForJavac = b.toString();
            }
            return assignedForJavac;
        }

        @Override
        public Void visitTry(TryTree t, Integer p) {
            if (deferredDepth > 0) {
                return super.visitTry(t, p);
            }
            int guarding = t.getFinallyBlock() != null || !t.getResources().isEmpty() ? 1 : 0;
            int abrupt = t.getFinallyBlock() != null && !Reachability.canCompleteNormally(t.getFinallyBlock()) ? 1 : 0;
            guards += guarding;
            abruptGuards += abrupt;
            int before = exitsTaken;
            scan(t.getResources(), p);
            scan(t.getBlock(), p);
            if (exitsTaken > before) {
                // A finally or close that throws while a jump leaves, caught here, cancels the jump as in Java.
                t.getCatches().forEach(c -> cancels.add(c.getBlock()));
            }
            if (t.getFinallyBlock() == null) {
                // Resources are closed before a catch runs.
                guards -= guarding;
                scan(t.getCatches(), p);
            } else {
                scan(t.getCatches(), p);
                guards -= guarding;
                abruptGuards -= abrupt;
                Finally f = new Finally(exitsTaken > before, !finallies.isEmpty());
                finallies.push(f);
                scan(t.getFinallyBlock(), p);
                finallies.pop();
                if (recordsExits(t.getFinallyBlock()) && Reachability.canCompleteNormally(t.getFinallyBlock())) {
                    resumed.add(t.getFinallyBlock());
                }
                if (f.save != null) {
                    // The return value is kept too: a return in the try writes it before its finally runs.
                    String keepReturn = returnField == null ? ""
                            : fields.get(returnField).type() + " " + f.save + "Ret = " + returnField + "; ";
                    int start = (int) positions.getStartPosition(unit, t);
                    int end = (int) positions.getEndPosition(unit, t);
                    span(start, start, "{ int " + f.save + " = " + exitVar() + "; " + keepReturn);
                    span(end, end, " }");
                }
            }
            return null;
        }

        /**
         * {@code jump}, which stays inside the copy, with the exit it drops forgotten: leaving a
         * finally block, it cuts short the jump or return that was leaving through it (as in
         * Java), whose exit is recorded already. The exit goes back to what it was before the
         * try of the outermost finally left: none, unless that try itself runs inside a finally,
         * for an exit of its own (whose return value, if any, is then restored as well).
         */
        private void dropExitsLeft(Tree jump, String code, int targetLevel) {
            int left = finallies.size() - targetLevel;
            if (left <= 0 || finallies.stream().limit(left).noneMatch(f -> f.exitsTaken)) {
                return;
            }
            Finally outermost = finallies.stream().skip(left - 1).findFirst().orElseThrow();
            String restore = exitVar() + " = -1; ";
            if (outermost.nested) {
                if (outermost.save == null) {
                    outermost.save = "$save" + nextSave++;
                }
                restore = exitVar() + " = " + outermost.save + "; "
                        + (returnField == null ? "" : returnField + " = " + outermost.save + "Ret; ");
            }
            replace(jump, "{ " + restore + code + " }");
        }

        /** How many copied finally blocks are around the loop or switch an unlabelled jump goes to. */
        private int innerTargetLevel(boolean isContinue) {
            for (Tree t : inner) {
                if (t instanceof SwitchExpressionTree || isContinue && t instanceof SwitchTree) {
                    continue;
                }
                return innerLevels.get(t);
            }
            throw new IllegalStateException("no loop or switch inside the copy for " + (isContinue ? "continue" : "break"));
        }

        /**
         * Once the exits are known: clears the pending exit at the start of each catch that may
         * have cut a jump short; and around each copied finally that ends normally, keeps the exit
         * and the return value it started with, which it resumes, whatever code inside it
         * recorded and then dropped (a return whose throw was caught, say).
         */
        void finishExits() {
            if (!exits.isEmpty()) {
                for (BlockTree b : cancels) {
                    insertFirst((int) positions.getStartPosition(unit, b) + 1, " " + exitVar() + " = -1;");
                }
            }
            for (BlockTree b : resumed) {
                boolean exit = !exits.isEmpty();
                boolean ret = returnField != null && containsReturn(b);
                if (!exit && !ret) {
                    continue;
                }
                String n = "$save" + nextSave++;
                insertFirst((int) positions.getStartPosition(unit, b) + 1, " "
                        + (exit ? "int " + n + " = " + exitVar() + "; " : "")
                        + (ret ? fields.get(returnField).type() + " " + n + "Ret = " + returnField + "; " : ""));
                insertFirst((int) positions.getEndPosition(unit, b) - 1, (exit ? exitVar() + " = " + n + "; " : "")
                        + (ret ? returnField + " = " + n + "Ret; " : ""));
            }
        }

        /** Inserts {@code code} at {@code at}, before any replacement that starts there. */
        private void insertFirst(int at, String code) {
            int i = 0;
            while (i < spans.size() && spans.get(i)[0] < at) {
                i++;
            }
            spans.add(i, new int[] {at, at});
            replacements.add(i, code);
        }

        /** Whether {@code block} holds code that may record an exit or a return value: a return, a jump or a try. */
        private static boolean recordsExits(BlockTree block) {
            return InPlaceScanner.contains(block, t -> t instanceof ReturnTree || t instanceof BreakTree
                    || t instanceof ContinueTree || t instanceof TryTree);
        }

        @Override
        public Void visitIdentifier(IdentifierTree id, Integer p) {
            FlowScan.Binding b = scan.bindings.get(id);
            switch (b) {
                case FlowScan.Local l -> {
                    String name = localName(l.decl());
                    if (hoisted.contains(l.decl())) {
                        name = captured(name, null);
                    }
                    if (!name.contentEquals(id.getName())) {
                        replace(id, name);
                    }
                }
                case FlowScan.Member m -> replace(id, qualify(m.element()) + id.getName());
                case FlowScan.This t -> {
                    if (classDepth == 0) {
                        replace(id, self());
                    }
                }
                case null -> {
                }
            }
            return null;
        }

        private String qualify(Element member) {
            if (member.getModifiers().contains(Modifier.STATIC)) {
                return ((TypeElement) member.getEnclosingElement()).getQualifiedName() + ".";
            }
            return self() + ".";
        }

        @Override
        public Void visitMemberSelect(MemberSelectTree ms, Integer p) {
            if (scan.bindings.get(ms) instanceof FlowScan.This && classDepth == 0) {
                replace(ms, self());
                return null;
            }
            return super.visitMemberSelect(ms, p);
        }

        @Override
        public Void visitMethodInvocation(MethodInvocationTree mi, Integer p) {
            if (scan.awaits.contains(mi) || scan.flowCalls.containsKey(mi)) {
                throw unsupported(mi, "FlowUnsupported", "internal: a suspension point reached copied code");
            }
            if (mi.getMethodSelect() instanceof IdentifierTree id && scan.bindings.get(id) instanceof FlowScan.Member m) {
                replace(id, qualify(m.element()) + id.getName());
                scan(mi.getTypeArguments(), p);
                scan(mi.getArguments(), p);
                return null;
            }
            return super.visitMethodInvocation(mi, p);
        }

        @Override
        public Void visitNewClass(NewClassTree n, Integer p) {
            if (n.getEnclosingExpression() == null && classDepth == 0 && isInnerClassOfHandler(n.getIdentifier())) {
                // An inner class of the handler needs its enclosing instance, which here is self.
                span((int) positions.getStartPosition(unit, n), (int) positions.getStartPosition(unit, n.getIdentifier()),
                        self() + ".new ");
            }
            return super.visitNewClass(n, p);
        }

        @Override
        public Void visitVariable(VariableTree v, Integer p) {
            if (v != root && deferredDepth == 0 && !localName(v).contentEquals(v.getName())) {
                throw unsupported(v, "FlowUnsupported", "a local named " + v.getName()
                        + " inside a compound statement clashes with the generated continuation; rename it");
            }
            return super.visitVariable(v, p);
        }

        @Override
        public Void visitLambdaExpression(LambdaExpressionTree l, Integer p) {
            deferredDepth++;
            super.visitLambdaExpression(l, p);
            deferredDepth--;
            return null;
        }

        @Override
        public Void visitClass(ClassTree c, Integer p) {
            deferredDepth++;
            classDepth++;
            super.visitClass(c, p);
            classDepth--;
            deferredDepth--;
            return null;
        }

        @Override
        public Void visitReturn(ReturnTree r, Integer p) {
            if (deferredDepth > 0) {
                return super.visitReturn(r, p);
            }
            String value = r.getExpression() == null ? "" : returnField + " = " + text(r.getExpression()) + "; ";
            replace(r, "{ " + value + leave(returnCode()) + " }");
            return null;
        }

        @Override
        public Void visitBreak(BreakTree b, Integer p) {
            if (deferredDepth > 0) {
                return null;
            }
            if (!bindsInside(b.getLabel(), false)) {
                replace(b, "{ " + leave(outerJump(b, b.getLabel(), false)) + " }");
            } else if (b.getLabel() != null) {
                dropExitsLeft(b, "break " + b.getLabel() + ";", labelLevels.get(b.getLabel().toString()));
            } else {
                dropExitsLeft(b, "break;", innerTargetLevel(false));
            }
            return null;
        }

        @Override
        public Void visitContinue(ContinueTree c, Integer p) {
            if (deferredDepth > 0) {
                return null;
            }
            if (!bindsInside(c.getLabel(), true)) {
                replace(c, "{ " + leave(outerJump(c, c.getLabel(), true)) + " }");
            } else if (c.getLabel() != null) {
                dropExitsLeft(c, "continue " + c.getLabel() + ";", labelLevels.get(c.getLabel().toString()));
            } else {
                dropExitsLeft(c, "continue;", innerTargetLevel(true));
            }
            return null;
        }

        @Override
        public Void visitYield(YieldTree y, Integer p) {
            if (deferredDepth == 0 && inner.stream().noneMatch(t -> t instanceof SwitchExpressionTree)) {
                Scope target = null;
                int depth = scopes.size();
                for (Scope s : scopes) {
                    depth--;
                    if (s.yieldTo() != null) {
                        target = s;
                        break;
                    }
                }
                if (target != null) {
                    replace(y, "{ " + target.yieldTo() + " = " + text(y.getValue()) + "; "
                            + leave(jumpCode(target.breakTo(), depth, scopes.size())) + " }");
                    return null;
                }
            }
            return super.visitYield(y, p);
        }

        private boolean bindsInside(javax.lang.model.element.Name label, boolean isContinue) {
            if (label != null) {
                return innerLabels.contains(label.toString());
            }
            for (Tree t : inner) {
                if (isContinue ? !(t instanceof SwitchTree || t instanceof SwitchExpressionTree) : true) {
                    return true;
                }
            }
            return false;
        }

        private String outerJump(Tree at, javax.lang.model.element.Name label, boolean isContinue) {
            int depth = scopes.size();
            for (Scope s : scopes) {
                depth--;
                if (s.fin() != null) {
                    continue;
                }
                boolean matches = label != null ? label.contentEquals(s.label() == null ? "" : s.label())
                        : isContinue ? s.continueTo() >= 0 : s.continueTo() >= 0 || s.tree() instanceof SwitchTree;
                if (matches) {
                    return jumpCode(isContinue ? s.continueTo() : s.breakTo(), depth, scopes.size());
                }
            }
            throw unsupported(at, "FlowUnsupported", "cannot find the target of this jump");
        }

        private Void nested(Tree t, Integer p, java.util.function.Supplier<Void> body) {
            inner.push(t);
            innerLevels.put(t, finallies.size());
            try {
                return body.get();
            } finally {
                inner.pop();
            }
        }

        @Override
        public Void visitWhileLoop(WhileLoopTree t, Integer p) {
            return nested(t, p, () -> super.visitWhileLoop(t, p));
        }

        @Override
        public Void visitDoWhileLoop(DoWhileLoopTree t, Integer p) {
            return nested(t, p, () -> super.visitDoWhileLoop(t, p));
        }

        @Override
        public Void visitForLoop(ForLoopTree t, Integer p) {
            return nested(t, p, () -> super.visitForLoop(t, p));
        }

        @Override
        public Void visitEnhancedForLoop(EnhancedForLoopTree t, Integer p) {
            return nested(t, p, () -> super.visitEnhancedForLoop(t, p));
        }

        @Override
        public Void visitSwitch(SwitchTree t, Integer p) {
            return nested(t, p, () -> super.visitSwitch(t, p));
        }

        @Override
        public Void visitSwitchExpression(SwitchExpressionTree t, Integer p) {
            return nested(t, p, () -> super.visitSwitchExpression(t, p));
        }

        @Override
        public Void visitLabeledStatement(LabeledStatementTree t, Integer p) {
            innerLabels.add(t.getLabel().toString());
            labelLevels.put(t.getLabel().toString(), finallies.size());
            return super.visitLabeledStatement(t, p);
        }
    }
}
