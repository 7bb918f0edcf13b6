package dev.wisca.cli.options;

import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.hf.Overwrite;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Collection;

/**
 * {@code --force}, shared by every command that writes. Without it an output that already holds
 * files is refused (OutputExists); with it the output is replaced whole. Either way an output never
 * overlaps an input (OutputOverlapsInput): the checks are {@link OutputFiles}'.
 */
public final class OutputOptions {
    @Option(names = "--force", description = "Replace an output that already exists (it then holds exactly the new files).")
    boolean force;

    public Overwrite overwrite() { return Overwrite.of(force); }

    /** Checks every output before the first is written, so a refused later one leaves nothing half done. */
    public void checkAll(Collection<Path> outputs, Collection<Path> inputs) {
        for (Path out : outputs) OutputFiles.check(out, overwrite(), inputs);
    }
}
