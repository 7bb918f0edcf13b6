package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --verbose} / {@code --quiet}, shared by every command. */
public final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "Print more detail, and stack traces on errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors and the final result line.")
    boolean quiet;

    /** As picocli sets it from the flags (for a command run without picocli: InspectFastPath). */
    public static Verbosity of(boolean verbose, boolean quiet) {
        Verbosity v = new Verbosity();
        v.verbose = verbose;
        v.quiet = quiet;
        return v;
    }

    public boolean verbose() { return verbose; }

    public boolean quiet() { return quiet; }
}
