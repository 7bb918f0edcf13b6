package dev.wisca.cli.options;

import dev.wisca.sdk.RescaleSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.Locale;

/**
 * Where to compute, declared once for every command that computes: {@code --device} (one vocabulary,
 * the engine's backends, checked when the command line is parsed) and {@code --threads}.
 */
public final class ComputeOptions {
    @Spec(Spec.Target.MIXEE) CommandSpec mixee;

    private String device = "cpu";
    private Integer threads;

    @Option(names = "--device", paramLabel = "DEV", defaultValue = "cpu",
        description = "Where to compute: cpu (pure Java, the default), djl (DJL PyTorch on a GPU when one is visible, else the CPU), "
            + "djl-cpu, gpu (fails when no GPU is visible) or scalar (plain loops, the reference).")
    void device(String d) {
        if (!RescaleSettings.devices().contains(d.strip().toLowerCase(Locale.ROOT))) {
            throw new ParameterException(mixee.commandLine(), "--device: unknown device '" + d + "': choose one of "
                + String.join(", ", RescaleSettings.devices()));
        }
        device = d.strip().toLowerCase(Locale.ROOT);
    }

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    void threads(int n) {
        if (n < 1 || n > RescaleSettings.MAX_PARALLELISM) {
            throw new ParameterException(mixee.commandLine(), "--threads must be between 1 and " + RescaleSettings.MAX_PARALLELISM + ", got " + n);
        }
        threads = n;
    }

    /** The device name, one of {@link RescaleSettings#devices()}. */
    public String device() { return device; }

    /** Whether {@code --threads} was given (a command that cannot honour it refuses it rather than ignore it). */
    public boolean threadsGiven() { return threads != null; }

    /** Worker threads: the flag, else all cores (at most {@link RescaleSettings#MAX_PARALLELISM}). */
    public int threads() { return threads == null ? Math.min(RescaleSettings.MAX_PARALLELISM, Runtime.getRuntime().availableProcessors()) : threads; }

    /**
     * The device of a forward pass (verify), which runs on DJL PyTorch or in plain Java: {@code gpu} and
     * {@code djl} ask for the GPU, the CPU devices for the CPU.
     */
    public String forwardDevice() {
        return switch (device) {
            case "gpu" -> "gpu";
            case "djl" -> "gpu";
            default -> "cpu";
        };
    }
}
