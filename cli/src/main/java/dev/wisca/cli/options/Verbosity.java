package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --verbose} / {@code --quiet}, shared by every command. */
public final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "Print more detail, and stack traces on errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors and the final result line.")
    boolean quiet;

    public boolean verbose() { return verbose; }

    public boolean quiet() { return quiet; }
}
