package dev.kio.runtime.net;

/**
 * Options for a listener's and its connections' sockets, or a client's. They are set with plain
 * setsockopt(2) calls, which never block, when the socket is created or accepted: the io_uring
 * form ({@code IORING_OP_URING_CMD} with {@code SOCKET_URING_OP_SETSOCKOPT}) needs Linux 6.7 and
 * saves nothing on this path.
 *
 * @param noDelay           {@code TCP_NODELAY}: send small segments at once (TCP only)
 * @param keepAlive         {@code SO_KEEPALIVE}: probe idle connections (TCP only)
 * @param receiveBuffer     {@code SO_RCVBUF} in bytes, 0 for the system default
 * @param sendBuffer        {@code SO_SNDBUF} in bytes, 0 for the system default
 * @param lingerSeconds     {@code SO_LINGER}: -1 off (close returns at once, data is sent in the
 *                          background); 0 resets the connection on close; more makes close wait
 *                          up to that long (on the io-wq thread that runs the close op)
 * @param backlog           a listener's {@code listen(2)} backlog
 * @param zeroCopyThreshold sends of at least this many bytes use {@code SEND_ZC} (6.0) where the
 *                          kernel has it; 0 never
 */
public record SocketOptions(boolean noDelay, boolean keepAlive, int receiveBuffer, int sendBuffer, int lingerSeconds,
        int backlog, int zeroCopyThreshold) {

    public SocketOptions {
        if (receiveBuffer < 0 || sendBuffer < 0) {
            throw new IllegalArgumentException("buffer sizes must not be negative: receive " + receiveBuffer + ", send "
                    + sendBuffer);
        }
        if (lingerSeconds < -1) {
            throw new IllegalArgumentException("linger must be -1 (off) or a number of seconds, got " + lingerSeconds);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive, got " + backlog);
        }
        if (zeroCopyThreshold < 0) {
            throw new IllegalArgumentException("zero-copy threshold must not be negative, got " + zeroCopyThreshold);
        }
    }

    /** TCP_NODELAY on, keep-alive off, system buffer sizes, no linger, backlog 1024, no zero-copy sends. */
    public static SocketOptions defaults() {
        return new SocketOptions(true, false, 0, 0, -1, 1024, 0);
    }

    public SocketOptions withNoDelay(boolean on) {
        return new SocketOptions(on, keepAlive, receiveBuffer, sendBuffer, lingerSeconds, backlog, zeroCopyThreshold);
    }

    public SocketOptions withKeepAlive(boolean on) {
        return new SocketOptions(noDelay, on, receiveBuffer, sendBuffer, lingerSeconds, backlog, zeroCopyThreshold);
    }

    public SocketOptions withReceiveBuffer(int bytes) {
        return new SocketOptions(noDelay, keepAlive, bytes, sendBuffer, lingerSeconds, backlog, zeroCopyThreshold);
    }

    public SocketOptions withSendBuffer(int bytes) {
        return new SocketOptions(noDelay, keepAlive, receiveBuffer, bytes, lingerSeconds, backlog, zeroCopyThreshold);
    }

    public SocketOptions withLinger(int seconds) {
        return new SocketOptions(noDelay, keepAlive, receiveBuffer, sendBuffer, seconds, backlog, zeroCopyThreshold);
    }

    public SocketOptions withBacklog(int connections) {
        return new SocketOptions(noDelay, keepAlive, receiveBuffer, sendBuffer, lingerSeconds, connections, zeroCopyThreshold);
    }

    public SocketOptions withZeroCopyThreshold(int bytes) {
        return new SocketOptions(noDelay, keepAlive, receiveBuffer, sendBuffer, lingerSeconds, backlog, bytes);
    }
}
