package dev.kio.processor;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;

import dev.kio.Task;

/**
 * A compiled {@code @IoHandler} class and its generated {@code <Handler>_Kio} subclass: makes
 * handlers and runs one flow either as the generated state machine (a task from the generated
 * starter) or as plain Java (the method itself, for direct mode).
 */
final class LoadedHandler {
    private final Class<?> handler;
    private final Class<?> generated;
    private final Map<String, Method> flows = new HashMap<>();
    private final Map<String, Method> starters = new HashMap<>();

    LoadedHandler(Compiled compiled, String className) throws ClassNotFoundException {
        ClassLoader loader = compiled.loader();
        handler = loader.loadClass(className);
        generated = loader.loadClass(className + "_Kio");
        for (Method m : handler.getDeclaredMethods()) {
            m.setAccessible(true);
            flows.put(m.getName(), m);
        }
        for (Method m : generated.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                starters.put(m.getName(), m);
            }
        }
    }

    /** A new handler: an instance of the generated subclass, as users make them. */
    Object newHandler() throws ReflectiveOperationException {
        return generated.getConstructor().newInstance();
    }

    /** The task of flow {@code name} on {@code target}, from the generated starter; not started yet. */
    Task<?> start(String name, Object target, Object... args) throws ReflectiveOperationException {
        Object[] starterArgs = new Object[args.length + 1];
        starterArgs[0] = target;
        System.arraycopy(args, 0, starterArgs, 1, args.length);
        return (Task<?>) starters.get(name).invoke(null, starterArgs);
    }

    /** Calls flow {@code name} as a plain method (direct mode when the thread opened it), rethrowing what it throws. */
    Object callDirect(String name, Object target, Object... args) throws Throwable {
        try {
            return flows.get(name).invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A field the handler class declares. */
    Field field(String name) throws NoSuchFieldException {
        Field f = handler.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
