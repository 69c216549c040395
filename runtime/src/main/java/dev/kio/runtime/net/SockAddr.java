package dev.kio.runtime.net;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Socket addresses in the kernel's layout ({@code sockaddr_in}, {@code sockaddr_in6},
 * {@code sockaddr_un}) and back. The JDK's address types are the API's edge: they are encoded
 * into native memory the caller owns, and decoded only when someone asks for an address.
 */
final class SockAddr {
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    /** {@code sizeof(struct sockaddr_storage)}: room for any address. */
    static final int MAX_BYTES = 128;
    private static final int UNIX_PATH_MAX = 108;
    static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /** The address family of {@code address}: AF_INET, AF_INET6 or AF_UNIX. */
    static int family(SocketAddress address) {
        return switch (address) {
            case InetSocketAddress inet -> inet.getAddress() instanceof Inet6Address ? AF_INET6 : AF_INET;
            case UnixDomainSocketAddress ignored -> AF_UNIX;
            default -> throw new IllegalArgumentException("unsupported socket address type " + address.getClass().getName());
        };
    }

    /**
     * Writes {@code address} into {@code out} (at least {@link #MAX_BYTES}) and returns its length.
     *
     * @throws IllegalArgumentException for an unresolved host name or a Unix path over 107 bytes
     */
    static int encode(SocketAddress address, MemorySegment out) {
        out.asSlice(0, MAX_BYTES).fill((byte) 0);
        switch (address) {
            case InetSocketAddress inet -> {
                InetAddress ip = inet.getAddress();
                if (ip == null) {
                    throw new IllegalArgumentException("unresolved address " + inet
                            + ": resolve host names before connecting or binding (name lookups block)");
                }
                out.set(PORT, 2, (short) inet.getPort());
                if (ip instanceof Inet6Address v6) {
                    out.set(JAVA_SHORT, 0, (short) AF_INET6);
                    MemorySegment.copy(MemorySegment.ofArray(v6.getAddress()), 0, out, 8, 16);
                    out.set(JAVA_INT, 24, v6.getScopeId());
                    return 28;
                }
                out.set(JAVA_SHORT, 0, (short) AF_INET);
                MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, out, 4, 4);
                return 16;
            }
            case UnixDomainSocketAddress unix -> {
                byte[] path = unix.getPath().toString().getBytes(StandardCharsets.UTF_8);
                if (path.length >= UNIX_PATH_MAX) {
                    throw new IllegalArgumentException("Unix socket path of " + path.length + " bytes is over the "
                            + (UNIX_PATH_MAX - 1) + "-byte limit: " + unix.getPath());
                }
                out.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(MemorySegment.ofArray(path), 0, out, 2, path.length);
                return 2 + path.length + 1;
            }
            default -> throw new IllegalArgumentException("unsupported socket address type " + address.getClass().getName());
        }
    }

    /** The address of {@code length} bytes in {@code in}, as the kernel wrote it. */
    static SocketAddress decode(MemorySegment in, int length) {
        int family = in.get(JAVA_SHORT, 0);
        try {
            return switch (family) {
                case AF_INET -> new InetSocketAddress(
                        InetAddress.getByAddress(in.asSlice(4, 4).toArray(JAVA_BYTE)), Short.toUnsignedInt(in.get(PORT, 2)));
                case AF_INET6 -> new InetSocketAddress(Inet6Address.getByAddress(null,
                        in.asSlice(8, 16).toArray(JAVA_BYTE), in.get(JAVA_INT, 24)), Short.toUnsignedInt(in.get(PORT, 2)));
                case AF_UNIX -> {
                    int n = 0;
                    while (n < length - 2 && in.get(JAVA_BYTE, 2 + n) != 0) {
                        n++;
                    }
                    yield UnixDomainSocketAddress.of(new String(in.asSlice(2, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                }
                default -> throw new IllegalArgumentException("unknown address family " + family);
            };
        } catch (UnknownHostException e) {
            throw new AssertionError("a raw address of the right length is never unknown", e);
        }
    }

    /** How errors and toString() name an address: {@code 127.0.0.1:80}, {@code [::1]:80}, {@code /run/x.sock}. */
    static String format(SocketAddress address) {
        return switch (address) {
            case null -> "?";
            case InetSocketAddress inet when inet.getAddress() instanceof Inet6Address v6 ->
                    "[" + v6.getHostAddress() + "]:" + inet.getPort();
            case InetSocketAddress inet when inet.getAddress() != null -> inet.getAddress().getHostAddress() + ":" + inet.getPort();
            case UnixDomainSocketAddress unix -> unix.getPath().toString().isEmpty() ? "(unnamed)" : unix.getPath().toString();
            default -> address.toString();
        };
    }
}
