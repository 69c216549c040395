package dev.kio.processor;

import java.util.List;

import com.sun.source.tree.CompilationUnitTree;

import javax.lang.model.element.TypeElement;

/**
 * A validated {@code @IoHandler} class and its flows, ready to be lowered.
 *
 * @param type the handler class
 * @param unit its compilation unit (imports are copied into the generated source)
 * @param flows its flows, in declaration order
 * @param generatedName the simple name of the generated subclass, e.g. {@code Echo_Kio}
 */
record Handler(TypeElement type, CompilationUnitTree unit, List<FlowMethod> flows, String generatedName) {
}
