package dev.kio.runtime.sys;

/**
 * Linux errno values kio acts on, and the symbolic name and text of any errno.
 *
 * <p>Names come from glibc ({@code strerrorname_np}), looked up once per value and cached.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int EMSGSIZE = 90;
    public static final int ETIME = 62;
    public static final int EBADFD = 77;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int ENETUNREACH = 101;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int ECANCELED = 125;

    private static final int CACHED = 134;
    private static final String[] NAMES = new String[CACHED];
    private static final String[] TEXTS = new String[CACHED];

    private Errno() {
    }

    /** The symbolic name of a positive errno, e.g. {@code "EAGAIN"}. */
    public static String name(int errno) {
        return text(errno)[0];
    }

    /** The description of a positive errno, e.g. {@code "Resource temporarily unavailable"}. */
    public static String describe(int errno) {
        return text(errno)[1];
    }

    private static String[] text(int errno) {
        if (errno <= 0 || errno >= CACHED) {
            return Native.errnoText(errno);
        }
        String name = NAMES[errno];
        String text = TEXTS[errno];
        if (name == null || text == null) {
            String[] found = Native.errnoText(errno);
            // Racing threads compute the same strings; the arrays only ever hold correct values.
            NAMES[errno] = name = found[0];
            TEXTS[errno] = text = found[1];
        }
        return new String[] {name, text};
    }
}
