package dev.wisca.rescale;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.SolverOptions;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;

/**
 * The one settings record of a rescale, built once (from the CLI's flags or by an API caller) and passed
 * down unchanged to every layer: what to scale ({@link #sites}), how to solve ({@link #solver}), where to
 * compute ({@link #device}, {@link #parallelism}) and who hears about the passes ({@link #progress}). Each
 * value is range-checked here and nowhere else; a layer that needs less reads the components it needs.
 * {@link #paper()} reproduces the WISCA paper: Q/K and V/O, one scalar per tensor, L1 norms, on the
 * pure-Java CPU backend.
 *
 * @param sites       which pairs, at which granularity
 * @param solver      how scales are chosen (norm, damping, clamp, pow2, norm folding)
 * @param device      a {@link Backends} device name: {@code cpu} (default), {@code djl} (DJL PyTorch on a GPU
 *                    when one is visible, else the CPU), {@code djl-cpu}, {@code gpu}, {@code scalar}
 * @param parallelism worker threads of the statistics and write passes, 1 to {@link #MAX_PARALLELISM}
 * @param progress    hears about the statistics pass ({@code stats}) and the write pass ({@code write})
 */
public record RescaleSettings(SiteOptions sites, SolverOptions solver, String device, int parallelism, Progress progress) {
    /** Most worker threads (ForkJoinPool takes up to 32767; far beyond any useful count). */
    public static final int MAX_PARALLELISM = 4096;

    public RescaleSettings {
        Objects.requireNonNull(sites, "sites");
        Objects.requireNonNull(solver, "solver");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(progress, "progress (use Progress.NONE)");
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw WiscaException.invalidArgument("setting 'parallelism' must be between 1 and " + MAX_PARALLELISM + ", got " + parallelism);
        }
        device = knownDevice(device);
    }

    /**
     * {@code device} normalized (trimmed, lower case) when it names a backend; else INVALID_ARGUMENT listing
     * them. The one check of a device name (also for the forward pass, which has no settings).
     */
    public static String knownDevice(String device) {
        if (!Backends.isKnown(device)) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "unknown device '" + device + "': choose one of " + String.join(", ", Backends.names()));
        }
        return device.strip().toLowerCase(Locale.ROOT);
    }

    /** Q/K + V/O, tensor-wise, L1; power-of-two scales for bf16/f16/fp8 weights, real scales for f32; all cores. */
    public static RescaleSettings paper() {
        return new RescaleSettings(SiteOptions.paper(), SolverOptions.defaults(), Backends.CPU, defaultParallelism(), Progress.NONE);
    }

    /** All cores, at most {@link #MAX_PARALLELISM}. */
    public static int defaultParallelism() {
        return Math.min(MAX_PARALLELISM, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The backend of {@link #device}, resolved on each call (cheap: the built-in ones are shared instances, a
     * native engine starts once per process); a pass resolves it once and keeps it.
     */
    public Backend backend() { return Backends.of(device); }

    public RescaleSettings withSites(SiteOptions s) { return new RescaleSettings(s, solver, device, parallelism, progress); }

    public RescaleSettings withPairs(Pair first, Pair... rest) { return withSites(new SiteOptions(EnumSet.of(first, rest), sites.granularity())); }

    public RescaleSettings withGranularity(Granularity g) { return withSites(new SiteOptions(sites.pairs(), g)); }

    public RescaleSettings withSolver(SolverOptions s) { return new RescaleSettings(sites, s, device, parallelism, progress); }

    /** Where statistics and scaling run; the backend starts when a plan or apply needs it. */
    public RescaleSettings withDevice(String d) { return new RescaleSettings(sites, solver, d, parallelism, progress); }

    public RescaleSettings withParallelism(int p) { return new RescaleSettings(sites, solver, device, p, progress); }

    /** Reports long passes to {@code p} (e.g. a progress bar); {@link Progress#NONE} by default. */
    public RescaleSettings withProgress(Progress p) { return new RescaleSettings(sites, solver, device, parallelism, p); }
}
