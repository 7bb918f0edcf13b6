package dev.wisca.sdk.bench;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.sdk.Wisca;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code wisca bench}: generates (or takes) a checkpoint and measures, per repeat, a copy of its
 * weight files as {@code cp --reflink=auto} + {@code sync} makes it (the physical reference),
 * opening it (headers, architecture), the statistics pass, the rescale write and the undo write,
 * with each phase's time, its ratio to the copy (medians: the phases alternate within each repeat,
 * so a loaded machine slows them alike) and peak memory.
 */
public final class Bench {
    private static final String CHECKPOINT = "checkpoint";

    private Bench() {}

    private static final String IN_PLACE = "inplace";
    private static final String WARM_STATS = "stats-warm";
    /** The statistics pass within each stats-warm plan: from its first read to its last block (no binding, solve or digests). */
    private static final String WARM_PASS = "stats-warm pass";
    /**
     * Untimed plans before the stats-warm row's: compiling the kernels alone leaves the pass around them (block
     * reads, merges, the solve) to C2, which on the two-core VM took the next 5-10 plans (0.1 s each) to finish.
     */
    private static final int WARM_UP_PLANS = 8;
    private static final String IN_ONE = "rescale";

    public static BenchResult run(BenchSettings settings) {
        return run(settings, checkpoint -> List.of());
    }

    /**
     * As {@link #run(BenchSettings)}, then {@code processes} on the measured checkpoint while it still
     * exists (whole-process rescales, which need the launcher; see {@link RescaleProcessBench}).
     */
    public static BenchResult run(BenchSettings settings, Function<Path, List<RescaleProcessBench.Row>> processes) {
        Progress progress = settings.rescale().progress();
        Path dir = settings.dir().toAbsolutePath().normalize();
        Path checkpoint = settings.checkpoint().orElse(dir.resolve(CHECKPOINT));
        LlamaShape shape = settings.checkpoint().isPresent() ? null : LlamaShape.forSize(settings.sizeBytes(), settings.dtype());
        if (shape != null) BenchCheckpoint.write(shape, checkpoint, settings.maxShardBytes(), settings.seed(), progress);
        Map<String, List<Long>> nanos = new LinkedHashMap<>();
        Map<String, MemoryWatch.Peaks> memory = new LinkedHashMap<>();
        AtomicLong statsBytes = new AtomicLong();
        Counting counting = new Counting(progress, statsBytes, new AtomicLong(), new AtomicLong());
        RescaleSettings measured = settings.rescale().withProgress(counting);
        List<Path> outputs = List.of(dir.resolve("copy"), dir.resolve("rescaled"), dir.resolve("undone"), dir.resolve(IN_PLACE),
            dir.resolve("rescaled-in-one"));
        AtomicLong inPlaceBytes = new AtomicLong();
        Summary summary = Summary.of(checkpoint);
        List<RescaleProcessBench.Row> processRows;
        try (MemoryWatch watch = new MemoryWatch()) {
            for (int r = 0; r < settings.repeats(); r++) {
                for (Path p : outputs) delete(p);
                statsBytes.set(0);
                time("copy", nanos, memory, watch, () -> RawCopy.copy(summary.files(), outputs.get(0), progress));
                Model model = time("open", nanos, memory, watch, () -> Wisca.open(checkpoint));
                try (model) {
                    RescalePlan plan = time("stats", nanos, memory, watch, () -> model.plan(measured));
                    time("apply", nanos, memory, watch, () -> {
                        model.apply(plan, outputs.get(1));
                        return null;
                    });
                    try (Model rescaled = Wisca.open(outputs.get(1))) {
                        time("undo", nanos, memory, watch, () -> {
                            rescaled.undo(plan, outputs.get(2));
                            return null;
                        });
                    }
                    inPlaceBytes.set(inPlace(checkpoint, plan, dir.resolve(IN_PLACE), nanos, memory, watch));
                }
                try (Model fresh = Wisca.open(checkpoint)) {  // a model not planned before, as wisca rescale opens it
                    time(IN_ONE, nanos, memory, watch, () -> fresh.rescale(measured, outputs.get(4), Overwrite.NEVER));
                }
            }
            warmStats(checkpoint, settings.repeats(), measured, counting, nanos, memory, watch);
            if (!settings.keep()) for (Path p : outputs) delete(p);  // room on the disk for the processes' outputs
            processRows = processes.apply(checkpoint);
        } finally {
            if (!settings.keep()) {
                for (Path p : outputs) delete(p);
                if (shape != null) delete(checkpoint);
            }
        }
        Map<String, Long> bytes = Map.of("copy", summary.fileBytes(), "open", 0L, "stats", statsBytes.get(), WARM_STATS, statsBytes.get(),
            "apply", summary.tensorBytes(), "undo", summary.tensorBytes(), IN_PLACE, inPlaceBytes.get(), IN_ONE, summary.tensorBytes());
        long copy = median(nanos.get("copy"));
        List<BenchResult.Phase> phases = new ArrayList<>();
        RescaleSettings rs = settings.rescale();
        for (String name : nanos.keySet()) {
            if (name.equals(WARM_PASS)) continue;   // a part of the stats-warm row, told in its description
            BenchResult.Phase p = phase(name, bytes.get(name), nanos.get(name), memory.get(name), copy);
            if (name.equals("stats") || name.equals(WARM_STATS)) p = perCore(p, rs.parallelism());
            if (name.equals(WARM_STATS)) p = withPassAlone(p, min(nanos.get(WARM_PASS)), rs.parallelism());
            phases.add(p);
        }
        return new BenchResult(checkpoint, shape != null, shape == null ? "" : shape.toString(),
            shape != null ? shape.dtype().headerName() : summary.dominantDtype(), summary.tensorBytes(), summary.fileBytes(),
            summary.files().size(), summary.tensors(), settings.repeats(), rs.parallelism(),
            rs.sites().pairs().stream().sorted().map(Pair::cliName).collect(Collectors.joining(",")),
            rs.sites().granularity().cliName(),
            phases, (double) (median(nanos.get("stats")) + median(nanos.get("apply"))) / copy,
            (double) median(nanos.get("apply")) / copy, Runtime.getRuntime().maxMemory(), List.of(), processRows);
    }

    /**
     * The stats-warm row: the vector kernels compiled first ({@link CpuBackend#warmUpVectorStats}), then
     * the same plan {@code repeats} times. The stats row before it is what a one-shot command gets (scalar
     * loops while a JVM is young); this one is a long-running JVM's (serve, watch, the hooks).
     */
    private static void warmStats(Path checkpoint, int repeats, RescaleSettings measured, Counting counting,
                                  Map<String, List<Long>> nanos, Map<String, MemoryWatch.Peaks> memory, MemoryWatch watch) {
        CpuBackend.warmUpVectorStats();
        try (Model model = Wisca.open(checkpoint)) {
            for (int r = 0; r < WARM_UP_PLANS; r++) model.plan(measured);
            for (int r = 0; r < repeats; r++) {
                counting.statsBytes().set(0);
                counting.passNanos().set(0);
                time(WARM_STATS, nanos, memory, watch, () -> model.plan(measured));
                nanos.computeIfAbsent(WARM_PASS, p -> new ArrayList<>()).add(counting.passNanos().get());
            }
        }
    }

    private static <T> T time(String phase, Map<String, List<Long>> nanos, Map<String, MemoryWatch.Peaks> memory,
                              MemoryWatch watch, Supplier<T> body) {
        watch.reset();
        long start = System.nanoTime();
        T result = body.get();
        nanos.computeIfAbsent(phase, p -> new ArrayList<>()).add(System.nanoTime() - start);
        memory.merge(phase, watch.peaks(), MemoryWatch.Peaks::max);
        return result;
    }

    private static BenchResult.Phase phase(String name, long bytes, List<Long> runs, MemoryWatch.Peaks peaks, long copyMedian) {
        long min = min(runs);
        long median = median(runs);
        double gbps = bytes == 0 ? 0 : bytes / (double) min;
        return new BenchResult.Phase(name, DESCRIPTIONS.get(name), bytes, runs.getFirst(), min, median, gbps,
            (double) median / copyMedian, peaks.rssPeak(), peaks.rssAnonPeak(), peaks.rssFilePeak(), peaks.heapUsedPeak());
    }

    /** The stats-warm row's description with its statistics pass alone, fastest run, per thread. */
    private static BenchResult.Phase withPassAlone(BenchResult.Phase p, long passNanos, int threads) {
        String pass = String.format(java.util.Locale.ROOT,
            "; its statistics pass alone (reads and kernels, without binding, solve and digests) %.1f ms, %.2f GB/s per core",
            passNanos / 1e6, p.bytes() / (double) passNanos / threads);
        return new BenchResult.Phase(p.name(), p.description() + pass, p.bytes(), p.firstNanos(), p.minNanos(),
            p.medianNanos(), p.gbPerSecond(), p.overCopy(), p.rssPeak(), p.rssAnonPeak(), p.rssFilePeak(), p.heapUsedPeak());
    }

    /** The stats row's description with its throughput per thread (issue 13's goal is per core). */
    private static BenchResult.Phase perCore(BenchResult.Phase p, int threads) {
        String perCore = String.format(java.util.Locale.ROOT, "; fastest run %.2f GB/s per core (%.2f GB/s over %d thread%s)",
            p.gbPerSecond() / threads, p.gbPerSecond(), threads, threads == 1 ? "" : "s");
        return new BenchResult.Phase(p.name(), p.description() + perCore, p.bytes(), p.firstNanos(), p.minNanos(),
            p.medianNanos(), p.gbPerSecond(), p.overCopy(), p.rssPeak(), p.rssAnonPeak(), p.rssFilePeak(), p.heapUsedPeak());
    }

    private static long median(List<Long> runs) {
        List<Long> sorted = runs.stream().sorted().toList();
        return sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
            : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    }

    private static final Map<String, String> DESCRIPTIONS = Map.of(
        "copy", "cp --reflink=auto + sync of the weight files: in-kernel copy, fsync (reference)",
        "open", "headers, index, config, architecture",
        "stats", "statistics pass and solve (plan), as a one-shot command runs it (scalar loops while the JVM is young)",
        WARM_STATS, "the same with the vector kernels compiled and " + WARM_UP_PLANS + " plans made before, as in a long-running JVM (serve, watch, hooks; goal >= 4 GB/s per core)",
        "apply", "rescaled checkpoint written (+ fsync)",
        "undo", "plan undone into a new checkpoint",
        IN_PLACE, "the same plan applied in place to a synced copy (page-sum journal + changed tensors + fsyncs; goal <= 0.35x copy)",
        IN_ONE, "stats + apply in one, as wisca rescale runs them: the untouched blocks written while the statistics are read");

    /**
     * The in-place row: copies the checkpoint folder (untimed, then fsynced so the copy's dirty pages do
     * not count), then times {@code applyInPlace} of the plan, journal and fsyncs included. Returns the
     * bytes it rewrote (the planned tensors).
     */
    private static long inPlace(Path checkpoint, RescalePlan plan, Path target, Map<String, List<Long>> nanos,
                                Map<String, MemoryWatch.Peaks> memory, MemoryWatch watch) {
        delete(target);
        Path folder = Files.isDirectory(checkpoint) ? checkpoint : checkpoint.getParent();
        try {
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(folder)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Path to = target.resolve(f.getFileName());
                    Files.copy(f, to);
                    try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot copy for the in-place run: " + e, e);
        }
        Path opened = Files.isDirectory(checkpoint) ? target : target.resolve(checkpoint.getFileName());
        try (Model model = Wisca.open(opened)) {
            time(IN_PLACE, nanos, memory, watch, () -> {
                model.applyInPlace(plan);
                return null;
            });
            long bytes = 0;
            for (var t : Wisca.inspect(opened).tensors()) if (plan.tensors().contains(t.name())) bytes += t.bytes();
            return bytes;
        }
    }

    private static long min(List<Long> runs) { return runs.stream().mapToLong(Long::longValue).min().orElseThrow(); }

    /** Bytes of a checkpoint's weight files. */
    static long weightBytes(Path checkpoint) { return Summary.of(checkpoint).fileBytes(); }

    /** The weight files and totals of a checkpoint. */
    private record Summary(List<Path> files, long fileBytes, long tensorBytes, int tensors, String dominantDtype) {
        static Summary of(Path checkpoint) {
            try (Checkpoint ckpt = Checkpoint.open(checkpoint)) {
                long fileBytes = 0;
                for (Path f : ckpt.shards()) fileBytes += Files.size(f);
                Map<String, Long> byDtype = new TreeMap<>();
                for (TensorInfo t : ckpt.tensors()) byDtype.merge(t.dtype().headerName(), t.byteLength(), Long::sum);
                String dominant = byDtype.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
                return new Summary(ckpt.shards(), fileBytes, byDtype.values().stream().mapToLong(Long::longValue).sum(),
                    ckpt.tensors().size(), dominant);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, checkpoint, null, "cannot read its size: " + e, e);
            }
        }
    }

    /**
     * Forwards to the caller's progress and sums the bytes and the time of statistics phases (a phase's
     * start and finish come from one thread, one phase at a time; {@code startedAt} is 0 outside one).
     */
    private record Counting(Progress inner, AtomicLong statsBytes, AtomicLong passNanos, AtomicLong startedAt) implements Progress {
        @Override
        public void start(String phase, long totalBytes, int totalTensors) {
            if (phase.startsWith("stats")) {
                statsBytes.addAndGet(totalBytes);
                startedAt.set(System.nanoTime());
            }
            inner.start(phase, totalBytes, totalTensors);
        }

        @Override
        public void advance(long bytes, int tensors) { inner.advance(bytes, tensors); }

        @Override
        public void finish() {
            long started = startedAt.getAndSet(0);
            if (started != 0) passNanos.addAndGet(System.nanoTime() - started);
            inner.finish();
        }
    }

    static void delete(Path path) {
        if (!Files.exists(path)) return;
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "cannot delete bench output: " + e, e);
        }
    }
}
