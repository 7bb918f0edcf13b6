package dev.wisca.sdk;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.SolverOptions;

import java.util.EnumSet;
import java.util.Objects;

/**
 * What to rescale and how: which pairs at which granularity (the sites), how scales are solved, and
 * where the arithmetic runs. {@link #paper()} reproduces the WISCA paper: Q/K and V/O, one scalar per
 * tensor, L1 norms, on the pure-Java CPU backend.
 *
 * @param device   a {@link Backends} device name: {@code cpu} (default), {@code djl} (DJL PyTorch on a GPU
 *                 when one is visible, else the CPU), {@code djl-cpu}, {@code gpu}, {@code scalar}
 * @param progress hears about the statistics pass ({@code stats}) and the write pass ({@code write})
 */
public record RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism, String device, Progress progress) {
    /** Most worker threads (ForkJoinPool takes up to 32767; far beyond any useful count). */
    public static final int MAX_PARALLELISM = 4096;

    public RescaleSettings {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "parallelism must be between 1 and " + MAX_PARALLELISM + ", got " + parallelism);
        }
        if (!Backends.isKnown(device)) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "unknown device '" + device + "': choose one of " + String.join(", ", Backends.names()));
        }
        Objects.requireNonNull(progress, "progress (use Progress.NONE)");
    }

    /** Settings without progress reporting. */
    public RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism, String device) {
        this(sites, solver, parallelism, device, Progress.NONE);
    }

    /** Settings on the default CPU backend. */
    public RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism) {
        this(sites, solver, parallelism, Backends.CPU);
    }

    /** Q/K + V/O, tensor-wise, L1; power-of-two scales for bf16/f16/fp8 weights, real scales for f32. */
    public static RescaleSettings paper() {
        return new RescaleSettings(SiteOptions.paper(), SolverOptions.defaults(), Math.min(MAX_PARALLELISM, Runtime.getRuntime().availableProcessors()));
    }

    public RescaleSettings withPairs(Pair first, Pair... rest) {
        return new RescaleSettings(new SiteOptions(EnumSet.of(first, rest), sites.granularity()), solver, parallelism, device, progress);
    }

    public RescaleSettings withGranularity(Granularity g) {
        return new RescaleSettings(new SiteOptions(sites.pairs(), g), solver, parallelism, device, progress);
    }

    public RescaleSettings withSolver(SolverOptions s) { return new RescaleSettings(sites, s, parallelism, device, progress); }

    public RescaleSettings withParallelism(int p) { return new RescaleSettings(sites, solver, p, device, progress); }

    /** Where statistics and scaling run; the backend starts when a plan or apply needs it. */
    public RescaleSettings withDevice(String d) { return new RescaleSettings(sites, solver, parallelism, d, progress); }

    /** Reports long passes to {@code p} (e.g. a progress bar); {@link Progress#NONE} by default. */
    public RescaleSettings withProgress(Progress p) { return new RescaleSettings(sites, solver, parallelism, device, p); }
}
