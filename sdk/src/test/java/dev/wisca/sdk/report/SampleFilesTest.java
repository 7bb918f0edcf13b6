package dev.wisca.sdk.report;

import dev.wisca.io.Dtype;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.Balance;
import dev.wisca.rescale.pattern.HeadNorms;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;
import dev.wisca.rescale.pattern.ValueStats;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import dev.wisca.rescale.verify.CheckpointVerifier;
import dev.wisca.rescale.verify.VerifyOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes sample outputs under {@code target/report-sample/} for manual checks outside CI (pandas,
 * polars, pyarrow reading the Arrow files; a headless browser screenshot of the HTML).
 */
class SampleFilesTest {
    static final Path OUT = Path.of("target", "report-sample");

    /** Outputs are never overwritten without being asked to, so each run starts from an empty folder. */
    @BeforeAll
    static void startEmpty() throws IOException {
        if (!Files.exists(OUT)) return;
        try (var paths = Files.walk(OUT)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void writesSampleStatsAndReport() throws Exception {
        Path before = SampleCheckpoints.write("llama", OUT.resolve("before"), 3);
        Path after = OUT.resolve("after");
        // Kept under target/ to look at, so a rerun replaces the last run's output.
        RescalePlan plan = Wisca.rescale(before, after, RescaleSettings.paper(), Overwrite.REPLACE);
        PatternReport b = Patterns.of(before);
        PatternReport a = Patterns.of(after);
        for (String name : new String[] {"stats.arrow", "stats.csv", "stats.json"}) {
            for (Path p : StatsWriter.write(b, OUT.resolve(name))) assertTrue(Files.size(p) > 0, p.toString());
        }
        StatsWriter.write(a, OUT.resolve("after.arrow"));
        HtmlReport.write(b, a, Optional.of(plan), Optional.of(CheckpointVerifier.verify(before, after, VerifyOptions.probes())), OUT.resolve("report.html"));
        assertTrue(Files.size(OUT.resolve("report.html")) > 0);
    }

    @Test
    void writesQkNormSample() {
        Path before = SampleCheckpoints.write("qwen3", OUT.resolve("qwen3-before"), 4);
        Path after = OUT.resolve("qwen3-after");
        RescalePlan plan = Wisca.rescale(before, after, RescaleSettings.paper(), Overwrite.REPLACE);
        HtmlReport.write(Patterns.of(before), Patterns.of(after), Optional.of(plan), Optional.empty(), OUT.resolve("qwen3.html"));
        assertTrue(Files.exists(OUT.resolve("qwen3.html")));
    }

    /** A made-up 32-layer GQA model (drifting ratios) to look at the page at a realistic size. */
    @Test
    void writesLargeLayoutSample() {
        PatternReport before = synthetic(32, 8, 4, 1.0, 11);
        PatternReport after = synthetic(32, 8, 4, 0.08, 12);
        HtmlReport.writeSummary(before, after, Optional.empty(),
            Optional.of(new VerifySummary(true, 3.1e-6, 2.2e-7, "layout sample", "layout sample: made-up numbers")), OUT.resolve("large.html"));
        assertTrue(Files.exists(OUT.resolve("large.html")));
    }

    static PatternReport synthetic(int layers, int kv, int group, double spread, long seed) {
        Random r = new Random(seed);
        List<AttentionStats> attention = new ArrayList<>();
        int heads = kv * group;
        for (int l = 0; l < layers; l++) {
            double[] q = new double[heads], k = new double[kv], v = new double[kv], o = new double[heads];
            double[] groupQ = new double[kv], groupO = new double[kv];
            for (int j = 0; j < kv; j++) {
                k[j] = 100;
                v[j] = 100;
                double qk = spread * (1.2 + 0.04 * l + 0.4 * r.nextGaussian());
                double vo = -spread * (1.5 - 0.03 * l + 0.5 * r.nextGaussian());
                for (int h = j * group; h < (j + 1) * group; h++) {
                    // each query head near its group's share, with a per-head spread
                    q[h] = 100.0 / group * Math.pow(2, qk + 0.3 * spread * r.nextGaussian());
                    o[h] = 100.0 / group * Math.pow(2, -vo + 0.3 * spread * r.nextGaussian());
                    groupQ[j] += q[h];
                    groupO[j] += o[h];
                }
            }
            attention.add(new AttentionStats(l, heads, kv, 128, norms("q", q), norms("k", k), norms("v", v), norms("o", o),
                new Balance(sum(q), sum(k), groupQ, k), new Balance(sum(v), sum(o), v, groupO), List.of()));
        }
        List<TensorStats> tensors = List.of(new TensorStats("w", "q", 0, Dtype.BF16, new long[] {4096, 4096}, 7_000_000_000L,
            new ValueStats(1, 1, 1, 0, 0)));
        return new PatternReport("llama", List.of("/models/llama-7b-gqa/model-00001-of-00003.safetensors",
            "/models/llama-7b-gqa/model-00002-of-00003.safetensors"), "2026-05-01T12:00:00Z", tensors, attention, List.of());
    }

    private static HeadNorms norms(String tensor, double[] l1) {
        return new HeadNorms("model.layers.0.self_attn." + tensor + "_proj.weight", l1, l1.clone());
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
