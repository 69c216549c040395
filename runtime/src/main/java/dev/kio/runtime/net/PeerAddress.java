package dev.kio.runtime.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

import dev.kio.runtime.op.MsgHdr;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A reusable holder of one IPv4 or IPv6 socket address in the kernel's layout: where
 * {@link UdpSocket#receive} puts a datagram's sender, and where {@link UdpSocket#sendTo} sends.
 * Receiving into one holder and replying to it allocates nothing; the JDK's
 * {@link InetSocketAddress} is made only when asked for ({@link #toSocketAddress()}).
 *
 * <p>A receive writes the holder when it completes, on its socket's worker, before the awaiting
 * flow resumes; a send copies it when the send is made. Not thread-safe.
 */
public final class PeerAddress {
    private final MemorySegment storage = Arena.ofAuto().allocate(MsgHdr.NAME_BYTES, 8);

    /** An empty holder, to receive into. */
    public PeerAddress() {
    }

    /** A holder of {@code address}, to send to. */
    public static PeerAddress of(SocketAddress address) {
        return new PeerAddress().set(address);
    }

    /**
     * Holds {@code address}, an {@link InetSocketAddress} with a resolved IPv4 or IPv6 address.
     *
     * @throws IllegalArgumentException for an unresolved host or another kind of address
     */
    public PeerAddress set(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("a UDP peer is an InetSocketAddress, got " + address);
        }
        SockAddr.encode(address, storage);
        return this;
    }

    /** Holds what {@code other} holds. */
    public PeerAddress set(PeerAddress other) {
        storage.copyFrom(other.storage);
        return this;
    }

    /** Whether it holds no address yet. */
    public boolean isEmpty() {
        return family() == 0;
    }

    /** {@code AF_INET} (2), {@code AF_INET6} (10), or 0 when empty. */
    public int family() {
        return storage.get(JAVA_SHORT, 0);
    }

    /** The port, 0 when empty. */
    public int port() {
        return isEmpty() ? 0 : Short.toUnsignedInt(storage.get(SockAddr.PORT, 2));
    }

    /** The address as the JDK's type: allocates, so it is for when that type is needed. */
    public InetSocketAddress toSocketAddress() {
        if (isEmpty()) {
            throw new IllegalStateException("no address received or set yet");
        }
        return (InetSocketAddress) SockAddr.decode(storage, length());
    }

    /** Whether both hold the same address and port, byte for byte. */
    public boolean sameAs(PeerAddress other) {
        return MemorySegment.mismatch(storage, 0, length(), other.storage, 0, other.length()) < 0;
    }

    /** The encoded address's length: 16 bytes for IPv4, 28 for IPv6, 0 when empty. */
    int length() {
        return switch (family()) {
            case SockAddr.AF_INET -> 16;
            case SockAddr.AF_INET6 -> 28;
            default -> 0;
        };
    }

    MemorySegment storage() {
        return storage;
    }

    /** {@code 127.0.0.1:5000}, {@code [::1]:5000}, or {@code (none)}. */
    @Override
    public String toString() {
        return isEmpty() ? "(none)" : SockAddr.format(toSocketAddress());
    }
}
