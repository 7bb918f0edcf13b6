package dev.wisca.sdk;

import dev.wisca.io.AtomicMove;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.io.inplace.InPlaceLock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/**
 * How wisca publishes what it writes, for callers that write files of their own beside the SDK's (the CLI's
 * reports, the watcher's journal, the server's token): never over, into or around an input; a folder built
 * beside its target and swapped in whole; a file written to a temp and renamed over its target; the rename
 * made durable by fsyncing its folder; writers kept apart by an advisory lock. The same rules {@link Model#apply}
 * and {@link Model#applyInPlace} follow.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** Refuses (OUTPUT_OVERLAPS_INPUT) {@code output} when it is an input, lies inside an input folder, or contains one. */
    public static void checkApart(Path output, Collection<Path> inputs) {
        Outputs.checkApart(output, inputs);
    }

    /**
     * Every check {@link #folder} and {@link #file} make, writing nothing (for a command with several outputs, so
     * none is written when a later one would be refused): apart from the inputs, and absent unless {@code overwrite}
     * is {@link Overwrite#REPLACE} (OUTPUT_EXISTS).
     */
    public static void check(Path output, Overwrite overwrite, Collection<Path> inputs) {
        Outputs.check(output, overwrite, inputs);
    }

    /**
     * Writes a folder: checks, then calls {@code build} with an empty staging folder beside {@code folder}, fsyncs it
     * and swaps it in (an old folder is renamed away and deleted). Returns what {@code build} returns.
     */
    public static <T> T folder(Path folder, Overwrite overwrite, Collection<Path> inputs, Function<Path, T> build) {
        return Outputs.folder(folder, overwrite, inputs, build);
    }

    /** Writes one file: checks, then calls {@code build} with the target path, which it writes through a temp file and {@link #replace}. */
    public static <T> T file(Path file, Overwrite overwrite, Collection<Path> inputs, Function<Path, T> build) {
        return Outputs.file(file, overwrite, inputs, build);
    }

    /** {@code out} itself, or {@code out/<name of inputFile>} when {@code out} is an existing folder. */
    public static Path fileTarget(Path out, Path inputFile) {
        return Outputs.fileTarget(out, inputFile);
    }

    /** Renames a finished {@code temp} over {@code target} (same folder), atomically where the file system can; then {@link #syncFolder}. */
    public static void replace(Path temp, Path target) throws IOException {
        AtomicMove.replace(temp, target);
    }

    /** Makes the renames in {@code folder} durable by fsyncing it (best effort where the file system cannot). */
    public static void syncFolder(Path folder) {
        DirectorySync.sync(folder);
    }

    /** An exclusive advisory lock: released by {@link #close}, and by the operating system when its process dies. */
    public interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes the exclusive advisory lock on {@code file} (created if absent, never through a symbolic link), or empty
     * while another holder has it, in another process or this one: the lock in-place rewrites take.
     */
    public static Optional<Lock> tryLock(Path file) {
        return InPlaceLock.tryLock(file).map(held -> held::close);
    }
}
