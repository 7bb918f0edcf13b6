package dev.wisca.cli;

import dev.wisca.sdk.bench.BenchResult;
import dev.wisca.sdk.bench.RescaleProcessBench;
import dev.wisca.sdk.bench.StartupBench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** The human table of {@code wisca bench}. */
final class BenchTable {
    private static final String ROW = "%-10s %10s %10s %10s %8s %10s %11s %10s %9s %9s %9s%n";
    private static final String PROCESS_ROW = "%-30s %10s %10s %12s%n";
    private static final String RESCALE_ROW = "%-34s %10s %13s %10s %8s %10s %10s%n";

    /** Said when no Python with safetensors was found for the inspect row's reference. */
    static final String NO_PYTHON = "no Python with safetensors for the inspect reference (give --python or set WISCA_PYTHON; "
        + "bin/test makes one): the inspect row has no ratio";

    private BenchTable() {}

    static void print(PrintWriter o, BenchResult r, Path kept) {
        o.printf("wisca bench: %s %s checkpoint, %s in %d file%s, %d tensors%n", r.generated() ? "generated llama-shaped" : "given",
            r.dtype().toLowerCase(Locale.ROOT), Units.bytes(r.checkpointBytes()), r.files(), r.files() == 1 ? "" : "s", r.tensors());
        if (!r.shape().isEmpty()) o.println("  " + r.shape());
        o.printf("  page cache: %s; %d repeat%s; %d threads; pairs %s; granularity %s%n",
            r.generated() ? "warm (checkpoint just written)" : "as found (the first read may come from disk)",
            r.repeats(), r.repeats() == 1 ? "" : "s", r.threads(), r.pairs(), r.granularity());
        o.println();
        o.printf(ROW, "phase", "first", "min", "median", "/ copy", "bytes", "throughput", "peak RSS", "anon", "mapped", "heap");
        for (BenchResult.Phase p : r.phases()) {
            o.printf(ROW, p.name(), Units.duration(p.firstNanos()), Units.duration(p.minNanos()), Units.duration(p.medianNanos()),
                BenchCommand.ratio(p.overCopy()),
                p.bytes() == 0 ? "-" : Units.bytes(p.bytes()),
                p.bytes() == 0 ? "-" : Units.rate(p.bytes(), p.minNanos()),
                memory(p.rssPeak()), memory(p.rssAnonPeak()), memory(p.rssFilePeak()), memory(p.heapUsedPeak()));
        }
        o.println();
        o.printf("rescale (stats + apply) / copy: %s    apply / copy: %s%n", BenchCommand.ratio(r.rescaleOverCopy()),
            BenchCommand.ratio(r.applyOverCopy()));
        printInPlace(o, r);
        for (BenchResult.Phase p : r.phases()) o.printf("  %-10s %s%n", p.name(), p.description());
        o.println("'first' is the first repeat in a fresh JVM (JIT warm-up included); throughput is over the fastest run;");
        o.println("'/ copy' is the median over the copy's median (the phases alternate, so machine load slows them alike).");
        o.println("peak RSS (the kernel's VmHWM) includes the checkpoint pages mapped for reading: page cache, shared and");
        o.println("dropped by the kernel under pressure. 'anon' is what wisca allocates; heap limit " + Units.bytes(r.heapMaxBytes()) + ".");
        if (!r.startup().isEmpty()) {
            o.println();
            o.printf(PROCESS_ROW, "process (medians)", "wall", "cpu", "/ python");
            for (StartupBench.Row row : r.startup()) {
                o.printf(PROCESS_ROW, row.name(), Units.duration(row.wallNanos()),
                    row.cpuNanos() < 0 ? "n/a" : Units.duration(row.cpuNanos()),
                    Double.isNaN(row.overPython()) ? "-" : BenchCommand.ratio(row.overPython()));
            }
            o.println("cpu is user + system time of the process; on a loaded machine it is steadier than wall time.");
            if (r.startup().stream().noneMatch(row -> row.name().startsWith("python"))) o.println(NO_PYTHON + ".");
        }
        if (!r.processes().isEmpty()) {
            o.println();
            o.printf(RESCALE_ROW, "whole process (paper defaults)", "cp + sync", "rescale + sync", "cpu", "/ cp", "peak anon", "peak rss");
            for (RescaleProcessBench.Row row : r.processes()) {
                o.printf(RESCALE_ROW, row.name(), Units.duration(row.copyWallNanos()), Units.duration(row.wallNanos()),
                    row.cpuNanos() < 0 ? "n/a" : Units.duration(row.cpuNanos()), BenchCommand.ratio(row.overCopy()),
                    memory(row.anonPeakBytes()), memory(row.rssPeakBytes()));
            }
            o.println("cp is cp -r --reflink=auto; wisca rescale runs through the launcher, JVM start and JIT warm-up included;");
            o.println("peak anon is the rescale process's anonymous memory (heap, buffers), sampled every 10 ms, page cache excluded;");
            o.println("peak rss its whole resident set (VmHWM), with the JDK's and the input's mapped pages.");
        }
        if (kept != null) o.println("kept: " + kept);
    }

    private static String memory(long bytes) { return bytes < 0 ? "n/a" : Units.bytes(bytes); }

    /** The in-place row's ratio against the goal (issue 13: in-place rescale + sync <= 0.35 x cp + sync). */
    private static void printInPlace(PrintWriter o, BenchResult r) {
        r.phases().stream().filter(p -> p.name().equals("inplace")).findFirst().ifPresent(p ->
            o.printf("in-place apply / copy: %s (goal <= 0.35x; rewrites %s of %s)%n", BenchCommand.ratio(p.overCopy()),
                Units.bytes(p.bytes()), Units.bytes(r.checkpointBytes())));
    }
}
