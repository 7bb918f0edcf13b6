package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths as the file system sees them, not as they are spelled: symlinks resolved, and for a path
 * that does not exist yet, its deepest existing ancestor resolved and the rest appended.
 */
final class RealPaths {
    private RealPaths() {}

    static Path of(Path path) {
        Path absolute = path.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            if (existing.getFileName() != null) missing.push(existing.getFileName());
            existing = existing.getParent();
        }
        try {
            Path real = existing == null ? absolute.getRoot() : existing.toRealPath();
            for (Path name : missing) real = real.resolve(name);
            return real.normalize();
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "cannot resolve the path: " + e, e);
        }
    }

    /** Whether both name the same existing file (also through hard links); false when either is missing. */
    static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
