package dev.kio.processor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes random {@code @Flow} methods that javac accepts under {@code -Xlint:all -Werror} and
 * the flow compiler supports, from a list of choices: each decision takes the next choice modulo
 * its number of options, and option 0 is always the simplest (end the block, a literal, no
 * await), which is also what an exhausted list gives. Shrinking the choices (fewer, smaller)
 * therefore shrinks the program.
 *
 * <p>Every form a flow may use appears: locals (explicit, {@code var}, {@code final}, blank and
 * definitely assigned later), parameters, handler fields, if/else, while, do/while, for,
 * for-each over arrays and Iterables, labelled break and continue, switch statements (colon and
 * arrow form) and switch expressions with yield, return, throw, try/catch/finally with awaits
 * in each part, try-with-resources, nested blocks, synchronized blocks, awaits inside
 * expressions (arguments, {@code &&}, {@code ||}, {@code ?:}, string concatenation, array
 * index, loop conditions, compound assignments), lambdas, method references and anonymous
 * classes capturing locals (never awaiting), and calls to other flows of the handler (of a
 * lower level only, so there is no recursion and no exponential fan-out). Loops are bounded by
 * counters, so every flow terminates.
 */
final class FlowGenerator {
    enum Ret {
        INT("int"), STRING("String"), VOID("void");

        final String java;

        Ret(String java) {
            this.java = java;
        }
    }

    /** A flow another flow may call. */
    record Callee(String name, Ret returns, int level) {
    }

    private enum Type {
        INT, STRING, BOOL, ARRAY, LIST, SUPPLIER, FUNC, RES, LATER, CAUGHT
    }

    private static final int OP = 1;
    private static final int IO = 2;
    private static final int EXC = 4;

    /** A local: {@code mutable} if the program may assign it, {@code capturable} if it is effectively final. */
    private static final class Var {
        final String name;
        final Type type;
        final boolean mutable;
        final boolean capturable;
        final boolean constant;
        boolean assigned;

        Var(String name, Type type, boolean mutable, boolean capturable, boolean constant, boolean assigned) {
            this.name = name;
            this.type = type;
            this.mutable = mutable;
            this.capturable = capturable;
            this.constant = constant;
            this.assigned = assigned;
        }

        static Var fixed(String name, Type type) {
            return new Var(name, type, false, true, false, true);
        }
    }

    /** Something break or continue can target. */
    private record Target(int id, String label, boolean loop, boolean breakable) {
    }

    /** Where code is being written: what may suspend, be jumped to, returned or yielded. */
    private record Ctx(boolean suspend, boolean lambda, List<Target> targets, boolean canReturn, Type yields,
            int depth) {
        Ctx deeper() {
            return new Ctx(suspend, lambda, targets, canReturn, yields, depth + 1);
        }

        Ctx with(Target t) {
            List<Target> ts = new ArrayList<>(targets);
            ts.add(t);
            return new Ctx(suspend, lambda, ts, canReturn, yields, depth + 1);
        }

        Ctx noSuspend() {
            return new Ctx(false, lambda, targets, canReturn, yields, depth + 1);
        }

        /** The body of a lambda or anonymous class: no suspension, only effectively final locals. */
        Ctx inLambda() {
            return new Ctx(false, true, List.of(), false, null, depth + 1);
        }
    }

    /** What a statement or block can do at its end: complete normally, jump, throw checked exceptions. */
    private static final class Exit {
        boolean normal = true;
        final Set<Integer> breaks = new HashSet<>();
        final Set<Integer> continues = new HashSet<>();
        int checked;

        void add(Exit e) {
            breaks.addAll(e.breaks);
            continues.addAll(e.continues);
            checked |= e.checked;
        }
    }

    /** An expression's text; {@code constant} if javac may fold it (so it must not be a divisor). */
    private record Expr(String code, boolean constant, int checked) {
    }

    private final List<Integer> choices;
    private int at;
    private final List<Callee> callees;
    private final int level;
    private final Ret returns;
    private final List<Var> scope = new ArrayList<>();
    private final Set<String> declared = new LinkedHashSet<>();
    /** Names that may not be given to a new local, though not (yet, or any more) in {@link #scope}. */
    private final Set<String> reserved = new HashSet<>();
    /** Every name {@link #newName} gave, in order. */
    private final List<String> taken = new ArrayList<>();
    private int budget = 28;
    private int names;
    private int ids;
    private int sites;
    private final int siteBase;
    private boolean fallthrough;
    private boolean abruptFinally;
    private StringBuilder out = new StringBuilder();
    private int indent = 1;

    private FlowGenerator(List<Integer> choices, List<Callee> callees, int level, Ret returns, int siteBase) {
        this.choices = choices;
        this.callees = callees;
        this.level = level;
        this.returns = returns;
        this.siteBase = siteBase;
    }

    /**
     * The source of flow {@code name} (a method of the generated handler) returning
     * {@code returns}, calling only {@code callees} of a lower level than {@code level}; its await
     * sites are numbered from {@code siteBase}.
     */
    static String flow(String name, Ret returns, int level, List<Callee> callees, List<Integer> choices, int siteBase) {
        return new FlowGenerator(choices, callees, level, returns, siteBase).write(name);
    }

    private String write(String name) {
        boolean fixedA = chance(40);
        scope.add(new Var("a", Type.INT, !fixedA, fixedA, false, true));
        scope.add(new Var("b", Type.INT, true, false, false, true));
        declared.add("a");
        declared.add("b");
        Ctx ctx = new Ctx(true, false, List.of(), true, null, 0);
        if (chance(40)) {
            Var later = declare(newName("later"), Type.LATER, false, false);
            line("List<IntSupplier> " + later.name + " = new ArrayList<>();");
        }
        Exit e = statements(ctx);
        if (e.normal && returns != Ret.VOID) {
            line("return " + (returns == Ret.INT ? intExpr(ctx, 0) : strExpr(ctx, 0)).code + ";");
        }
        StringBuilder m = new StringBuilder("    @Flow\n");
        List<String> suppress = new ArrayList<>();
        if (fallthrough) {
            suppress.add("\"fallthrough\"");
        }
        if (abruptFinally) {
            suppress.add("\"finally\"");
        }
        if (!suppress.isEmpty()) {
            m.append("    @SuppressWarnings({").append(String.join(", ", suppress)).append("})\n");
        }
        m.append("    ").append(choose(2) == 0 ? "public " : "").append(returns.java).append(' ').append(name)
                .append('(').append(fixedA && chance(50) ? "final " : "").append("int a, int b) throws Exception {\n")
                .append(out).append("    }\n");
        return m.toString();
    }

    // ---- choices ---------------------------------------------------------------------------

    private int choose(int n) {
        if (n <= 1 || at >= choices.size()) {
            return 0;
        }
        return Math.floorMod(choices.get(at++), n);
    }

    /** True with about {@code percent}% probability; false once choices run out. */
    private boolean chance(int percent) {
        return choose(100) >= 100 - percent;
    }

    // ---- emission --------------------------------------------------------------------------

    private void line(String s) {
        out.append("    ".repeat(indent + 1)).append(s).append('\n');
    }

    private String fresh(String prefix) {
        String n;
        do {
            n = prefix + names++;
        } while (declared.contains(n));
        return n;
    }

    /**
     * A name for a new local: sometimes that of an earlier local whose scope ended (in a sibling
     * block, loop or catch), which the processor must keep apart where both end up in one
     * generated state, else one never used before.
     */
    private String newName(String prefix) {
        // A name stays reserved until it is seen in scope: before that it may be about to come into it.
        reserved.removeIf(this::inScope);
        List<String> ended = new ArrayList<>();
        for (String d : declared) {
            if (d.startsWith(prefix) && d.length() > prefix.length() && d.substring(prefix.length()).chars().allMatch(Character::isDigit)
                    && !inScope(d) && !reserved.contains(d)) {
                ended.add(d);
            }
        }
        // The most recently ended names first: those of a sibling just before.
        String n = !ended.isEmpty() && chance(50) ? ended.get(ended.size() - 1 - choose(ended.size())) : fresh(prefix);
        declared.add(n);
        reserved.add(n);
        taken.add(n);
        return n;
    }

    private boolean inScope(String name) {
        return scope.stream().anyMatch(v -> v.name.equals(name));
    }

    /** A new local; {@code fixed} ones are never assigned again, so lambdas may capture them. */
    private Var declare(String name, Type type, boolean fixed, boolean constant) {
        Var v = new Var(name, type, !fixed, fixed, constant, true);
        scope.add(v);
        return v;
    }

    /** The locals of {@code type} the code at {@code ctx} may read, or assign if {@code mutable}. */
    private List<Var> vars(Ctx ctx, Type type, boolean mutable) {
        List<Var> vs = new ArrayList<>();
        for (Var v : scope) {
            if (v.type == type && v.assigned && (!mutable || v.mutable && !ctx.lambda) && (!ctx.lambda || v.capturable)) {
                vs.add(v);
            }
        }
        return vs;
    }

    private Var pick(List<Var> vs) {
        return vs.isEmpty() ? null : vs.get(choose(vs.size()));
    }

    private String await(Ctx ctx) {
        return "await(op(" + (siteBase + sites++) + "))";
    }

    // ---- statements ------------------------------------------------------------------------

    /** Statements until the choices say stop or one cannot complete normally; their locals end with them. */
    private Exit block(Ctx ctx) {
        int mark = scope.size();
        Exit e = statements(ctx);
        while (scope.size() > mark) {
            scope.remove(scope.size() - 1);
        }
        return e;
    }

    /** Statements until the choices say stop or one cannot complete normally; their locals stay in scope. */
    private Exit statements(Ctx ctx) {
        Exit e = new Exit();
        int max = ctx.depth == 0 ? 12 : 5;
        for (int i = 0; i < max && budget > 0 && (i == 0 && ctx.depth == 0 || chance(i == 0 ? 80 : 65)); i++) {
            budget--;
            Exit s = statement(ctx);
            e.add(s);
            if (!s.normal) {
                e.normal = false;
                break;
            }
        }
        return e;
    }

    private Exit braced(Ctx ctx) {
        indent++;
        Exit e = block(ctx);
        indent--;
        return e;
    }

    private Exit statement(Ctx ctx) {
        boolean nest = ctx.depth < 4;
        int c = choose(nest ? 30 : 10);
        return switch (c) {
            case 0, 1 -> simple(ctx);
            case 2 -> declaration(ctx);
            case 3 -> assignment(ctx);
            case 4 -> awaitStatement(ctx);
            case 5 -> flowCallStatement(ctx);
            case 6 -> lambdaDeclaration(ctx);
            case 7 -> jump(ctx);
            case 8 -> returnStatement(ctx);
            case 9 -> throwStatement(ctx);
            case 10, 11 -> ifStatement(ctx);
            case 12 -> whileLoop(ctx);
            case 13 -> doWhileLoop(ctx);
            case 14 -> forLoop(ctx);
            case 15 -> forEach(ctx);
            case 16 -> labelled(ctx);
            case 17 -> switchStatement(ctx);
            case 18 -> arrowSwitchStatement(ctx);
            case 19, 20 -> tryStatement(ctx);
            case 21 -> tryWithResources(ctx);
            case 22 -> nestedBlock(ctx);
            case 23 -> blankFinal(ctx);
            case 24 -> synchronizedBlock(ctx);
            case 25 -> deferredCapture(ctx);
            case 26 -> anonymousClass(ctx);
            case 27 -> compoundOnElement(ctx);
            case 28 -> yieldEarly(ctx);
            default -> declaration(ctx);
        };
    }

    private static Exit normal(int checked) {
        Exit e = new Exit();
        e.checked = checked;
        return e;
    }

    private static Exit abrupt(int checked) {
        Exit e = normal(checked);
        e.normal = false;
        return e;
    }

    private Exit simple(Ctx ctx) {
        Expr e = intExpr(ctx, 0);
        line("log(" + e.code + ");");
        return normal(e.checked);
    }

    private Exit declaration(Ctx ctx) {
        switch (choose(6)) {
            case 0, 1 -> {
                String name = newName("x");
                boolean switched = chance(20);
                Expr e = switched ? switchExpr(ctx, 0, Type.INT, true) : intExpr(ctx, 0);
                boolean fin = chance(30);
                String kw = fin ? "final int " : !switched && chance(40) ? "var " : "int ";
                Var v = declare(name, Type.INT, fin || chance(30), fin && e.constant);
                line(kw + v.name + " = " + e.code + ";");
                return normal(e.checked);
            }
            case 2 -> {
                String name = newName("s");
                boolean switched = chance(20);
                Expr e = switched ? switchExpr(ctx, 0, Type.STRING, true) : strExpr(ctx, 0);
                Var v = declare(name, Type.STRING, chance(30), false);
                line((!switched && chance(40) ? "var " : "String ") + v.name + " = " + e.code + ";");
                return normal(e.checked);
            }
            case 3 -> {
                String name = newName("f");
                Expr e = boolExpr(ctx, 0);
                Var v = declare(name, Type.BOOL, chance(50), false);
                line("boolean " + v.name + " = " + e.code + ";");
                return normal(e.checked);
            }
            case 4 -> {
                String name = newName("arr");
                Expr x = intExpr(ctx, 1);
                Expr y = intExpr(ctx, 1);
                Expr z = intExpr(ctx, 1);
                Var v = declare(name, Type.ARRAY, chance(50), false);
                String init = "{" + x.code + ", " + y.code + ", " + z.code + "}";
                line((chance(50) ? "int[] " + v.name + " = " + init : "var " + v.name + " = new int[] " + init) + ";");
                return normal(x.checked | y.checked | z.checked);
            }
            default -> {
                String name = newName("xs");
                Expr x = intExpr(ctx, 1);
                Expr y = intExpr(ctx, 1);
                Var v = declare(name, Type.LIST, chance(50), false);
                if (chance(50)) {
                    line("List<Integer> " + v.name + " = List.of(" + x.code + ", " + y.code + ");");
                } else {
                    line("List<Integer> " + v.name + " = new ArrayList<>();");
                    line(v.name + ".add(" + x.code + ");");
                    line(v.name + ".add(" + y.code + ");");
                }
                return normal(x.checked | y.checked);
            }
        }
    }

    private Exit assignment(Ctx ctx) {
        Var v = pick(vars(ctx, Type.INT, true));
        boolean switched = chance(10);
        Expr e = switched ? switchExpr(ctx, 0, Type.INT, true) : intExpr(ctx, 0);
        // A switch that awaits is lowered into a plain name only; elsewhere it needs a local first ([FlowOperandType]).
        String target = v != null && chance(70) ? v.name : chance(50) || switched ? "fld0" : "this.fld1";
        int checked = e.checked;
        switch (switched ? 0 : choose(5)) {
            case 0 -> line(target + " = " + e.code + ";");
            case 1 -> line(target + " += " + e.code + ";");
            case 2 -> line(target + " -= " + e.code + ";");
            case 3 -> {
                line(target + (chance(50) ? "++;" : "--;"));
                checked = 0;
            }
            default -> line(target + " *= " + e.code + ";");
        }
        Var s = pick(vars(ctx, Type.STRING, true));
        if (s != null && chance(30)) {
            Expr x = strExpr(ctx, 1);
            line(s.name + " += " + x.code + ";");
            return normal(checked | x.checked);
        }
        if (chance(20)) {
            Expr x = strExpr(ctx, 1);
            line("sfld += " + x.code + ";");
            return normal(checked | x.checked);
        }
        return normal(checked);
    }

    private Exit compoundOnElement(Ctx ctx) {
        Var arr = pick(vars(ctx, Type.ARRAY, false));
        if (arr == null) {
            return declaration(ctx);
        }
        boolean compound = chance(50);
        Expr i = index(ctx, arr.name + ".length");
        Expr e = intExpr(ctx, 0);
        line(arr.name + "[" + i.code + "] " + (compound ? "+= " : "= ") + e.code + ";");
        return normal(i.checked | e.checked);
    }

    private Exit awaitStatement(Ctx ctx) {
        if (!ctx.suspend) {
            return simple(ctx);
        }
        line(await(ctx) + ";");
        return normal(OP);
    }

    private Exit flowCallStatement(Ctx ctx) {
        Callee c = callee(ctx, null);
        if (c == null) {
            return awaitStatement(ctx);
        }
        Expr x = intExpr(ctx, 1);
        Expr y = intExpr(ctx, 1);
        line(c.name + "(" + x.code + ", " + y.code + ");");
        return normal(EXC | x.checked | y.checked);
    }

    private Callee callee(Ctx ctx, Ret type) {
        if (!ctx.suspend) {
            return null;
        }
        List<Callee> cs = callees.stream().filter(c -> c.level < level && (type == null || c.returns == type)).toList();
        return cs.isEmpty() ? null : cs.get(choose(cs.size()));
    }

    /** A lambda, a method reference or a supplier that captures effectively final locals. */
    private Exit lambdaDeclaration(Ctx ctx) {
        switch (choose(4)) {
            case 0 -> {
                String name = newName("g");
                String p = fresh("p");
                scope.add(Var.fixed(p, Type.INT));
                Expr body = intExpr(ctx.inLambda(), 1);
                scope.remove(scope.size() - 1);
                Var v = declare(name, Type.FUNC, true, false);
                line("IntUnaryOperator " + v.name + " = " + p + " -> " + body.code + ";");
            }
            case 1 -> {
                Var v = declare(newName("g"), Type.FUNC, true, false);
                line("IntUnaryOperator " + v.name + " = " + (chance(50) ? "this::twice" : "Math::negateExact") + ";");
            }
            case 2 -> {
                String name = newName("sup");
                Expr body = intExpr(ctx.inLambda(), 1);
                Var v = declare(name, Type.SUPPLIER, true, false);
                line("IntSupplier " + v.name + " = () -> " + body.code + ";");
            }
            default -> {
                String r = fresh("r");
                line("Runnable " + r + " = () -> {");
                indent++;
                Expr e = intExpr(ctx.inLambda(), 1);
                line("note(\"run \" + " + e.code + ");");
                if (chance(50)) {
                    line("fld1 += " + intExpr(ctx.inLambda(), 2).code + ";");
                }
                indent--;
                line("};");
                line(r + ".run();");
            }
        }
        return normal(0);
    }

    /** Captures now, runs later: a capture that read a local's later value would show in the trace. */
    private Exit deferredCapture(Ctx ctx) {
        Var list = pick(vars(ctx, Type.LATER, false));
        if (list == null) {
            return lambdaDeclaration(ctx);
        }
        if (chance(30)) {
            String s = fresh("run");
            line("for (IntSupplier " + s + " : " + list.name + ") {");
            line("    log(" + s + ".getAsInt());");
            line("}");
            return normal(0);
        }
        Expr body = intExpr(ctx.inLambda(), 1);
        line(list.name + ".add(() -> " + body.code + ");");
        return normal(0);
    }

    private Exit anonymousClass(Ctx ctx) {
        String name = newName("sup");
        Expr body = intExpr(ctx.inLambda(), 1);
        Var v = declare(name, Type.SUPPLIER, true, false);
        line("IntSupplier " + v.name + " = new IntSupplier() {");
        line("    @Override");
        line("    public int getAsInt() {");
        line("        return log(" + body.code + ");");
        line("    }");
        line("};");
        return normal(0);
    }

    private Exit jump(Ctx ctx) {
        List<Target> ts = ctx.targets;
        if (ts.isEmpty() || !chance(80)) {
            return simple(ctx);
        }
        Expr cond = boolExpr(ctx, 1);
        line("if (" + cond.code + ") {");
        indent++;
        Exit inner = jumpTo(ctx);
        indent--;
        line("}");
        Exit e = normal(cond.checked);
        e.add(inner);
        return e;
    }

    /** One break or continue to a target in reach; the caller guards it so code after stays reachable. */
    private Exit jumpTo(Ctx ctx) {
        List<Target> ts = ctx.targets;
        Target t = ts.get(choose(ts.size()));
        Target innermostLoop = null;
        Target innermostBreakable = null;
        for (Target x : ts) {
            if (x.loop) {
                innermostLoop = x;
            }
            if (x.breakable) {
                innermostBreakable = x;
            }
        }
        Exit e = abrupt(0);
        if (t.loop && chance(50)) {
            if (t.label != null && (t != innermostLoop || chance(50))) {
                line("continue " + t.label + ";");
                e.continues.add(t.id);
            } else {
                line("continue;");
                e.continues.add(innermostLoop.id);
            }
        } else if (t.label != null && (t != innermostBreakable || chance(50))) {
            line("break " + t.label + ";");
            e.breaks.add(t.id);
        } else {
            line("break;");
            e.breaks.add(innermostBreakable.id);
        }
        return e;
    }

    private Exit returnStatement(Ctx ctx) {
        if (!ctx.canReturn) {
            return ctx.yields != null ? yieldEarly(ctx) : simple(ctx);
        }
        if (chance(60)) {
            Expr cond = boolExpr(ctx, 1);
            line("if (" + cond.code + ") {");
            indent++;
            Exit r = returnNow(ctx);
            indent--;
            line("}");
            return normal(cond.checked | r.checked);
        }
        return returnNow(ctx);
    }

    private Exit returnNow(Ctx ctx) {
        boolean switched = chance(15);
        Expr e = switch (returns) {
            case INT -> switched ? switchExpr(ctx, 0, Type.INT, true) : intExpr(ctx, 0);
            case STRING -> switched ? switchExpr(ctx, 0, Type.STRING, true) : strExpr(ctx, 0);
            case VOID -> null;
        };
        line(e == null ? "return;" : "return " + e.code + ";");
        return abrupt(e == null ? 0 : e.checked);
    }

    private Exit yieldEarly(Ctx ctx) {
        if (ctx.yields == null) {
            return simple(ctx);
        }
        Expr cond = boolExpr(ctx, 1);
        Expr v = ctx.yields == Type.INT ? intExpr(ctx, 1) : strExpr(ctx, 1);
        line("if (" + cond.code + ") {");
        line("    yield " + result(ctx.yields, v) + ";");
        line("}");
        return normal(cond.checked | v.checked);
    }

    private Exit throwStatement(Ctx ctx) {
        Expr cond = boolExpr(ctx, 1);
        boolean guarded = chance(70);
        if (guarded) {
            line("if (" + cond.code + ") {");
            indent++;
        }
        Exit t = throwNow(ctx);
        if (guarded) {
            indent--;
            line("}");
            return normal(cond.checked | t.checked);
        }
        return t;
    }

    private Exit throwNow(Ctx ctx) {
        Expr m = intExpr(ctx, 1);
        return switch (choose(3)) {
            case 0 -> {
                line("throw new IllegalStateException(\"t\" + " + m.code + ");");
                yield abrupt(m.checked);
            }
            case 1 -> {
                line("throw new IOException(\"io\" + " + m.code + ");");
                yield abrupt(m.checked | IO);
            }
            default -> {
                line("throw new ArithmeticException(\"ar\" + " + m.code + ");");
                yield abrupt(m.checked);
            }
        };
    }

    private Exit ifStatement(Ctx ctx) {
        Expr cond = boolExpr(ctx, 0);
        line("if (" + cond.code + ") {");
        Exit then = braced(ctx.deeper());
        Exit e = normal(cond.checked);
        e.add(then);
        if (chance(40)) {
            line("}");
            return e;
        }
        if (chance(30)) {
            Expr c2 = boolExpr(ctx, 1);
            line("} else if (" + c2.code + ") {");
            Exit mid = braced(ctx.deeper());
            e.add(mid);
            e.checked |= c2.checked;
            line("}");
            return e;
        }
        line("} else {");
        Exit other = braced(ctx.deeper());
        line("}");
        e.add(other);
        e.normal = then.normal || other.normal;
        return e;
    }

    private Target target(boolean loop, boolean labelled) {
        int id = ids++;
        return new Target(id, labelled ? "L" + id : null, loop, true);
    }

    /** A loop ends normally unless nothing leaves it; a counter bounds it. */
    private Exit loopExit(Target t, Exit body, int checked) {
        Exit e = normal(checked | body.checked);
        body.breaks.remove(t.id);
        body.continues.remove(t.id);
        e.breaks.addAll(body.breaks);
        e.continues.addAll(body.continues);
        return e;
    }

    private String label(Target t) {
        return t.label == null ? "" : t.label + ": ";
    }

    private Exit whileLoop(Ctx ctx) {
        Target t = target(true, chance(30));
        String n = fresh("n");
        int bound = 1 + choose(3);
        line("int " + n + " = 0;");
        Exit body;
        int checked = 0;
        if (chance(30)) {
            line(label(t) + "while (true) {");
            line("    if (" + n + "++ >= " + bound + ") {");
            line("        break;");
            line("    }");
            body = braced(ctx.with(t));
        } else {
            Expr cond = chance(60) ? boolExpr(ctx, 1) : null;
            checked = cond == null ? 0 : cond.checked;
            line(label(t) + "while (" + n + "++ < " + bound + (cond == null ? "" : " && " + cond.code) + ") {");
            body = braced(ctx.with(t));
        }
        line("}");
        return loopExit(t, body, checked);
    }

    private Exit doWhileLoop(Ctx ctx) {
        Target t = target(true, chance(30));
        String n = fresh("n");
        int bound = 1 + choose(3);
        line("int " + n + " = 0;");
        line(label(t) + "do {");
        line("    " + n + "++;");
        Exit body = braced(ctx.with(t));
        // javac takes a do/while whose unreachable condition holds a switch expression for one that ends normally.
        boolean reached = body.normal || body.continues.contains(t.id);
        Expr cond = reached && chance(50) ? boolExpr(ctx, 1) : null;
        line("} while (" + n + " < " + bound + (cond == null ? "" : " && " + cond.code) + ");");
        // JLS 14.22: the condition is never constant, so the loop ends normally if it is reached or a break leaves.
        boolean normal = body.normal || body.continues.contains(t.id) || body.breaks.contains(t.id);
        Exit e = loopExit(t, body, cond == null ? 0 : cond.checked);
        e.normal = normal;
        return e;
    }

    private Exit forLoop(Ctx ctx) {
        Target t = target(true, chance(30));
        String i = newName("i");
        int bound = 1 + choose(3);
        Expr cond = chance(40) ? boolExpr(ctx, 1) : null;
        String update = i + "++";
        int checked = cond == null ? 0 : cond.checked;
        scope.add(new Var(i, Type.INT, false, false, false, true));
        if (chance(30)) {
            Expr u = intExpr(ctx, 1);
            update += ", log(" + u.code + ")";
            checked |= u.checked;
        }
        line(label(t) + "for (int " + i + " = 0; " + i + " < " + bound + (cond == null ? "" : " && " + cond.code) + "; "
                + update + ") {");
        Exit body = braced(ctx.with(t));
        scope.remove(scope.size() - 1);
        line("}");
        return loopExit(t, body, checked);
    }

    private Exit forEach(Ctx ctx) {
        Target t = target(true, chance(30));
        String source;
        int checked = 0;
        Var arr = pick(vars(ctx, Type.ARRAY, false));
        Var list = pick(vars(ctx, Type.LIST, false));
        String elem = chance(30) ? "var" : "int";
        switch (choose(4)) {
            case 0 -> {
                Expr x = intExpr(ctx, 1);
                Expr y = intExpr(ctx, 1);
                source = "new int[] {" + x.code + ", " + y.code + "}";
                checked = x.checked | y.checked;
            }
            case 1 -> {
                Expr x = intExpr(ctx, 1);
                source = "listOf(" + x.code + ", 7)";
                checked = x.checked;
                elem = chance(50) ? "Integer" : elem;
            }
            case 2 -> source = arr == null ? "new int[] {1, 2}" : arr.name;
            default -> {
                source = list == null ? "listOf(3, 4)" : list.name;
                elem = chance(50) ? "Integer" : elem;
            }
        }
        String v = newName("e");
        line(label(t) + "for (" + elem + " " + v + " : " + source + ") {");
        scope.add(Var.fixed(v, Type.INT));
        Exit body = braced(ctx.with(t));
        scope.remove(scope.size() - 1);
        line("}");
        return loopExit(t, body, checked);
    }

    private Exit labelled(Ctx ctx) {
        Target t = new Target(ids++, null, false, false);
        Target named = new Target(t.id, "B" + t.id, false, false);
        line(named.label + ": {");
        Exit body = braced(ctx.with(named));
        line("}");
        Exit e = normal(body.checked);
        e.normal = body.normal || body.breaks.contains(t.id);
        body.breaks.remove(t.id);
        e.breaks.addAll(body.breaks);
        e.continues.addAll(body.continues);
        return e;
    }

    private Exit switchStatement(Ctx ctx) {
        Target t = target(false, chance(20));
        Expr sel = intExpr(ctx, 1);
        int cases = 1 + choose(3);
        boolean hasDefault = chance(60);
        line(label(t) + "switch (" + selector(sel.code, cases) + ") {");
        Exit e = normal(sel.checked);
        int mark = scope.size();
        Exit last = null;
        for (int k = 0; k <= cases; k++) {
            boolean isDefault = k == cases;
            if (isDefault && !hasDefault) {
                break;
            }
            line(isDefault ? "default:" : "case " + k + ":");
            indent++;
            int groupMark = scope.size();
            int namesBefore = taken.size();
            Exit g = block(ctx.with(t));
            scope.subList(groupMark, scope.size()).clear();
            // A local of a case group is in scope in the groups after it, to the end of the switch.
            reserved.addAll(taken.subList(namesBefore, taken.size()));
            boolean end = !isDefault && (k < cases - 1 || hasDefault);
            if (g.normal && end) {
                if (chance(75)) {
                    line("break;");
                    g.breaks.add(t.id);
                    g.normal = false;
                } else {
                    fallthrough = true;
                }
            }
            indent--;
            e.add(g);
            last = g;
        }
        line("}");
        while (scope.size() > mark) {
            scope.remove(scope.size() - 1);
        }
        e.normal = !hasDefault || last == null || last.normal || e.breaks.contains(t.id);
        e.breaks.remove(t.id);
        return e;
    }

    private String selector(String code, int cases) {
        return "mod(" + code + ", " + (cases + 1) + ")";
    }

    private Exit arrowSwitchStatement(Ctx ctx) {
        Target t = target(false, chance(20));
        Expr sel = intExpr(ctx, 1);
        int cases = 1 + choose(3);
        boolean hasDefault = chance(60);
        boolean strings = chance(25);
        line(label(t) + "switch (" + (strings ? "\"k\" + " + selector(sel.code, cases) : selector(sel.code, cases)) + ") {");
        Exit e = normal(sel.checked);
        boolean anyNormal = false;
        for (int k = 0; k <= cases; k++) {
            boolean isDefault = k == cases;
            if (isDefault && !hasDefault) {
                break;
            }
            String head = isDefault ? "default" : "case " + caseLabel(k, strings);
            if (!isDefault && k + 1 < cases && chance(25)) {
                head += ", " + caseLabel(++k, strings);
            }
            switch (choose(3)) {
                case 0 -> {
                    Expr x = intExpr(ctx, 1);
                    line(head + " -> log(" + x.code + ");");
                    e.checked |= x.checked;
                    anyNormal = true;
                }
                case 1 -> {
                    line(head + " -> {");
                    Exit g = braced(ctx.with(t));
                    line("}");
                    e.add(g);
                    anyNormal |= g.normal;
                }
                default -> {
                    Expr m = intExpr(ctx, 1);
                    line(head + " -> throw new IllegalStateException(\"sw\" + " + m.code + ");");
                    e.checked |= m.checked;
                }
            }
        }
        line("}");
        e.normal = !hasDefault || anyNormal || e.breaks.contains(t.id);
        e.breaks.remove(t.id);
        return e;
    }

    private static String caseLabel(int k, boolean strings) {
        return strings ? "\"k" + k + "\"" : Integer.toString(k);
    }

    private static final String[] CATCHES = {
        "OpException", "IllegalStateException", "ArithmeticException | ArrayIndexOutOfBoundsException", "IOException",
        "RuntimeException", "Exception"
    };

    private Exit tryStatement(Ctx ctx) {
        line("try {");
        Exit body;
        if (ctx.suspend && chance(25)) {
            // A try that does not await inside one that does: the inner one is copied as written, and
            // its finally or resources may throw while a jump leaves it for a state outside the outer try.
            indent++;
            line(await(ctx) + ";");
            body = chance(50) ? tryStatement(ctx.deeper().noSuspend()) : tryWithResources(ctx.deeper().noSuspend());
            indent--;
            body.checked |= OP;
        } else {
            body = tryBody(ctx.deeper());
        }
        return catchesAndFinally(ctx.deeper(), body, body.checked);
    }

    /** The catch clauses javac accepts for what the try can throw, in an order it accepts, and maybe a finally. */
    private Exit catchesAndFinally(Ctx ctx, Exit body, int thrown) {
        Exit e = new Exit();
        e.normal = body.normal;
        e.add(body);
        e.checked = 0;
        int escaping = thrown;
        boolean caughtOp = false;
        int catches = 0;
        boolean wantFinally = chance(50);
        for (String type : CATCHES) {
            if (!chance(catches == 0 && !wantFinally ? 45 : 25)) {
                continue;
            }
            boolean checked = type.equals("OpException") || type.equals("IOException");
            if (checked && thrown == 0) {
                continue;
            }
            if (type.equals("IOException") && caughtOp && (thrown & (IO | EXC)) == 0) {
                continue;
            }
            caughtOp |= type.equals("OpException");
            switch (type) {
                case "OpException" -> escaping &= ~OP;
                case "IOException" -> escaping &= ~(OP | IO);
                case "Exception" -> escaping = 0;
                default -> {
                }
            }
            String name = newName("ex");
            line("} catch (" + type + " " + name + ") {");
            indent++;
            line("note(describe(" + name + "));");
            int mark = scope.size();
            scope.add(Var.fixed(name, Type.CAUGHT));
            Exit c = block(ctx.deeper());
            scope.subList(mark, scope.size()).clear();
            if (c.normal && chance(20)) {
                line("throw " + name + ";");
                c.normal = false;
            }
            indent--;
            e.add(c);
            e.normal |= c.normal;
            catches++;
            if (type.equals("Exception")) {
                break;
            }
        }
        e.checked |= escaping;
        if (catches == 0 || wantFinally) {
            line("} finally {");
            indent++;
            line("note(\"finally\");");
            // A finally that sometimes throws, also while a jump out of its try is under way.
            Exit f = chance(25) ? throwStatement(ctx.deeper()) : new Exit();
            if (f.normal) {
                Exit rest = block(ctx.deeper());
                f.add(rest);
                f.normal = rest.normal;
            }
            if (f.normal && ctx.depth < 3 && chance(10)) {
                Exit j = ctx.canReturn ? returnNow(ctx) : throwNow(ctx);
                f.add(j);
                f.normal = false;
            }
            indent--;
            if (!f.normal) {
                abruptFinally = true;
                Exit only = new Exit();
                only.normal = false;
                only.add(f);
                line("}");
                return only;
            }
            e.add(f);
        }
        line("}");
        return e;
    }

    private Exit tryWithResources(Ctx ctx) {
        int n = 1 + choose(2);
        List<String> decls = new ArrayList<>();
        List<Var> res = new ArrayList<>();
        int checked = IO;
        for (int i = 0; i < n; i++) {
            String name = newName("res");
            Expr fail = intExpr(ctx, 2);
            checked |= fail.checked;
            Var v = Var.fixed(name, Type.RES);
            scope.add(v);
            decls.add("Res " + v.name + " = new Res(\"" + v.name + "\", " + fail.code + ")");
            res.add(v);
        }
        line("try (" + String.join("; ", decls) + ") {");
        indent++;
        for (Var r : res) {
            // -Xlint:try warns about a resource the body never mentions.
            Expr use = intExpr(ctx, 1);
            line("log(" + r.name + ".use(" + use.code + "));");
            checked |= use.checked;
        }
        indent--;
        Exit body = tryBody(ctx.deeper());
        scope.removeAll(res);
        body.checked |= checked;
        if (chance(50)) {
            return catchesAndFinally(ctx.deeper(), body, body.checked);
        }
        line("}");
        return body;
    }

    /** A block, sometimes followed by a sibling block, which may declare the same names. */
    private Exit nestedBlock(Ctx ctx) {
        line("{");
        Exit e = braced(ctx.deeper());
        line("}");
        if (e.normal && chance(35)) {
            line("{");
            Exit sibling = braced(ctx.deeper());
            line("}");
            e.add(sibling);
            e.normal = sibling.normal;
        }
        return e;
    }

    /**
     * A try's body, sometimes ending in a return, break or continue: leaving a try runs its
     * finally and closes its resources on the way, which may throw.
     */
    private Exit tryBody(Ctx ctx) {
        indent++;
        int mark = scope.size();
        Exit body = statements(ctx);
        if (body.normal && chance(40)) {
            Exit e = !ctx.targets.isEmpty() && (!ctx.canReturn || chance(50)) ? jump(ctx) : returnStatement(ctx);
            body.add(e);
            body.normal = e.normal;
        }
        scope.subList(mark, scope.size()).clear();
        indent--;
        return body;
    }

    /** {@code int x;} assigned on every path before it is read; {@code final} makes it capturable. */
    private Exit blankFinal(Ctx ctx) {
        boolean fin = chance(50);
        Var v = new Var(newName("x"), Type.INT, !fin, fin, false, false);
        scope.add(v);
        line((fin ? "final int " : "int ") + v.name + ";");
        Expr cond = boolExpr(ctx, 1);
        line("if (" + cond.code + ") {");
        Exit then = branchAssigning(ctx, v);
        line("} else {");
        Exit other = branchAssigning(ctx, v);
        line("}");
        v.assigned = true;
        Exit e = normal(cond.checked);
        e.add(then);
        e.add(other);
        e.normal = then.normal || other.normal;
        return e;
    }

    private Exit branchAssigning(Ctx ctx, Var v) {
        indent++;
        int mark = scope.size();
        Exit b = statements(ctx.deeper());
        if (b.normal) {
            // Still inside the branch: its locals are in scope, so a name declared in the expression must not reuse one.
            Expr e = intExpr(ctx, 1);
            line(v.name + " = " + e.code + ";");
            b.checked |= e.checked;
        }
        scope.subList(mark, scope.size()).clear();
        indent--;
        return b;
    }

    private Exit synchronizedBlock(Ctx ctx) {
        line("synchronized (this) {");
        Exit e = braced(ctx.noSuspend());
        line("}");
        return e;
    }

    // ---- expressions -----------------------------------------------------------------------

    private Expr intExpr(Ctx ctx, int depth) {
        if (depth > 3 || budget <= 0 && depth > 1) {
            return intLeaf(ctx);
        }
        int c = choose(24);
        return switch (c) {
            case 0, 1, 2 -> intLeaf(ctx);
            case 3, 4, 5 -> ctx.suspend ? new Expr(await(ctx), false, OP) : intLeaf(ctx);
            case 6 -> {
                Expr e = intExpr(ctx, depth + 1);
                yield new Expr("log(" + e.code + ")", false, e.checked);
            }
            case 7, 8 -> {
                Expr l = intExpr(ctx, depth + 1);
                Expr r = intExpr(ctx, depth + 1);
                String op = switch (choose(3)) {
                    case 0 -> " + ";
                    case 1 -> " - ";
                    default -> " * ";
                };
                yield new Expr("(" + l.code + op + r.code + ")", l.constant && r.constant, l.checked | r.checked);
            }
            case 9 -> {
                Expr l = intExpr(ctx, depth + 1);
                Expr r = intExpr(ctx, depth + 1);
                String d = r.constant ? "log(" + r.code + ")" : r.code;
                yield new Expr("(" + l.code + (chance(50) ? " / " : " % ") + d + ")", false, l.checked | r.checked);
            }
            case 10 -> {
                Expr b = boolExpr(ctx, depth + 1);
                Expr x = intExpr(ctx, depth + 1);
                Expr y = intExpr(ctx, depth + 1);
                yield new Expr("(" + b.code + " ? " + x.code + " : " + y.code + ")", b.constant && x.constant && y.constant,
                        b.checked | x.checked | y.checked);
            }
            case 11 -> {
                Callee f = callee(ctx, Ret.INT);
                if (f == null) {
                    yield intLeaf(ctx);
                }
                Expr x = intExpr(ctx, depth + 1);
                Expr y = intExpr(ctx, depth + 1);
                yield new Expr(f.name + "(" + x.code + ", " + y.code + ")", false, EXC | x.checked | y.checked);
            }
            case 12 -> {
                Var arr = pick(vars(ctx, Type.ARRAY, false));
                if (arr == null) {
                    yield intLeaf(ctx);
                }
                Expr i = index(ctx, arr.name + ".length");
                yield new Expr(arr.name + "[" + i.code + "]", false, i.checked);
            }
            case 13 -> {
                Var list = pick(vars(ctx, Type.LIST, false));
                if (list == null) {
                    yield intLeaf(ctx);
                }
                if (chance(30)) {
                    yield new Expr(list.name + ".size()", false, 0);
                }
                Expr i = intExpr(ctx, depth + 1);
                yield new Expr(list.name + ".get(mod(" + i.code + ", " + list.name + ".size()))", false, i.checked);
            }
            case 14 -> {
                Var v = pick(vars(ctx, Type.INT, true));
                if (v == null) {
                    Expr e = intExpr(ctx, depth + 1);
                    yield chance(50) ? new Expr("fld0++", false, 0) : new Expr("(fld1 += " + e.code + ")", false, e.checked);
                }
                yield switch (choose(5)) {
                    case 0 -> new Expr(v.name + "++", false, 0);
                    case 1 -> new Expr("--" + v.name, false, 0);
                    case 2 -> {
                        Expr e = intExpr(ctx, depth + 1);
                        yield new Expr("(" + v.name + " = " + e.code + ")", false, e.checked);
                    }
                    case 3 -> {
                        Expr e = intExpr(ctx, depth + 1);
                        // Read, then assigned by a later operand: the read must keep the old value.
                        String read = chance(50) ? v.name + " + " : "";
                        yield new Expr("(" + read + "(" + v.name + " += " + e.code + "))", false, e.checked);
                    }
                    default -> {
                        Expr e = intExpr(ctx, depth + 1);
                        yield new Expr("(fld0 += " + e.code + ")", false, e.checked);
                    }
                };
            }
            case 15 -> switchExpr(ctx, depth, Type.INT, false);
            case 16 -> {
                Var g = pick(vars(ctx, Type.FUNC, false));
                Expr e = intExpr(ctx, depth + 1);
                if (g == null) {
                    String p = fresh("q");
                    yield new Expr("((IntUnaryOperator) " + p + " -> " + p + " * 3).applyAsInt(" + e.code + ")", false, e.checked);
                }
                yield new Expr(g.name + ".applyAsInt(" + e.code + ")", false, e.checked);
            }
            case 17 -> {
                Var s = pick(vars(ctx, Type.SUPPLIER, false));
                yield s == null ? intLeaf(ctx) : new Expr(s.name + ".getAsInt()", false, 0);
            }
            case 18 -> {
                Expr x = intExpr(ctx, depth + 1);
                Expr y = intExpr(ctx, depth + 1);
                yield new Expr("max(" + x.code + ", " + y.code + ")", false, x.checked | y.checked);
            }
            case 19 -> {
                Var r = pick(vars(ctx, Type.RES, false));
                Expr e = intExpr(ctx, depth + 1);
                yield r == null ? e : new Expr(r.name + ".use(" + e.code + ")", false, e.checked);
            }
            case 20 -> {
                Expr s = strExpr(ctx, depth + 1);
                yield new Expr(s.code + ".length()", false, s.checked);
            }
            case 21 -> {
                Expr e = intExpr(ctx, depth + 1);
                yield new Expr("twice(" + e.code + ")", false, e.checked);
            }
            default -> {
                Var v = pick(vars(ctx, Type.INT, false));
                yield v == null ? intLeaf(ctx) : new Expr(v.name, v.constant, 0);
            }
        };
    }

    private Expr intLeaf(Ctx ctx) {
        return switch (choose(4)) {
            case 0 -> new Expr(Integer.toString(choose(10)), true, 0);
            // In an anonymous class, this is that class.
            case 1 -> new Expr(chance(50) ? "fld0" : ctx.lambda ? "fld1" : "this.fld1", false, 0);
            default -> {
                Var v = pick(vars(ctx, Type.INT, false));
                yield v == null ? new Expr(Integer.toString(choose(10)), true, 0) : new Expr(v.name, v.constant, 0);
            }
        };
    }

    /** An index into something of {@code length}: usually in range, sometimes (an exception) not. */
    private Expr index(Ctx ctx, String length) {
        Expr i = intExpr(ctx, 2);
        return chance(85) ? new Expr("mod(" + i.code + ", " + length + ")", false, i.checked) : i;
    }

    private Expr boolExpr(Ctx ctx, int depth) {
        if (depth > 3) {
            Expr x = intLeaf(ctx);
            return new Expr("(" + x.code + " > 2)", x.constant, x.checked);
        }
        return switch (choose(9)) {
            case 0, 1, 2 -> {
                Expr x = intExpr(ctx, depth + 1);
                Expr y = intExpr(ctx, depth + 1);
                String op = switch (choose(4)) {
                    case 0 -> " < ";
                    case 1 -> " == ";
                    case 2 -> " >= ";
                    default -> " != ";
                };
                yield new Expr("(" + x.code + op + y.code + ")", x.constant && y.constant, x.checked | y.checked);
            }
            case 3, 4 -> {
                Expr x = boolExpr(ctx, depth + 1);
                Expr y = boolExpr(ctx, depth + 1);
                yield new Expr("(" + x.code + (chance(50) ? " && " : " || ") + y.code + ")", x.constant && y.constant,
                        x.checked | y.checked);
            }
            case 5 -> {
                Expr x = boolExpr(ctx, depth + 1);
                yield new Expr("!" + x.code, x.constant, x.checked);
            }
            case 6 -> {
                Var f = pick(vars(ctx, Type.BOOL, false));
                yield f == null ? boolExpr(ctx, depth + 1) : new Expr(f.name, false, 0);
            }
            case 7 -> {
                Expr x = intExpr(ctx, depth + 1);
                yield new Expr("(" + x.code + " % 2 == 0)", x.constant, x.checked);
            }
            default -> {
                Expr s = strExpr(ctx, depth + 1);
                yield new Expr(s.code + ".endsWith(\"1\")", false, s.checked);
            }
        };
    }

    private Expr strExpr(Ctx ctx, int depth) {
        if (depth > 3) {
            return new Expr("\"z\"", true, 0);
        }
        return switch (choose(8)) {
            case 0 -> new Expr("\"s" + choose(10) + "\"", true, 0);
            case 1, 2 -> {
                Expr x = intExpr(ctx, depth + 1);
                Expr y = chance(50) ? strExpr(ctx, depth + 1) : intExpr(ctx, depth + 1);
                yield new Expr("(\"c\" + " + x.code + " + \":\" + " + y.code + ")", false, x.checked | y.checked);
            }
            case 3 -> {
                Var s = pick(vars(ctx, Type.STRING, false));
                yield s == null ? new Expr("sfld", false, 0) : new Expr(s.name, false, 0);
            }
            case 4 -> {
                Callee f = callee(ctx, Ret.STRING);
                if (f == null) {
                    yield new Expr("sfld", false, 0);
                }
                Expr x = intExpr(ctx, depth + 1);
                Expr y = intExpr(ctx, depth + 1);
                yield new Expr(f.name + "(" + x.code + ", " + y.code + ")", false, EXC | x.checked | y.checked);
            }
            case 5 -> {
                Expr x = intExpr(ctx, depth + 1);
                yield new Expr("Integer.toString(" + x.code + ")", false, x.checked);
            }
            case 6 -> {
                Expr b = boolExpr(ctx, depth + 1);
                Expr x = strExpr(ctx, depth + 1);
                Expr y = strExpr(ctx, depth + 1);
                yield new Expr("(" + b.code + " ? " + x.code + " : " + y.code + ")", false, b.checked | x.checked | y.checked);
            }
            default -> switchExpr(ctx, depth, Type.STRING, false);
        };
    }

    /**
     * A switch expression, arrow or colon form. At the {@code top} of a declaration, assignment or
     * return its blocks may await; inside a larger expression they do not, and it is passed through
     * log or note: the processor keeps a value across a later await only when a small attribution
     * of its own can type it, which does not cover switch expressions ([FlowOperandType]).
     */
    /**
     * A switch expression's result: an int one unboxed, because javac rejects an Integer (a
     * for-each variable over a list) as the result of an int switch expression in an argument.
     */
    private static String result(Type type, Expr v) {
        return type == Type.INT ? "+(" + v.code + ")" : v.code;
    }

    private Expr switchExpr(Ctx outer, int depth, Type type, boolean top) {
        Ctx ctx = top ? outer : outer.noSuspend();
        Expr sel = intExpr(ctx, depth + 2);
        int cases = 1 + choose(2);
        boolean arrow = chance(60);
        Ctx inner = new Ctx(ctx.suspend, false, List.of(), false, type, ctx.depth + 1);
        StringBuilder saved = out;
        int savedIndent = indent;
        out = new StringBuilder();
        indent = 0;
        int checked = sel.checked;
        out.append("switch (").append(selector(sel.code, cases)).append(") {\n");
        int results = 0;
        for (int k = 0; k <= cases; k++) {
            String head = k == cases ? "default" : "case " + k;
            // javac wants at least one arm with a result; every block may end in a throw.
            boolean block = !ctx.lambda && depth < 2 && budget > 0 && (k < cases || results > 0) && chance(40);
            if (!block) {
                results++;
                Expr v = type == Type.INT ? intExpr(ctx, depth + 2) : strExpr(ctx, depth + 2);
                checked |= v.checked;
                line(arrow ? head + " -> " + result(type, v) + ";" : head + ": yield " + result(type, v) + ";");
                continue;
            }
            line(arrow ? head + " -> {" : head + ": {");
            indent++;
            int mark = scope.size();
            Exit b = block(inner);
            scope.subList(mark, scope.size()).clear();
            checked |= b.checked;
            if (b.normal) {
                results++;
                Expr v = type == Type.INT ? intExpr(inner, depth + 2) : strExpr(inner, depth + 2);
                checked |= v.checked;
                line("yield " + result(type, v) + ";");
            }
            indent--;
            line("}");
        }
        line("}");
        String code = out.toString().replace("\n", "\n" + "    ".repeat(savedIndent + 2)).stripTrailing();
        out = saved;
        indent = savedIndent;
        return top ? new Expr(code, false, checked) : new Expr((type == Type.INT ? "log(" : "note(") + code + ")", false, checked);
    }
}
