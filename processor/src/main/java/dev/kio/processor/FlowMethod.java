package dev.kio.processor;

import com.sun.source.tree.MethodTree;

import javax.lang.model.element.ExecutableElement;

/**
 * One {@code @Flow} method.
 *
 * @param element the method
 * @param tree its source tree
 * @param frameName the simple name of its generated continuation class
 * @param starterName the name of its static starter in the generated handler class
 */
record FlowMethod(ExecutableElement element, MethodTree tree, String frameName, String starterName) {
}
