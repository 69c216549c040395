package dev.kio;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of an {@link IoHandler} class as a flow: sequential code that suspends at each
 * {@link Flows#await} and at each call of another flow of the same handler, and that the
 * processor compiles into an allocation-free state machine run on a kio worker.
 *
 * <p>A flow is not static, private, final or generic. Flows may call each other but not
 * recursively (directly or through other flows): the callee's frame is embedded in the
 * caller's, so a cycle would need unbounded space. To recurse, await the generated starter
 * explicitly ({@code await(Echo_Kio.walk(this, child))}): each such task gets a frame of its own.
 *
 * <p>Called directly on a handler instance, a flow runs as plain blocking Java on the calling
 * thread (direct mode, see {@link Flows}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Flow {
}
