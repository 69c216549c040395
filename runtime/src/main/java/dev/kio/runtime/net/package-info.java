/**
 * Stream sockets on io_uring: {@link dev.kio.runtime.net.TcpServer} accepts TCP (IPv4, IPv6) and
 * Unix domain connections on per-worker listeners, {@link dev.kio.runtime.net.TcpClient} connects,
 * and {@link dev.kio.runtime.net.Conn} receives, sends, shuts down and closes on the connection's
 * worker. The ops underneath are {@link dev.kio.runtime.op.Ops}' socket methods.
 */
package dev.kio.runtime.net;
