package dev.kio.processor;

import java.util.function.Predicate;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreeScanner;

/**
 * A scanner over code that runs where it is written: it does not enter the bodies of lambdas
 * and classes, which run later, or elsewhere.
 */
abstract class InPlaceScanner<R, P> extends TreeScanner<R, P> {
    /** Whether {@code root}, or code that runs in place inside it, is a tree that {@code what} accepts. */
    static boolean contains(Tree root, Predicate<Tree> what) {
        boolean[] found = {false};
        new InPlaceScanner<Void, Void>() {
            @Override
            public Void scan(Tree t, Void p) {
                if (t == null || found[0]) {
                    return null;
                }
                if (what.test(t)) {
                    found[0] = true;
                    return null;
                }
                return super.scan(t, p);
            }
        }.scan(root, null);
        return found[0];
    }

    @Override
    public R visitLambdaExpression(LambdaExpressionTree l, P p) {
        return null;
    }

    @Override
    public R visitClass(ClassTree c, P p) {
        return null;
    }
}
