package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The one gate every writing command goes through. Before anything is written it refuses an output
 * that is, contains or lies inside one of the inputs (compared as real paths and file identity, so a
 * symlink or another spelling does not hide it) and an occupied output without {@link Overwrite#REPLACE};
 * it removes wisca's own leftover temp files of that output. A folder output is built whole in a sibling
 * temp folder, fsynced and swapped in, so it is never a mix of an old and a new checkpoint.
 */
public final class Outputs {
    private Outputs() {}

    /**
     * Refuses {@code output} when it is an input, lies inside an input folder, or contains an input.
     *
     * @throws WiscaException OUTPUT_OVERLAPS_INPUT naming the output and the input
     */
    public static void checkApart(Path output, Collection<Path> inputs) {
        Path out = RealPaths.of(output);
        for (Path input : inputs) {
            Path in = RealPaths.of(input);
            String why = RealPaths.sameFile(output, input) || out.equals(in) ? "is the input " + input
                : out.startsWith(in) ? "lies inside the input folder " + input
                : in.startsWith(out) ? "contains the input " + input : null;
            if (why != null) {
                throw WiscaException.of(ErrorKind.OUTPUT_OVERLAPS_INPUT, output,
                    "the output " + why + "; wisca never writes over its inputs: choose another output path");
            }
        }
    }

    /**
     * Writes a folder: checks, then calls {@code build} with an empty staging folder beside {@code folder},
     * fsyncs it and swaps it in (an old folder is renamed away and deleted). Returns what {@code build} returns.
     */
    public static <T> T folder(Path folder, Overwrite overwrite, Collection<Path> inputs, Function<Path, T> build) {
        Path target = prepare(folder, overwrite, inputs);
        if (Files.exists(target) && !Files.isDirectory(target)) {
            throw WiscaException.of(ErrorKind.OUTPUT_EXISTS, folder, "is a file, not a folder; choose a folder path");
        }
        return FolderSwap.build(target, build);
    }

    /**
     * Writes one file: checks, then calls {@code build} with the target path; {@code build} writes it
     * through a temp file and a rename ({@link dev.wisca.io.SafetensorsWriter}, {@link AtomicFiles}).
     */
    public static <T> T file(Path file, Overwrite overwrite, Collection<Path> inputs, Function<Path, T> build) {
        Path target = prepare(file, overwrite, inputs);
        if (Files.isDirectory(target)) {
            throw WiscaException.of(ErrorKind.OUTPUT_EXISTS, file, "is a folder; name the file to write");
        }
        return build.apply(target);
    }

    /**
     * Writes where a rewrite of {@code source} goes: a file for a single-file checkpoint (into
     * {@code out/<name>} when {@code out} is a folder), else a folder; {@code alsoInputs} are
     * further inputs (a plan, a spec file) the output must stay apart from.
     */
    public static <T> T like(Checkpoint source, Path out, Overwrite overwrite, Collection<Path> alsoInputs, Function<Path, T> build) {
        List<Path> inputs = new ArrayList<>(source.inputs());
        inputs.addAll(alsoInputs);
        return source.file().isPresent()
            ? file(fileTarget(out, source.file().get()), overwrite, inputs, build)
            : folder(out, overwrite, inputs, build);
    }

    /**
     * The checks of {@link #folder}/{@link #file} without writing anything: for commands with several
     * outputs, so that none is written when a later one would be refused.
     */
    public static void check(Path output, Overwrite overwrite, Collection<Path> inputs) {
        checkApart(output, inputs);
        if (overwrite == Overwrite.NEVER && occupied(output.toAbsolutePath().normalize(), false)) throw exists(output);
    }

    /** {@code out} itself, or {@code out/<name of inputFile>} when {@code out} is an existing folder. */
    public static Path fileTarget(Path out, Path inputFile) {
        return Files.isDirectory(out) ? out.resolve(inputFile.getFileName().toString()) : out;
    }

    private static Path prepare(Path output, Overwrite overwrite, Collection<Path> inputs) {
        checkApart(output, inputs);
        // Through a symlink the output lands where it points (the link stays), as writing a path does.
        Path target = RealPaths.of(output);
        Path parent = target.getParent();
        if (parent == null) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, output, "cannot write over a file-system root");
        createFolder(parent);
        removeOurTemps(parent, target.getFileName().toString());
        if (overwrite == Overwrite.NEVER && occupied(target, true)) throw exists(output);
        return target;
    }

    private static WiscaException exists(Path output) {
        return WiscaException.of(ErrorKind.OUTPUT_EXISTS, output,
            "already exists and holds files; choose a new path, or pass --force to replace it with the new output");
    }

    /** A file, or a folder with anything but our own leftover temp files (removed when {@code removeTemps}). */
    private static boolean occupied(Path target, boolean removeTemps) {
        if (!Files.exists(target)) return false;
        if (!Files.isDirectory(target)) return true;
        try (Stream<Path> entries = Files.list(target)) {
            List<Path> all = entries.toList();
            boolean occupied = false;
            for (Path p : all) {
                if (!TempNames.isOurs(p.getFileName().toString())) occupied = true;
                else if (removeTemps) FolderSwap.deleteTree(p);
            }
            return occupied;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot list the output folder: " + e, e);
        }
    }

    /** Temp files and folders a killed run left for this target; other names are never touched. */
    static void removeOurTemps(Path parent, String targetName) {
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path p : entries.toList()) {
                if (TempNames.isOursFor(p.getFileName().toString(), targetName)) FolderSwap.deleteTree(p);
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, parent, null, "cannot list the folder: " + e, e);
        }
    }

    static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot create the folder: " + e, e);
        }
    }
}
