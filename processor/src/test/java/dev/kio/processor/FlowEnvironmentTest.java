package dev.kio.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.annotation.processing.Completion;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

import org.junit.jupiter.api.Test;

/**
 * Without javac's tree API (Eclipse's compiler, or a tool that wraps javac's processing
 * environment) kio cannot read flow bodies: the build gets one error saying so, never a stack trace.
 */
class FlowEnvironmentTest {
    /** kio's processor behind a processing environment that only delegates, as some build tools give it. */
    private static final class Wrapping implements Processor {
        private final KioProcessor kio = new KioProcessor();

        @Override
        public Set<String> getSupportedOptions() {
            return kio.getSupportedOptions();
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return kio.getSupportedAnnotationTypes();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return kio.getSupportedSourceVersion();
        }

        @Override
        public void init(ProcessingEnvironment env) {
            kio.init((ProcessingEnvironment) Proxy.newProxyInstance(ProcessingEnvironment.class.getClassLoader(),
                    new Class<?>[] {ProcessingEnvironment.class}, (proxy, method, args) -> {
                        try {
                            return method.invoke(env, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }));
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
            return kio.process(annotations, round);
        }

        @Override
        public Iterable<? extends Completion> getCompletions(Element element, AnnotationMirror annotation,
                ExecutableElement member, String userText) {
            return kio.getCompletions(element, annotation, member, userText);
        }
    }

    @Test
    void wrappedProcessingEnvironmentGivesOneErrorNamingTheTreesApi() throws Exception {
        Compiled c = Compiled.compile(Map.of("demo.A", """
                package demo;

                import static dev.kio.Flows.await;

                @dev.kio.IoHandler
                public abstract class A {
                    abstract dev.kio.Operation op();

                    @dev.kio.Flow
                    int f() throws dev.kio.OpException {
                        return await(op());
                    }
                }
                """, "demo.B", """
                package demo;

                @dev.kio.IoHandler
                public abstract class B {
                }
                """, "demo.C", """
                package demo;

                public abstract class C {
                    @dev.kio.Flow
                    void g() {
                    }
                }
                """), new Wrapping());
        assertFalse(c.success);
        List<Diagnostic<?>> errors = c.diagnostics.stream().filter(d -> d.getKind() != Diagnostic.Kind.NOTE)
                .<Diagnostic<?>>map(d -> d).toList();
        assertEquals(1, errors.size(), c.report());
        Diagnostic<?> d = errors.get(0);
        assertEquals(Diagnostic.Kind.ERROR, d.getKind());
        String message = d.getMessage(Locale.ROOT);
        String expected = "\\[KioEnvironment] kio's flow compiler reads method bodies through javac's"
                + " com\\.sun\\.source\\.util\\.Trees API, which this compiler or processing environment \\(\\S*Proxy\\S*\\)"
                + " does not offer \\(java\\.lang\\.IllegalArgumentException\\)\\. Compile with javac \\(the JDK's compiler, as"
                + " Maven and Gradle run it\\), not Eclipse's compiler, and do not run kio's processor inside a tool that"
                + " wraps javac's ProcessingEnvironment\\.";
        assertTrue(message.matches(expected), message);
        assertTrue(d.getSource() != null && d.getLineNumber() > 0, "reported on a handler, not at large: " + c.report());
        try (var generated = Files.walk(c.generated)) {
            assertEquals(List.of(), generated.filter(Files::isRegularFile).toList());
        }
    }
}
