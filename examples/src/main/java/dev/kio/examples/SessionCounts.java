package dev.kio.examples;

import java.io.IOException;

import dev.kio.OpException;
import dev.kio.runtime.sys.Errno;

/**
 * How the sessions of an HTTP example server ended on one worker; each server's own counts extend
 * it. Written only on that worker's thread; read once its sessions have ended or the pool stopped.
 */
public class SessionCounts {
    long connections;
    long timedOut;
    long reset;
    long failed;
    String lastFailure;

    public long connections() {
        return connections;
    }

    /** Connections closed for idling. */
    public long timedOut() {
        return timedOut;
    }

    /** Connections the peer reset or left while being sent to (as wrk's do at the end of a run). */
    public long reset() {
        return reset;
    }

    /** Connections that ended with another error. */
    public long failed() {
        return failed;
    }

    /** The message of the last session failure on this worker, or null. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Counts a session that {@code e} ended: a reset by the peer (ECONNRESET, EPIPE) or another failure. */
    void ended(IOException e) {
        if (e instanceof OpException op && (op.errno() == Errno.ECONNRESET || op.errno() == Errno.EPIPE)) {
            reset++;
        } else {
            failed++;
            lastFailure = e.getMessage();
        }
    }
}
