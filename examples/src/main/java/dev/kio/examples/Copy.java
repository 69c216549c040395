package dev.kio.examples;

import static dev.kio.Flows.await;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import dev.kio.Flow;
import dev.kio.IoHandler;
import dev.kio.runtime.fs.FileManager;
import dev.kio.runtime.fs.FileStat;
import dev.kio.runtime.fs.KioFile;
import dev.kio.runtime.fs.OpenFlags;
import dev.kio.runtime.worker.IoPool;

/**
 * {@code cp} on io_uring: each chunk is one linked pair, a read of the source into a pooled
 * buffer and a write of that buffer to the destination ({@code IOSQE_IO_LINK}: one submission,
 * the kernel starts the write when the read is done), with {@value CopyPump#LANES} pairs in flight
 * ({@link CopyPump}). With
 * {@code --direct} both files bypass the page cache ({@code O_DIRECT}): the buffers meet the files'
 * alignment (statx {@code STATX_DIOALIGN}), the last partial block is written whole and the
 * destination truncated to the source's size. The destination gets the source's permission bits,
 * less the umask, when it is created (as cp does); its size is checked at the end.
 *
 * <pre>{@code KIO_DEMO_MAIN=dev.kio.examples.Copy scripts/demo SRC DST [--direct]}</pre>
 */
@IoHandler
public abstract class Copy {
    /**
     * Copies {@code src} to {@code dst}, replacing its contents.
     *
     * @return the bytes copied
     * @throws dev.kio.OpException naming the errno, the operation and the path (a missing source,
     *                             a destination that cannot be written)
     * @throws IOException         when the source is not a regular file, or changed size meanwhile
     */
    @Flow
    public long copy(FileManager files, Path src, Path dst, boolean direct) throws Throwable {
        int directFlag = direct ? OpenFlags.DIRECT : 0;
        FileStat source = await(files.stat(src));
        if (!source.isRegularFile()) {
            throw new IOException("cp: " + src.toAbsolutePath().normalize() + " is not a regular file");
        }
        KioFile in = await(files.open(src, OpenFlags.RDONLY | directFlag, 0));
        try {
            KioFile out = await(files.open(dst, OpenFlags.WRONLY | OpenFlags.CREAT | OpenFlags.TRUNC | directFlag,
                    source.permissions()));
            try {
                await(new CopyPump(in, out, source.size()));
                if (direct && source.size() % out.directOffsetAlignment() != 0) {
                    await(out.truncate(source.size()));
                }
                FileStat copied = await(out.stat());
                if (copied.size() != source.size()) {
                    throw new IOException("cp: " + out.path() + " has " + copied.size() + " bytes after the copy, "
                            + in.path() + " has " + source.size());
                }
            } finally {
                await(out.close());
            }
        } finally {
            await(in.close());
        }
        return source.size();
    }

    /** Copies with a pool of one worker per allowed CPU and prints what it did. */
    public static void main(String[] args) throws Throwable {
        if (args.length < 2 || args.length > 3 || args.length == 3 && !args[2].equals("--direct")) {
            System.err.println("usage: Copy SRC DST [--direct]");
            System.exit(64);
        }
        Path src = Path.of(args[0]);
        Path dst = Path.of(args[1]);
        boolean direct = args.length == 3;
        try (IoPool pool = IoPool.builder().start()) {
            FileManager files = FileManager.of(pool);
            long start = System.nanoTime();
            long bytes = pool.worker(0).syncWait(Copy_Kio.copy(new Copy_Kio(), files, src, dst, direct));
            System.out.printf(Locale.ROOT, "copied %d bytes from %s to %s%s in %.1f ms (%d linked read-write pairs in flight)%n",
                    bytes, src, dst, direct ? " with O_DIRECT" : "", (System.nanoTime() - start) / 1e6, CopyPump.LANES);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }
}
