package dev.wisca.samples.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import java.util.Map;
import java.util.Set;

/**
 * The WISCA balance condition measured directly on the model's weights, independently of the engine:
 * for every site the L1 norm of the producer slices equals that of the consumer slices. Returns the
 * worst {@code |ln(N_producer / N_consumer)|} (0 = perfectly balanced).
 */
final class Balance {
    private Balance() {}

    static double worst(Map<String, Parameter> params, LlamaConfig c, Set<Pair> pairs, Granularity granularity) {
        double worst = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (int l = 0; l < c.layers(); l++) {
                String p = "model.layers." + l + ".";
                if (pairs.contains(Pair.QK)) {
                    worst = Math.max(worst, grouped(rowL1(params, p + "self_attn.q_proj.weight"), rowL1(params, p + "self_attn.k_proj.weight"), c, granularity));
                }
                if (pairs.contains(Pair.VO)) {
                    worst = Math.max(worst, grouped(rowL1(params, p + "self_attn.v_proj.weight"), colL1(params, p + "self_attn.o_proj.weight"), c, granularity));
                }
                if (pairs.contains(Pair.UPDOWN)) {
                    double[] up = rowL1(params, p + "mlp.up_proj.weight"), down = colL1(params, p + "mlp.down_proj.weight");
                    if (granularity == Granularity.TENSOR) {
                        worst = Math.max(worst, Math.abs(Math.log(sum(up) / sum(down))));
                    } else {
                        for (int i = 0; i < up.length; i++) worst = Math.max(worst, Math.abs(Math.log(up[i] / down[i])));
                    }
                }
            }
        }
        return worst;
    }

    /** LoRA: per rank i of every adapter, ‖A[i,:]‖₁ against ‖B[:,i]‖₁; 0 where B is still zero is skipped. */
    static double lora(Map<String, Parameter> adapters) {
        double worst = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (String a : adapters.keySet()) {
                if (!a.endsWith(".lora_A.weight")) continue;
                double[] rows = rowL1(adapters, a), cols = colL1(adapters, a.replace(".lora_A.", ".lora_B."));
                for (int i = 0; i < rows.length; i++) if (cols[i] > 0) worst = Math.max(worst, Math.abs(Math.log(rows[i] / cols[i])));
            }
        }
        return worst;
    }

    /** Producer rows span all query heads (or the KV heads for V), consumers the KV heads (or all query heads for O). */
    private static double grouped(double[] producer, double[] consumer, LlamaConfig c, Granularity granularity) {
        int groups = granularity == Granularity.TENSOR ? 1 : c.kvHeads();
        double worst = 0;
        for (int g = 0; g < groups; g++) {
            double np = slice(producer, g, groups, c), nc = slice(consumer, g, groups, c);
            worst = Math.max(worst, Math.abs(Math.log(np / nc)));
        }
        return worst;
    }

    /** Sum of a group's entries: a per-row vector of length heads·hd or kv·hd is split into {@code groups} equal parts by KV group. */
    private static double slice(double[] v, int g, int groups, LlamaConfig c) {
        int per = v.length / groups;
        double s = 0;
        for (int i = g * per; i < (g + 1) * per; i++) s += v[i];
        return s;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    private static double[] rowL1(Map<String, Parameter> params, String name) { return l1(params, name, 1); }

    private static double[] colL1(Map<String, Parameter> params, String name) { return l1(params, name, 0); }

    private static double[] l1(Map<String, Parameter> params, String name, int axis) {
        NDArray a = params.get(name).getArray();
        return a.toType(DataType.FLOAT64, false).abs().sum(new int[] {axis}).toDoubleArray();
    }
}
