package dev.kio;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an abstract class whose {@link Flow} methods kio's processor compiles into
 * continuations. For a handler {@code Echo} the processor generates {@code Echo_Kio}: a concrete
 * subclass (instantiate it, not {@code Echo}) with one static starter per flow,
 * {@code Echo_Kio.session(handler, conn)}, returning the flow as a lazy {@link Task}.
 *
 * <p>The class must be abstract, not private, not generic, with a constructor the generated
 * subclass can call. Flow bodies reach the handler's fields and methods through the handler
 * instance, so those they use must not be private.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface IoHandler {
}
