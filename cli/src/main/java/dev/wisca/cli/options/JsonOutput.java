package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output on stdout instead of text. */
public final class JsonOutput {
    @Option(names = "--json", description = "Print machine-readable JSON on stdout.")
    boolean json;

    public boolean enabled() { return json; }
}
