package dev.wisca.io.hf;

import dev.wisca.io.AtomicMove;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Function;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;

/**
 * Builds a folder in a temp folder beside its target and swaps it in: fsync every file and the
 * folder, rename the old target away, rename the new one in, delete the old. A failure before the
 * swap deletes the temp folder and leaves the target as it was.
 */
final class FolderSwap {
    private FolderSwap() {}

    static <T> T build(Path target, Function<Path, T> build) {
        Path staging = TempNames.beside(target);
        try {
            Files.createDirectory(staging);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot create a temp folder beside the output: " + e, e);
        }
        T result;
        try {
            result = build.apply(staging);
            syncTree(staging);
        } catch (RuntimeException | Error e) {
            deleteQuietly(staging);
            throw e;
        }
        swapIn(staging, target);
        return result;
    }

    private static void swapIn(Path staging, Path target) {
        Path old = Files.exists(target, LinkOption.NOFOLLOW_LINKS) ? TempNames.beside(target) : null;
        try {
            if (old != null) Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            AtomicMove.replace(staging, target);
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new WiscaException(ErrorKind.IO, target, null, "cannot move the new output in place: " + e, e);
        }
        DirectorySync.sync(target.getParent());
        if (old != null) deleteTree(old);
    }

    private static void syncTree(Path folder) {
        try (var files = Files.walk(folder)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    DirectorySync.sync(p);
                }
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot fsync the new output: " + e, e);
        }
    }

    /** Deletes a file or a folder tree without following symlinks out of it. */
    static void deleteTree(Path root) {
        try {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(root);
                return;
            }
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) throw e;
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, root, null, "cannot remove: " + e, e);
        }
    }

    private static void deleteQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (WiscaException ignored) {
            // The original failure is what the caller needs to see; the next run removes the leftover.
        }
    }
}
