package dev.wisca.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Puts a finished temp file in place of its target by a rename, and makes renames durable. */
public final class Renames {
    private Renames() {}

    /** Renames {@code temp} over {@code target} (same folder), atomically where the file system can. */
    public static void replace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Same folder, so this only happens on file systems without rename; a plain replace is all there is.
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Fsyncs the folder that holds a rename, so the rename survives a crash. */
    public static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Windows cannot open a folder as a channel and some file systems refuse fsync on one;
            // the rename itself already happened, only its durability across a crash is weaker.
        }
    }
}
