package dev.wisca.cli.options;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** {@code --dir}: the folder a command that generates checkpoints (demo, bench) works in. */
public final class WorkFolder {
    @Option(names = "--dir", paramLabel = "DIR", description = "Work folder for the checkpoints the command generates"
        + " (demo: default wisca-demo; bench: put it on the disk to measure, default a new temp folder).")
    Path dir;

    /** The folder given, if any. */
    public Optional<Path> given() { return Optional.ofNullable(dir); }
}
