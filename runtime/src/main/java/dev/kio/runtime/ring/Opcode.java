package dev.kio.runtime.ring;

/**
 * The io_uring opcodes kio issues, with the names used in error messages and the kernel that
 * introduced each. Values follow the kernel ABI ({@code enum io_uring_op}), not liburing's
 * header, so opcodes newer than the build's liburing can be used too.
 */
public final class Opcode {
    public static final int NOP = 0;
    public static final int READV = 1;
    public static final int WRITEV = 2;
    public static final int FSYNC = 3;
    public static final int READ_FIXED = 4;
    public static final int WRITE_FIXED = 5;
    public static final int SENDMSG = 9;
    public static final int RECVMSG = 10;
    public static final int TIMEOUT = 11;
    public static final int ACCEPT = 13;
    public static final int ASYNC_CANCEL = 14;
    public static final int LINK_TIMEOUT = 15;
    public static final int CONNECT = 16;
    public static final int FALLOCATE = 17;
    public static final int OPENAT = 18;
    public static final int CLOSE = 19;
    public static final int STATX = 21;
    public static final int READ = 22;
    public static final int WRITE = 23;
    public static final int SEND = 26;
    public static final int RECV = 27;
    public static final int SPLICE = 30;
    public static final int SHUTDOWN = 34;
    public static final int RENAMEAT = 35;
    public static final int UNLINKAT = 36;
    public static final int MKDIRAT = 37;
    public static final int MSG_RING = 40;
    public static final int SOCKET = 45;
    public static final int SEND_ZC = 47;
    public static final int FTRUNCATE = 55;

    private Opcode() {
    }

    /** The operation's name as users see it in errors, e.g. {@code "read"}. */
    public static String name(int opcode) {
        return switch (opcode) {
            case NOP -> "nop";
            case READ_FIXED -> "read_fixed";
            case WRITE_FIXED -> "write_fixed";
            case RECV -> "recv";
            case TIMEOUT -> "sleep";
            case ASYNC_CANCEL -> "cancel";
            case LINK_TIMEOUT -> "link_timeout";
            case CLOSE -> "close";
            case READ -> "read";
            case WRITE -> "write";
            case MSG_RING -> "msg_ring";
            case READV -> "readv";
            case WRITEV -> "writev";
            case FSYNC -> "fsync";
            case FALLOCATE -> "fallocate";
            case OPENAT -> "openat";
            case STATX -> "statx";
            case RENAMEAT -> "renameat";
            case UNLINKAT -> "unlinkat";
            case MKDIRAT -> "mkdirat";
            case FTRUNCATE -> "ftruncate";
            case ACCEPT -> "accept";
            case CONNECT -> "connect";
            case SEND -> "send";
            case SHUTDOWN -> "shutdown";
            case SOCKET -> "socket";
            case SEND_ZC -> "send_zc";
            case SENDMSG -> "sendmsg";
            case RECVMSG -> "recvmsg";
            case SPLICE -> "splice";
            default -> "op" + opcode;
        };
    }

    /** The first Linux release that has the opcode. */
    public static String minimumKernel(int opcode) {
        return switch (opcode) {
            case NOP, READV, WRITEV, FSYNC, READ_FIXED, WRITE_FIXED -> "5.1";
            case SENDMSG, RECVMSG -> "5.3";
            case TIMEOUT -> "5.4";
            case ASYNC_CANCEL, LINK_TIMEOUT, ACCEPT, CONNECT -> "5.5";
            case CLOSE, READ, WRITE, FALLOCATE, OPENAT, STATX, RECV, SEND -> "5.6";
            case SPLICE -> "5.7";
            case RENAMEAT, UNLINKAT, SHUTDOWN -> "5.11";
            case MKDIRAT -> "5.15";
            case MSG_RING -> "5.18";
            case SOCKET -> "5.19";
            case SEND_ZC -> "6.0";
            case FTRUNCATE -> "6.9";
            default -> "unknown";
        };
    }
}
