package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output on stdout instead of text. */
public final class JsonOutput {
    @Option(names = "--json", description = "Print machine-readable JSON on stdout.")
    boolean json;

    /** As picocli sets it from the flag (for a command run without picocli: InspectFastPath). */
    public static JsonOutput of(boolean enabled) {
        JsonOutput j = new JsonOutput();
        j.json = enabled;
        return j;
    }

    public boolean enabled() { return json; }
}
