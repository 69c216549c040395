package dev.kio.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import javax.annotation.processing.Processor;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Sources compiled in-process by javac with kio's processor, the way a user's build compiles
 * them ({@code -Xlint:all -Werror}): the diagnostics, the generated sources, and a class loader
 * over the output for tests that run the generated code.
 */
final class Compiled {
    final List<Diagnostic<? extends JavaFileObject>> diagnostics;
    final boolean success;
    final Path classes;
    final Path generated;

    private Compiled(List<Diagnostic<? extends JavaFileObject>> diagnostics, boolean success, Path classes, Path generated) {
        this.diagnostics = diagnostics;
        this.success = success;
        this.classes = classes;
        this.generated = generated;
    }

    /** Compiles {@code sources} (class name → text). */
    static Compiled compile(Map<String, String> sources) {
        return compile(sources, new KioProcessor());
    }

    /** Compiles {@code sources} with {@code processor} in place of a plain {@link KioProcessor}. */
    static Compiled compile(Map<String, String> sources, Processor processor) {
        try {
            Path out = Files.createTempDirectory("kio-compiled");
            Path classes = Files.createDirectories(out.resolve("classes"));
            Path generated = Files.createDirectories(out.resolve("generated"));
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
            List<JavaFileObject> units = new ArrayList<>();
            sources.forEach((name, text) -> units.add(new Source(name, text)));
            try (StandardJavaFileManager files = javac.getStandardFileManager(diags, Locale.ROOT, null)) {
                List<String> options = List.of("-Xlint:all", "-Werror", "-d", classes.toString(), "-s", generated.toString(),
                        "-classpath", System.getProperty("java.class.path"), "-proc:full");
                JavaCompiler.CompilationTask task = javac.getTask(null, files, diags, options, null, units);
                task.setProcessors(List.of(processor));
                boolean ok = task.call();
                return new Compiled(diags.getDiagnostics(), ok, classes, generated);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Compiled compile(String className, String text) {
        return compile(Map.of(className, text));
    }

    /** The errors, each as {@code line: message}. */
    List<String> errors() {
        return diagnostics.stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).toList();
    }

    String report() {
        return diagnostics.stream().map(d -> d.getKind() + " " + (d.getSource() == null ? "" : d.getSource().getName())
                + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).collect(Collectors.joining("\n"));
    }

    Compiled assertSuccess() {
        if (!success || diagnostics.stream().anyMatch(d -> d.getKind() != Diagnostic.Kind.NOTE)) {
            throw new AssertionError("compilation should succeed without warnings:\n" + report() + "\n" + generatedSources());
        }
        return this;
    }

    String generatedSources() {
        try (var walk = Files.walk(generated)) {
            return walk.filter(Files::isRegularFile).map(p -> {
                try {
                    return "--- " + generated.relativize(p) + "\n" + Files.readString(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ClassLoader loader() {
        try {
            return new URLClassLoader(new URL[] {classes.toUri().toURL()}, Compiled.class.getClassLoader());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
