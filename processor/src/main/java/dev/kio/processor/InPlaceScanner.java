package dev.kio.processor;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.util.TreeScanner;

/**
 * A scanner over code that runs where it is written: it does not enter the bodies of lambdas
 * and classes, which run later, or elsewhere.
 */
abstract class InPlaceScanner<R, P> extends TreeScanner<R, P> {
    @Override
    public R visitLambdaExpression(LambdaExpressionTree l, P p) {
        return null;
    }

    @Override
    public R visitClass(ClassTree c, P p) {
        return null;
    }
}
