package dev.kio.runtime.fs;

/**
 * open(2) flags for {@link FileManager#open}, with Linux x86_64 values. Combine with {@code |}:
 * exactly one of {@link #RDONLY}, {@link #WRONLY}, {@link #RDWR}, plus any others.
 * {@code O_CLOEXEC} is always added: kio's descriptors never leak into child processes.
 */
public final class OpenFlags {
    public static final int RDONLY = 0;
    public static final int WRONLY = 01;
    public static final int RDWR = 02;
    /** Create the file if it does not exist, with the mode given to {@code open}. */
    public static final int CREAT = 0100;
    /** With {@link #CREAT}: fail with EEXIST if the file exists. */
    public static final int EXCL = 0200;
    public static final int TRUNC = 01000;
    public static final int APPEND = 02000;
    /** Each write returns once its data (not all metadata) is on the device. */
    public static final int DSYNC = 010000;
    /**
     * Bypass the page cache. Buffer addresses must then be multiples of the file's
     * {@link KioFile#directMemoryAlignment()}, lengths and positions of its
     * {@link KioFile#directOffsetAlignment()} (statx {@code STATX_DIOALIGN}, read at open);
     * {@link KioFile} checks this before submitting. A filesystem without direct I/O (tmpfs before
     * Linux 6.6) refuses the open with EINVAL.
     */
    public static final int DIRECT = 040000;
    /** Fail with ENOTDIR unless the path is a directory. */
    public static final int DIRECTORY = 0200000;
    /** Fail with ELOOP if the last component is a symbolic link. */
    public static final int NOFOLLOW = 0400000;
    static final int CLOEXEC = 02000000;
    private static final int ACCESS_MODE = 03;

    private OpenFlags() {
    }

    static boolean writable(int flags) {
        return (flags & ACCESS_MODE) != RDONLY;
    }
}
