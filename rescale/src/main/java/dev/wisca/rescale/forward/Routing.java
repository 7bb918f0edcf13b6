package dev.wisca.rescale.forward;

/**
 * How a mixture-of-experts router's logits become per-expert weights (0 for the experts not chosen).
 *
 * <ul>
 *   <li>{@link Kind#SOFTMAX_TOPK} (Mixtral, Qwen MoE): softmax over all experts, keep the top k,
 *       optionally renormalized to sum 1.</li>
 *   <li>{@link Kind#TOPK_SOFTMAX} (gpt-oss): keep the k largest logits, softmax over those k.</li>
 * </ul>
 *
 * @param kind the routing rule
 */
public record Routing(Kind kind) {
    public enum Kind { SOFTMAX_TOPK, TOPK_SOFTMAX }

    /** The spec's {@code forward.moe.routing} name. */
    public static Routing parse(String name) {
        return new Routing(Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT)));
    }

    /** Dense per-expert weights of one token from its router logits. */
    double[] weights(double[] logits, int topK, boolean renormalize) {
        double[] p = logits.clone();
        if (kind == Kind.SOFTMAX_TOPK) ReferenceMath.softmax(p, p.length);
        boolean[] chosen = top(p, topK);
        double[] w = new double[p.length];
        if (kind == Kind.TOPK_SOFTMAX) {
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < p.length; e++) if (chosen[e]) max = Math.max(max, p[e]);
            double sum = 0;
            for (int e = 0; e < p.length; e++) if (chosen[e]) sum += w[e] = Math.exp(p[e] - max);
            for (int e = 0; e < p.length; e++) w[e] /= sum;
            return w;
        }
        double kept = 0;
        for (int e = 0; e < p.length; e++) if (chosen[e]) kept += p[e];
        for (int e = 0; e < p.length; e++) if (chosen[e]) w[e] = renormalize ? p[e] / kept : p[e];
        return w;
    }

    /** The k largest entries (ties: the lower index, as torch.topk on CPU). */
    static boolean[] top(double[] p, int k) {
        boolean[] chosen = new boolean[p.length];
        for (int i = 0; i < k; i++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) if (!chosen[e] && (best < 0 || p[e] > p[best])) best = e;
            chosen[best] = true;
        }
        return chosen;
    }
}
