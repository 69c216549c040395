package dev.kio.processor;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;

import javax.lang.model.element.Element;

/**
 * One compile error found in user code, reported on the offending element or tree with a stable
 * tag (for example {@code [FlowAwaitInLambda]}) so tests and users can recognise it.
 *
 * @param tag the stable tag, without brackets
 * @param message what is wrong and how to fix it
 * @param element the element to report on when there is no tree
 * @param tree the offending tree, or null
 * @param unit the compilation unit of {@code tree}, or null
 */
record Problem(String tag, String message, Element element, Tree tree, CompilationUnitTree unit) {
    static Problem on(Element element, String tag, String message) {
        return new Problem(tag, message, element, null, null);
    }

    static Problem at(Tree tree, CompilationUnitTree unit, Element element, String tag, String message) {
        return new Problem(tag, message, element, tree, unit);
    }

    String text() {
        return "[" + tag + "] " + message;
    }
}
