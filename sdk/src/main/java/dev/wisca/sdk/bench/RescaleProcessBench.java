package dev.wisca.sdk.bench;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.Progress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a user sees: a whole {@code wisca rescale IN OUT} process (paper defaults) followed by
 * {@code sync}, next to {@code cp -r --reflink=auto IN X} followed by {@code sync}, alternating
 * {@code repeats} times on the same folder; medians, and the rescale process's peak anonymous memory
 * (the JVM's heap and native buffers; the checkpoint's page cache is not counted) and peak resident set
 * (with the pages of the input it has mapped). JVM start and JIT
 * warm-up are included, as in every one-shot command.
 */
public final class RescaleProcessBench {
    /**
     * One checkpoint's medians.
     *
     * @param name             e.g. {@code rescale + sync (2 GB)}
     * @param checkpointBytes  bytes of the weight files
     * @param copyWallNanos    cp + sync
     * @param wallNanos        wisca rescale + sync
     * @param cpuNanos         user + system time of the rescale process, -1 where the platform does not tell
     * @param overCopy         wallNanos / copyWallNanos
     * @param anonPeakBytes    the rescale process's peak RssAnon over all repeats, -1 where not measured
     * @param rssPeakBytes     the rescale process's peak resident set (VmHWM, mapped file pages included) over all
     *                         repeats, -1 where not measured
     */
    public record Row(String name, long checkpointBytes, long copyWallNanos, long wallNanos, long cpuNanos,
                      double overCopy, long anonPeakBytes, long rssPeakBytes) {}

    private RescaleProcessBench() {}

    /** Times the rescale of {@code checkpoint} with {@code wisca} (the launcher command), outputs under {@code dir}. */
    public static Row run(String name, Path checkpoint, List<String> wisca, Path dir, int repeats) {
        long checkpointBytes = Bench.weightBytes(checkpoint);
        Path copy = dir.resolve("process-copy");
        Path out = dir.resolve("process-rescaled");
        List<Long> copies = new ArrayList<>();
        List<Long> rescales = new ArrayList<>();
        List<Long> cpus = new ArrayList<>();
        long anon = -1;
        long rss = -1;
        try {
            for (int r = 0; r < Math.max(1, repeats); r++) {
                Bench.delete(copy);
                Bench.delete(out);
                copies.add(withSync(ChildProcess.run(List.of("cp", "-r", "--reflink=auto", checkpoint.toString(), copy.toString()))).wallNanos());
                ChildProcess rescale = withSync(ChildProcess.run(StartupBench.concat(wisca, "rescale", "-q", checkpoint.toString(), out.toString())));
                rescales.add(rescale.wallNanos());
                cpus.add(rescale.cpuNanos());
                anon = Math.max(anon, rescale.anonPeakBytes());
                rss = Math.max(rss, rescale.rssPeakBytes());
            }
        } finally {
            Bench.delete(copy);
            Bench.delete(out);
        }
        long copyMedian = median(copies);
        long wall = median(rescales);
        return new Row(name, checkpointBytes, copyMedian, wall, median(cpus), (double) wall / copyMedian, anon, rss);
    }

    /** Generates a llama-shaped checkpoint of about {@code bytes} in {@code dir}, times its rescale once, deletes it. */
    public static Row runGenerated(long bytes, Dtype dtype, long maxShardBytes, List<String> wisca, Path dir, long seed,
                                   Progress progress) {
        Path checkpoint = dir.resolve("process-checkpoint");
        try {
            BenchCheckpoint.write(LlamaShape.forSize(bytes, dtype), checkpoint, maxShardBytes, seed, progress);
            return run("rescale + sync (" + String.format(Locale.ROOT, "%.1f GB", Bench.weightBytes(checkpoint) / 1e9) + ")",
                checkpoint, wisca, dir, 1);
        } finally {
            Bench.delete(checkpoint);
        }
    }

    /** The process's measures with a {@code sync} after it (its wall time added; the flush is part of the job). */
    private static ChildProcess withSync(ChildProcess job) {
        ChildProcess sync = ChildProcess.run(List.of("sync"));
        return new ChildProcess(job.wallNanos() + sync.wallNanos(), job.cpuNanos(), job.anonPeakBytes(), job.rssPeakBytes());
    }

    private static long median(List<Long> runs) {
        List<Long> sorted = runs.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
