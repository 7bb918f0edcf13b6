package dev.wisca.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code wisca inspect} in its plain forms, run without picocli: a path and any of {@code --json},
 * {@code --summary}, {@code -q/--quiet}, {@code -v/--verbose}, each at most once. Building picocli's
 * model (reflection over the annotations, ~180 classes the JVM's AOT cache cannot hold: picocli is
 * Java 5 bytecode) took longer than inspecting 100 shards. Anything else (help, {@code --as},
 * clustered or repeated flags, {@code @files}, a path starting with {@code -} or {@code @}, an
 * invalid path) goes to picocli as before, so its messages and rules are unchanged.
 * {@code InspectFastPathTest} checks that both read every plain form alike.
 */
final class InspectFastPath {
    private InspectFastPath() {}

    /** The command for {@code args} (starting with {@code inspect}) when they are a plain form. */
    static Optional<InspectCommand> parse(String[] args) {
        if (args.length < 2 || !args[0].equals("inspect")) return Optional.empty();
        String path = null;
        boolean json = false;
        boolean summary = false;
        boolean verbose = false;
        boolean quiet = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--json" -> { if (json) return Optional.empty(); json = true; }
                case "--summary" -> { if (summary) return Optional.empty(); summary = true; }
                case "-v", "--verbose" -> { if (verbose) return Optional.empty(); verbose = true; }
                case "-q", "--quiet" -> { if (quiet) return Optional.empty(); quiet = true; }
                default -> {
                    if (path != null || a.isEmpty() || a.startsWith("-") || a.startsWith("@")) return Optional.empty();
                    path = a;
                }
            }
        }
        if (path == null) return Optional.empty();
        try {
            return Optional.of(new InspectCommand(Path.of(path), json, summary, verbose, quiet));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** Runs it as picocli's execute would: the output on {@code out}, an error as one line on {@code err}; the exit code. */
    static int run(InspectCommand command, PrintWriter out, PrintWriter err) {
        try {
            return command.print(out);
        } catch (Exception e) {
            return ErrorReport.print(e, err, command.verbosity.verbose());
        }
    }
}
