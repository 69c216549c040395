package dev.kio.processor;

import com.sun.source.tree.CompilationUnitTree;

import javax.lang.model.element.TypeElement;

/**
 * A validated {@code @IoHandler} class, as the writer needs it.
 *
 * @param type the handler class
 * @param unit its compilation unit (imports are copied into the generated source)
 * @param generatedName the simple name of the generated subclass, e.g. {@code Echo_Kio}
 */
record Handler(TypeElement type, CompilationUnitTree unit, String generatedName) {
}
