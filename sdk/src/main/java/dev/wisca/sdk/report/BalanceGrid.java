package dev.wisca.sdk.report;

import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.Balance;
import dev.wisca.rescale.pattern.PatternReport;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One pair's balance ratios of one checkpoint as a layer × KV-head grid, plus the tensor-wise ratio
 * per layer. NaN where a layer has no such pair.
 */
record BalanceGrid(String pair, int[] layers, int kvHeads, int groupSize, double[][] groupRatios, double[] layerRatios) {
    enum Kind {
        QK("Q/K", "‖W_q‖₁ / ‖W_k‖₁", "‖W_q rows of head h‖₁ / ‖W_k rows of KV head j‖₁", AttentionStats::qk),
        VO("V/O", "‖W_v‖₁ / ‖W_o‖₁", "‖W_v rows of KV head j‖₁ / ‖W_o columns of head h‖₁", AttentionStats::vo);

        final String label;
        final String formula;
        final String headFormula;
        final Function<AttentionStats, Balance> balance;

        Kind(String label, String formula, String headFormula, Function<AttentionStats, Balance> balance) {
            this.label = label;
            this.formula = formula;
            this.headFormula = headFormula;
            this.balance = balance;
        }
    }

    static BalanceGrid of(PatternReport report, Kind kind) {
        List<AttentionStats> layers = report.attention();
        int kv = layers.stream().mapToInt(AttentionStats::kvHeads).max().orElse(0);
        int group = layers.isEmpty() ? 1 : layers.getFirst().groupSize();
        double[][] groups = new double[layers.size()][kv];
        double[] tensor = new double[layers.size()];
        int[] index = new int[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            AttentionStats a = layers.get(l);
            index[l] = a.layer();
            Balance b = kind.balance.apply(a);
            Arrays.fill(groups[l], Double.NaN);
            tensor[l] = b == null ? Double.NaN : b.ratio();
            if (b != null) for (int g = 0; g < b.groups(); g++) groups[l][g] = b.groupRatio(g);
        }
        return new BalanceGrid(kind.label, index, kv, group, groups, tensor);
    }

    boolean isEmpty() {
        return Arrays.stream(layerRatios).allMatch(Double::isNaN);
    }

    /** Largest |log₂ ratio| over all finite cells (0 when none). */
    double maxAbsLog2() {
        double max = 0;
        for (double[] row : groupRatios) for (double r : row) max = Math.max(max, finiteAbsLog2(r));
        for (double r : layerRatios) max = Math.max(max, finiteAbsLog2(r));
        return max;
    }

    /** Median over layers of |log₂ tensor-wise ratio|, NaN when no layer has the pair. */
    double medianAbsLog2() {
        double[] v = Arrays.stream(layerRatios).filter(r -> r > 0 && Double.isFinite(r)).map(r -> Math.abs(log2(r))).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double log2(double r) { return r > 0 ? Math.log(r) / Math.log(2) : Double.NaN; }

    private static double finiteAbsLog2(double r) {
        double l = Math.abs(log2(r));
        return Double.isFinite(l) ? l : 0;
    }
}
