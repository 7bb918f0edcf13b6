package dev.wisca.sdk.bench;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.CheckpointWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whole-process timings of the short commands, where JVM start dominates: {@code wisca --version},
 * and a headers-only {@code wisca inspect} of a 100-shard / 5,000-tensor checkpoint next to a
 * Python process opening every shard with {@code safetensors.safe_open} (the same headers read by
 * the reference library). The commands alternate within each repeat; wall time and CPU time (user +
 * system of the child, from this process's reaped-children counters) are medians. On a loaded
 * machine the CPU time is the steadier figure.
 */
public final class StartupBench {
    public static final int SHARDS = 100;
    public static final int TENSORS = 5_000;

    /** Reads every shard's header the way a Python user would; prints what inspect prints. */
    static final String PYTHON_INSPECT = String.join("\n",
        "import sys, glob",
        "from safetensors import safe_open",
        "for f in sorted(glob.glob(sys.argv[1] + '/*.safetensors')):",
        "    with safe_open(f, framework='numpy') as s:",
        "        for k in s.keys():",
        "            t = s.get_slice(k)",
        "            print(k, t.get_dtype(), t.get_shape(), f)");

    private StartupBench() {}

    /**
     * Why {@code python} cannot be the inspect reference (it does not run, or cannot import safetensors), or
     * empty when it can. Asked before the long phases, so that a wrong interpreter fails in a second, not
     * after minutes of benching.
     */
    public static Optional<String> pythonProblem(String python) {
        try {
            ChildProcess.run(List.of(python, "-c", "import safetensors"));
            return Optional.empty();
        } catch (WiscaException e) {
            return Optional.of(e.detail());
        }
    }

    /**
     * One command's medians.
     *
     * @param name        e.g. {@code wisca --version}
     * @param wallNanos   median wall-clock time of the whole process
     * @param cpuNanos    median CPU time (user + system) of the process, -1 where the platform does not tell
     * @param overPython  wall time over the Python process's (inspect rows), else NaN
     */
    public record Row(String name, long wallNanos, long cpuNanos, double overPython) {}

    /**
     * Times {@code wisca} (the launcher command, e.g. {@code [bin/wisca]}) and, when given,
     * {@code python} (an interpreter with safetensors) in {@code dir}, {@code repeats} times each.
     */
    public static List<Row> run(List<String> wisca, Optional<String> python, Path dir, int repeats) {
        Path checkpoint = dir.resolve("inspect-100-shards");
        writeShards(checkpoint);
        try {
            Map<String, List<String>> commands = new LinkedHashMap<>();
            commands.put("wisca --version", concat(wisca, "--version"));
            commands.put("wisca inspect (100 shards)", concat(wisca, "inspect", checkpoint.toString()));
            python.ifPresent(p -> commands.put("python safe_open (100 shards)",
                List.of(p, "-c", PYTHON_INSPECT, checkpoint.toString())));
            Map<String, List<long[]>> runs = new LinkedHashMap<>();
            for (String name : commands.keySet()) time(commands.get(name));  // warm the page cache and the disk
            for (int r = 0; r < repeats; r++) {
                for (var e : commands.entrySet()) runs.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(time(e.getValue()));
            }
            long pythonWall = runs.containsKey("python safe_open (100 shards)")
                ? median(runs.get("python safe_open (100 shards)"), 0) : -1;
            List<Row> rows = new ArrayList<>();
            for (var e : runs.entrySet()) {
                long wall = median(e.getValue(), 0);
                long cpu = median(e.getValue(), 1);
                double over = e.getKey().contains("inspect") && pythonWall > 0 ? (double) wall / pythonWall : Double.NaN;
                rows.add(new Row(e.getKey(), wall, cpu, over));
            }
            return rows;
        } finally {
            Bench.delete(checkpoint);
        }
    }

    /** 5,000 small f32 tensors in 100 shards with an index, as a sharded Hugging Face folder. */
    public static void writeShards(Path folder) {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < TENSORS; i++) {
            specs.add(new TensorSpec("model.layers." + i / 10 + ".mlp.t" + i % 10 + ".weight", Dtype.F32, new long[] {4, 8}));
        }
        long perShard = specs.stream().mapToLong(TensorSpec::byteLength).sum() / SHARDS;
        CheckpointWriter.plan(folder, "model", specs, perShard, Map.of("format", "pt"))
            .write((spec, w) -> w.write(spec.name(), (chunk, offset) -> chunk.fill((byte) 0)));
    }

    /** {wall, cpu} nanoseconds of one run. */
    private static long[] time(List<String> command) {
        ChildProcess run = ChildProcess.run(command);
        return new long[] {run.wallNanos(), run.cpuNanos()};
    }

    private static long median(List<long[]> runs, int field) {
        List<Long> sorted = runs.stream().map(r -> r[field]).sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> out = new ArrayList<>(head);
        out.addAll(List.of(tail));
        return out;
    }
}
