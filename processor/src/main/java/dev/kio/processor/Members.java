package dev.kio.processor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;

/**
 * The members of classes, inherited ones included, for one round: javac's
 * {@link Elements#getAllMembers} builds the list anew on every call, and typing a flow asks for
 * the same classes ({@code String}, {@code StringBuilder}, the handler) again and again.
 */
final class Members {
    final Elements elements;
    private final Map<TypeElement, List<? extends Element>> all = new HashMap<>();

    Members(Elements elements) {
        this.elements = elements;
    }

    List<? extends Element> of(TypeElement type) {
        return all.computeIfAbsent(type, elements::getAllMembers);
    }
}
