package dev.wisca.sdk.bench;

import dev.wisca.io.DirectorySync;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The physical reference for a rewrite: what {@code cp --reflink=auto} followed by {@code sync}
 * achieves. Each file is copied inside the kernel ({@link FileChannel#transferTo}: copy_file_range
 * on Linux, a reflink where the file system shares extents) and fsynced, then the folder is synced.
 */
final class RawCopy {
    private RawCopy() {}

    /** Copies {@code files} into {@code dir}; returns the bytes copied. */
    static long copy(List<Path> files, Path dir, Progress progress) {
        long total = 0;
        for (Path f : files) total += size(f);
        progress.start("copy", total, files.size());
        try {
            Files.createDirectories(dir);
            for (Path f : files) copyFile(f, dir.resolve(f.getFileName()), progress);
            DirectorySync.sync(dir);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, dir, null, "copy failed: " + e, e);
        } finally {
            progress.finish();
        }
        return total;
    }

    private static void copyFile(Path from, Path to, Progress progress) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                 StandardOpenOption.WRITE)) {
            long size = in.size();
            for (long done = 0; done < size; ) {
                long n = in.transferTo(done, size - done, out);
                if (n <= 0) throw new IOException(from + " ended at byte " + done + " while being copied");
                done += n;
                progress.advance(n, 0);
            }
            out.force(true);
        }
        progress.advance(0, 1);
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, f, null, "cannot read its size: " + e, e);
        }
    }
}
