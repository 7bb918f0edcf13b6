package dev.wisca.io.hf;

import dev.wisca.io.FileChannels;
import dev.wisca.io.AtomicMove;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Small files written whole: through a temp file beside the target, fsynced, renamed over it. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes {@code content} as the whole new content of {@code target}. */
    public static void write(Path target, byte[] content) {
        replace(target, temp -> {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                FileChannels.writeFully(ch, buffer);
                ch.force(true);
            }
        });
    }

    /** Copies {@code source} byte for byte, streaming. */
    static void copy(Path source, Path target) {
        replace(target, temp -> {
            try (InputStream in = Files.newInputStream(source);
                 FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                    FileChannels.writeFully(ch, b);
                }
                ch.force(true);
            }
        });
    }

    /** Fills the temp file (which does not exist yet) with the whole new content, fsynced. */
    public interface TempFiller {
        void fill(Path temp) throws IOException;
    }

    /**
     * Writes {@code target} whole through {@code filler}: a temp file beside it, renamed over it, the
     * folder fsynced; on any failure the temp file is removed and the target left as it was.
     */
    public static void replace(Path target, TempFiller filler) {
        Path absolute = target.toAbsolutePath();
        Path temp = TempNames.beside(absolute);
        try {
            filler.fill(temp);
            AtomicMove.replace(temp, absolute);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new WiscaException(ErrorKind.IO, absolute, null, "cannot write: " + e, e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
        DirectorySync.sync(absolute.getParent());
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // The original failure is what the caller needs to see.
        }
    }
}
