package dev.kio.runtime.net;

import dev.kio.Task;

/** What a server does with each connection it accepts. */
@FunctionalInterface
public interface ConnHandler {
    /**
     * Called on the accepting worker for each new connection; returns the session to run there,
     * detached (e.g. {@code conn -> Echo_Kio.session(handler, conn)}). The session owns the
     * connection and closes it. If this throws, the connection is closed and the error logged.
     */
    Task<?> accept(Conn conn);
}
