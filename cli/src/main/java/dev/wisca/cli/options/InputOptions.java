package dev.wisca.cli.options;

import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * {@code IN}, the checkpoint a command reads, declared once for every command that reads one (inspect, stats, plan,
 * rescale, undo, reshard): a .safetensors file or a folder, sharded or not, or a PEFT adapter. Always the first
 * positional; how it is bound to a spec is {@link SpecOptions}'.
 */
public final class InputOptions {
    @Parameters(index = "0", paramLabel = "IN",
        description = "The checkpoint: a .safetensors file or a folder (sharded or not, or a PEFT adapter); never modified unless --in-place.")
    Path in;

    public Path path() { return in; }

    /** IN as picocli would set it from {@code in}, for a run without picocli (inspect's plain forms). */
    public static InputOptions of(Path in) {
        InputOptions o = new InputOptions();
        o.in = in;
        return o;
    }
}
