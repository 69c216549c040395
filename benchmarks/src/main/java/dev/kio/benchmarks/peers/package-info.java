/**
 * The JVM peer servers of the benchmark suite (started by {@code benchmarks/peers.sh}): kio,
 * Netty on its io_uring and epoll transports, and virtual threads with blocking sockets. Each one
 * speaks the suite's two protocols, echo and HTTP hello ({@link HttpHello}), prints
 * {@code READY <port>} once it listens on loopback and exits 0 on SIGTERM ({@link PeerMain}).
 */
package dev.kio.benchmarks.peers;
