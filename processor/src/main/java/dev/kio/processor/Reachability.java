package dev.kio.processor;

import java.util.List;

import com.sun.source.tree.BlockTree;
import com.sun.source.tree.BreakTree;
import com.sun.source.tree.CaseTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.DoWhileLoopTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.LabeledStatementTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.SwitchTree;
import com.sun.source.tree.SynchronizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.WhileLoopTree;

/**
 * Whether a statement can complete normally (JLS 14.22), so the lowering never emits a statement
 * javac would reject as unreachable after code it copies.
 */
final class Reachability {
    private Reachability() {
    }

    static boolean canCompleteNormally(StatementTree s) {
        return switch (s) {
            case BlockTree b -> sequence(b.getStatements());
            case IfTree i -> i.getElseStatement() == null || canCompleteNormally(i.getThenStatement())
                    || canCompleteNormally(i.getElseStatement());
            case WhileLoopTree w -> !isTrue(w.getCondition()) || breaks(w, null);
            case DoWhileLoopTree d -> doCompletes(d, null);
            case ForLoopTree f -> f.getCondition() != null && !isTrue(f.getCondition()) || breaks(f, null);
            case LabeledStatementTree l -> (l.getStatement() instanceof DoWhileLoopTree d ? doCompletes(d, l.getLabel().toString())
                    : canCompleteNormally(l.getStatement())) || breaks(l.getStatement(), l.getLabel().toString());
            case SwitchTree sw -> switchCompletes(sw);
            case SynchronizedTree sy -> canCompleteNormally(sy.getBlock());
            case TryTree t -> (canCompleteNormally(t.getBlock())
                    || t.getCatches().stream().anyMatch(c -> canCompleteNormally(c.getBlock())))
                    && (t.getFinallyBlock() == null || canCompleteNormally(t.getFinallyBlock()));
            default -> switch (s.getKind()) {
                case RETURN, THROW, BREAK, CONTINUE, YIELD -> false;
                default -> true;
            };
        };
    }

    static boolean sequence(List<? extends StatementTree> statements) {
        for (StatementTree s : statements) {
            if (!canCompleteNormally(s)) {
                return false;
            }
        }
        return true;
    }

    private static boolean switchCompletes(SwitchTree sw) {
        boolean hasDefault = false;
        boolean rules = false;
        boolean anyRuleCompletes = false;
        for (CaseTree c : sw.getCases()) {
            // A pattern switch is exhaustive, so it behaves as if it had a default.
            hasDefault |= c.getLabels().stream().anyMatch(l -> l.getKind() == Tree.Kind.DEFAULT_CASE_LABEL
                    || l.getKind() == Tree.Kind.PATTERN_CASE_LABEL);
            if (c.getCaseKind() == CaseTree.CaseKind.RULE) {
                rules = true;
                Tree body = c.getBody();
                anyRuleCompletes |= body instanceof ExpressionTree || body instanceof StatementTree st && canCompleteNormally(st);
            }
        }
        if (!hasDefault || breaks(sw, null)) {
            return true;
        }
        if (rules) {
            return anyRuleCompletes;
        }
        List<? extends CaseTree> cases = sw.getCases();
        return cases.isEmpty() || sequence(cases.get(cases.size() - 1).getStatements());
    }

    static boolean isTrue(ExpressionTree e) {
        while (e instanceof ParenthesizedTree p) {
            e = p.getExpression();
        }
        return e instanceof LiteralTree l && Boolean.TRUE.equals(l.getValue());
    }

    /** Whether a break inside {@code target} exits it (unlabelled breaks bind to the innermost loop or switch). */
    private static boolean breaks(Tree target, String label) {
        JumpFinder f = new JumpFinder(false, label);
        f.scan(children(target), 0);
        return f.found;
    }

    private static List<? extends Tree> children(Tree loop) {
        return switch (loop) {
            case WhileLoopTree w -> List.of(w.getStatement());
            case DoWhileLoopTree d -> List.of(d.getStatement());
            case ForLoopTree f -> List.of(f.getStatement());
            case EnhancedForLoopTree f -> List.of(f.getStatement());
            case SwitchTree s -> s.getCases();
            default -> List.of(loop);
        };
    }

    /** A do statement labelled {@code label} (or null) completes normally (JLS 14.22). */
    private static boolean doCompletes(DoWhileLoopTree d, String label) {
        return !isTrue(d.getCondition()) && (canCompleteNormally(d.getStatement()) || continues(d, null)
                || label != null && continues(d, label)) || breaks(d, null);
    }

    /** Whether a continue of {@code d} reaches its condition: unlabelled (label null), or naming {@code label}. */
    private static boolean continues(DoWhileLoopTree d, String label) {
        JumpFinder f = new JumpFinder(true, label);
        f.scan(d.getStatement(), 0);
        return f.found;
    }

    /**
     * Looks for a break (or continue) that leaves the statement scanned: labelled with
     * {@code label}, or unlabelled and not inside a nested loop (or switch, for breaks).
     */
    private static final class JumpFinder extends InPlaceScanner<Void, Integer> {
        private final boolean continues;
        private final String label;
        boolean found;

        JumpFinder(boolean continues, String label) {
            this.continues = continues;
            this.label = label;
        }

        private boolean matches(javax.lang.model.element.Name target, int depth) {
            return target == null ? depth == 0 && label == null : label != null && target.contentEquals(label);
        }

        @Override
        public Void visitBreak(BreakTree b, Integer depth) {
            found |= !continues && matches(b.getLabel(), depth);
            return null;
        }

        @Override
        public Void visitContinue(ContinueTree c, Integer depth) {
            found |= continues && matches(c.getLabel(), depth);
            return null;
        }

        @Override
        public Void visitWhileLoop(WhileLoopTree t, Integer depth) {
            return super.visitWhileLoop(t, depth + 1);
        }

        @Override
        public Void visitDoWhileLoop(DoWhileLoopTree t, Integer depth) {
            return super.visitDoWhileLoop(t, depth + 1);
        }

        @Override
        public Void visitForLoop(ForLoopTree t, Integer depth) {
            return super.visitForLoop(t, depth + 1);
        }

        @Override
        public Void visitEnhancedForLoop(EnhancedForLoopTree t, Integer depth) {
            return super.visitEnhancedForLoop(t, depth + 1);
        }

        @Override
        public Void visitSwitch(SwitchTree t, Integer depth) {
            return super.visitSwitch(t, continues ? depth : depth + 1);
        }

        @Override
        public Void visitTry(TryTree t, Integer depth) {
            if (t.getFinallyBlock() != null && !canCompleteNormally(t.getFinallyBlock())) {
                // A jump out of the try block or a catch ends in a finally that does not complete: it leaves nothing (JLS 14.22).
                return scan(t.getFinallyBlock(), depth);
            }
            return super.visitTry(t, depth);
        }
    }
}
