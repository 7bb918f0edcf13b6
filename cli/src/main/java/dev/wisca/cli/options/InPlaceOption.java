package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --in-place}: one meaning in rescale and undo (IN itself is rewritten, crash-safely, and there is no OUT). */
public final class InPlaceOption {
    @Option(names = "--in-place", description = "Rewrite IN itself instead of writing OUT: only the planned tensors' bytes and the"
        + " headers' stamp, crash-safely (a journal of before-images; a run killed at any point is rolled back by the next wisca"
        + " command that opens IN).")
    boolean enabled;

    public boolean enabled() { return enabled; }
}
