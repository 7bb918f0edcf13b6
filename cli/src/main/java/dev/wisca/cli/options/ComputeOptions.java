package dev.wisca.cli.options;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.RescaleSettings;
import picocli.CommandLine.Option;

/**
 * Where to compute, declared once for every command that computes: {@code --device} (one vocabulary,
 * the engine's backends) and {@code --threads}; both are checked here, in one place, when the command
 * reads them.
 */
public final class ComputeOptions {
    @Option(names = "--device", paramLabel = "DEV", defaultValue = "cpu",
        description = "Where to compute: cpu (pure Java, the default), djl (DJL PyTorch on a GPU when one is visible, else the CPU), "
            + "djl-cpu, gpu (fails when no GPU is visible) or scalar (plain loops, the reference).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    /** The device name, checked by {@link RescaleSettings#knownDevice} (the one check of it). */
    public String device() {
        try {
            return RescaleSettings.knownDevice(device);
        } catch (WiscaException e) {
            throw WiscaException.invalidArgument("--device: " + e.detail());
        }
    }

    /** Whether {@code --threads} was given (a command that cannot honour it refuses it rather than ignore it). */
    public boolean threadsGiven() { return threads != null; }

    /**
     * Worker threads: the flag, else all cores. Range-checked once, by {@link RescaleSettings} (its
     * 'parallelism' is named --threads in CLI messages).
     */
    public int threads() {
        return threads == null ? RescaleSettings.defaultParallelism() : threads;
    }
}
