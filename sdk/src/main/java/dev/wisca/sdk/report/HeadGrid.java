package dev.wisca.sdk.report;

import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.HeadNorms;
import dev.wisca.rescale.pattern.PatternReport;

import java.util.Arrays;
import java.util.List;

/**
 * One pair's ratios of one checkpoint as a layer × query-head grid: each query head {@code h} against
 * the KV head {@code j = h / groupSize} it reads from. Q/K: ‖q rows of h‖₁ / ‖k rows of j‖₁; V/O:
 * ‖v rows of j‖₁ / ‖o columns of h‖₁. NaN where a layer lacks a projection.
 */
record HeadGrid(String pair, int[] layers, int heads, int groupSize, double[][] ratios) {
    static HeadGrid of(PatternReport report, BalanceGrid.Kind kind) {
        List<AttentionStats> layers = report.attention();
        int heads = layers.stream().mapToInt(AttentionStats::heads).max().orElse(0);
        int group = layers.isEmpty() ? 1 : layers.getFirst().groupSize();
        double[][] ratios = new double[layers.size()][heads];
        int[] index = new int[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            AttentionStats a = layers.get(l);
            index[l] = a.layer();
            Arrays.fill(ratios[l], Double.NaN);
            for (int h = 0; h < a.heads(); h++) ratios[l][h] = ratio(a, kind, h);
        }
        return new HeadGrid(kind.label, index, heads, group, ratios);
    }

    /** The ratio of query head {@code head} in one layer, NaN when a projection is missing. */
    static double ratio(AttentionStats a, BalanceGrid.Kind kind, int head) {
        int kv = head / a.groupSize();
        return switch (kind) {
            case QK -> l1(a.q(), head) / l1(a.k(), kv);
            case VO -> l1(a.v(), kv) / l1(a.o(), head);
        };
    }

    private static double l1(HeadNorms norms, int head) {
        return norms == null || head >= norms.heads() ? Double.NaN : norms.l1(head);
    }

    boolean isEmpty() {
        return Arrays.stream(ratios).flatMapToDouble(Arrays::stream).allMatch(Double::isNaN);
    }

    /** Largest |log₂ ratio| over all finite cells (0 when none). */
    double maxAbsLog2() {
        double max = 0;
        for (double[] row : ratios) {
            for (double r : row) {
                double l = Math.abs(BalanceGrid.log2(r));
                if (Double.isFinite(l)) max = Math.max(max, l);
            }
        }
        return max;
    }
}
