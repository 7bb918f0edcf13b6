package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --optimizer-state}: one meaning in every command that takes it. */
public final class OptimizerStateOption {
    @Option(names = "--optimizer-state", description = "Also transform the optimizer state in the checkpoint folder (the Trainer's "
        + "optimizer.pt, optimizer*.safetensors): Adam moments follow the weights, m/s and v/s^2.")
    boolean enabled;

    public boolean enabled() { return enabled; }
}
