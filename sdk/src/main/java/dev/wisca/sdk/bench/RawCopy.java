package dev.wisca.sdk.bench;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The physical reference for a rewrite: read every byte and write it to a new file on the same disk,
 * through an 8 MiB buffer (the writer's chunk size), then fsync. No copy_file_range or reflink
 * shortcut, which would not move the bytes at all on some file systems.
 */
final class RawCopy {
    static final int BUFFER_BYTES = 8 << 20;

    private RawCopy() {}

    /** Copies {@code files} into {@code dir}; returns the bytes copied. */
    static long copy(List<Path> files, Path dir, Progress progress) {
        long total = 0;
        for (Path f : files) total += size(f);
        progress.start("copy", total, files.size());
        try {
            Files.createDirectories(dir);
            ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
            for (Path f : files) copyFile(f, dir.resolve(f.getFileName()), buffer, progress);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, dir, null, "copy failed: " + e, e);
        } finally {
            progress.finish();
        }
        return total;
    }

    private static void copyFile(Path from, Path to, ByteBuffer buffer, Progress progress) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                 StandardOpenOption.WRITE)) {
            while (true) {
                buffer.clear();
                int n = in.read(buffer);
                if (n < 0) break;
                buffer.flip();
                while (buffer.hasRemaining()) out.write(buffer);
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
