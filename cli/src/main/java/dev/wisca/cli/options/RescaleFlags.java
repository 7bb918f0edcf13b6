package dev.wisca.cli.options;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.Norm;
import dev.wisca.rescale.RescaleSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/** How to rescale: the options shared by {@code plan}, {@code rescale} and {@code watch}. */
public final class RescaleFlags {
    @Option(names = "--pairs", split = ",", paramLabel = "PAIR", defaultValue = "qk,vo",
        description = "Pairs to balance: qk, vo, updown, norm, lora, qknorm (default: ${DEFAULT-VALUE}, the paper's).")
    List<String> pairs;

    @Option(names = "--granularity", paramLabel = "G", defaultValue = "tensor",
        description = "tensor (one scale per matrix, the paper's), kv-group (one per KV head) or channel (default: ${DEFAULT-VALUE}).")
    String granularity;

    @Option(names = "--norm", paramLabel = "N", defaultValue = "l1", description = "Norm balanced: l1 (paper), l2 or max (default: ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "1.0",
        description = "Damping: scale s^A, 1 balances fully, 0 changes nothing (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--clamp", split = ",", paramLabel = "MIN,MAX", description = "Allowed scale range (default: 2^-16,2^16).")
    List<Double> clamp;

    @Option(names = "--target-ratio", paramLabel = "R", defaultValue = "1.0", description = "Wanted producer/consumer norm ratio after scaling (default: ${DEFAULT-VALUE}).")
    double targetRatio;

    @Option(names = "--no-fold-norms", description = "Balance norm sites like the others instead of folding the gains to 1.")
    boolean noFold;

    @ArgGroup(exclusive = true)
    Pow2 pow2;

    static final class Pow2 {
        @Option(names = "--pow2", description = "Round scales to powers of two: bit-exact and losslessly invertible.")
        boolean on;

        @Option(names = "--no-pow2", description = "Real-valued scales even for bf16/f16/fp8 weights (every weight is re-rounded).")
        boolean off;
    }

    @Mixin ComputeOptions compute;

    public RescaleSettings settings() {
        EnumSet<Pair> set = EnumSet.noneOf(Pair.class);
        for (String p : pairs) set.add(Pair.parse(p));
        Granularity g = Granularity.parse(granularity);
        Norm n = switch (norm.toLowerCase(Locale.ROOT)) {
            case "l1" -> Norm.L1;
            case "l2" -> Norm.L2;
            case "max" -> Norm.MAX;
            default -> throw WiscaException.invalidArgument("unknown norm '" + norm + "' (expected l1, l2 or max)");
        };
        Pow2Mode mode = pow2 == null ? Pow2Mode.AUTO : pow2.on ? Pow2Mode.ON : Pow2Mode.OFF;
        double min = SolverOptions.DEFAULT_MIN_SCALE;
        double max = SolverOptions.DEFAULT_MAX_SCALE;
        if (clamp != null) {
            if (clamp.size() != 2) throw WiscaException.invalidArgument("--clamp takes MIN,MAX, e.g. --clamp 0.25,4");
            min = clamp.get(0);
            max = clamp.get(1);
        }
        SolverOptions solver = new SolverOptions(n, alpha, min, max, targetRatio, mode, !noFold);
        return new RescaleSettings(new SiteOptions(set, g), solver, compute.device(), compute.threads(), Progress.NONE);
    }
}
