package dev.wisca.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Puts a finished temp file in place of its target by a rename (make it durable with {@link DirectorySync}). */
public final class AtomicMove {
    private AtomicMove() {}

    /** Renames {@code temp} over {@code target} (same folder), atomically where the file system can. */
    public static void replace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Same folder, so this only happens on file systems without rename; a plain replace is all there is.
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
