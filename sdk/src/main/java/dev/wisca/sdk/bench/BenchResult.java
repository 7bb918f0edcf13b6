package dev.wisca.sdk.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What one {@code wisca bench} run measured. Throughputs are the phase's bytes over its fastest run
 * in decimal GB/s; memory peaks are bytes (-1 where the platform does not tell).
 *
 * @param checkpoint      what was measured
 * @param generated       whether bench wrote it (then it was just written: warm page cache)
 * @param shape           the generated model's dimensions, or empty
 * @param dtype           dtype of the generated model, or the checkpoint's dominant dtype
 * @param checkpointBytes tensor bytes of the checkpoint
 * @param fileBytes       bytes of its weight files (what the copy moves)
 * @param files           weight files
 * @param tensors         tensors
 * @param repeats         measured repeats per phase
 * @param threads         worker threads
 * @param pairs           pairs balanced, e.g. {@code qk,vo}
 * @param granularity     scale granularity
 * @param phases          copy, open, stats, apply, undo (in that order)
 * @param rescaleOverCopy (stats + apply) / copy, medians
 * @param applyOverCopy   apply / copy, medians
 * @param heapMaxBytes    the Java heap limit
 * @param startup         whole-process timings of the short commands (empty unless measured)
 * @param processes       whole-process rescale + sync next to cp + sync, with peak memory (empty unless measured)
 */
public record BenchResult(Path checkpoint, boolean generated, String shape, String dtype, long checkpointBytes,
                          long fileBytes, int files, int tensors, int repeats, int threads, String pairs,
                          String granularity, List<Phase> phases, double rescaleOverCopy, double applyOverCopy,
                          long heapMaxBytes, List<StartupBench.Row> startup,
                          List<RescaleProcessBench.Row> processes) {
    public BenchResult {
        phases = List.copyOf(phases);
        startup = List.copyOf(startup);
        processes = List.copyOf(processes);
    }

    /** This result with the given process timings. */
    public BenchResult withStartup(List<StartupBench.Row> rows) {
        return new BenchResult(checkpoint, generated, shape, dtype, checkpointBytes, fileBytes, files, tensors, repeats,
            threads, pairs, granularity, phases, rescaleOverCopy, applyOverCopy, heapMaxBytes, rows, processes);
    }

    /** This result with the given whole-process rescale rows. */
    public BenchResult withProcesses(List<RescaleProcessBench.Row> rows) {
        return new BenchResult(checkpoint, generated, shape, dtype, checkpointBytes, fileBytes, files, tensors, repeats,
            threads, pairs, granularity, phases, rescaleOverCopy, applyOverCopy, heapMaxBytes, startup, rows);
    }

    /**
     * One measured phase.
     *
     * @param name         copy, open, stats, apply or undo
     * @param description  what it does, for people
     * @param bytes        bytes it goes through (read for stats, written for copy/apply/undo, 0 for open)
     * @param firstNanos   first run (a fresh JVM: includes JIT warm-up, what a one-shot command pays)
     * @param minNanos     fastest run
     * @param medianNanos  median run
     * @param gbPerSecond  bytes / fastest run, in 10⁹ bytes per second (0 for open)
     * @param overCopy     median run over the copy's median run (the reference: 1 for copy)
     * @param rssPeak      peak resident set (VmHWM) during the phase, mapped file pages included
     * @param rssAnonPeak  peak anonymous resident memory (heap, native buffers), sampled
     * @param rssFilePeak  peak file-backed resident memory (mapped checkpoint pages), sampled
     * @param heapUsedPeak peak Java heap use
     */
    public record Phase(String name, String description, long bytes, long firstNanos, long minNanos, long medianNanos, double gbPerSecond,
                        double overCopy, long rssPeak, long rssAnonPeak, long rssFilePeak, long heapUsedPeak) {}

    public Phase phase(String name) {
        return phases.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }
}
