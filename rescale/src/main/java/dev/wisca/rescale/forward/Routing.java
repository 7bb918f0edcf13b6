package dev.wisca.rescale.forward;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a mixture-of-experts router's logits become per-expert weights (0 for the experts not chosen).
 *
 * <ul>
 *   <li>{@link Kind#SOFTMAX_TOPK} (Mixtral, Qwen MoE): softmax over all experts, keep the top k,
 *       optionally renormalized to sum 1.</li>
 *   <li>{@link Kind#TOPK_SOFTMAX} (gpt-oss): keep the k largest logits, softmax over those k.</li>
 *   <li>{@link Kind#SIGMOID_GROUPED} (DeepSeek V3): scores σ(logit); the choice adds the correction
 *       bias; experts form {@code groups} equal groups, the {@code groupTopK} groups with the largest
 *       sum of their two best choice scores stay in the running; the k best choices among those are
 *       weighted by their scores (without the bias), optionally renormalized (sum + 1e-20), times
 *       {@code scaling}.</li>
 *   <li>{@link Kind#TOPK_SIGMOID_INPUT} (Llama 4): keep the k largest logits; σ(logit) of each kept
 *       expert multiplies that expert's <em>input</em> ({@link #scalesInput()}): the expert computes
 *       down(act(gate(σ·x)) · up(σ·x)), which is not σ times its output.</li>
 * </ul>
 *
 * @param kind           the routing rule
 * @param groups         expert groups (SIGMOID_GROUPED; else 1)
 * @param groupTopK      groups kept (SIGMOID_GROUPED; else 1)
 * @param scaling        factor on the routed weights (SIGMOID_GROUPED; else 1)
 * @param correctionRole the role of the per-expert correction bias (e_score_correction_bias), or null
 */
public record Routing(Kind kind, int groups, int groupTopK, double scaling, String correctionRole) {
    public enum Kind { SOFTMAX_TOPK, TOPK_SOFTMAX, SIGMOID_GROUPED, TOPK_SIGMOID_INPUT }

    /** Whether an expert's weight multiplies its input (Llama 4) rather than its output. */
    public boolean scalesInput() { return kind == Kind.TOPK_SIGMOID_INPUT; }

    /** The spec's {@code forward.moe.routing} name. */
    public static Kind kind(String name) {
        return Kind.valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Dense per-expert weights of one token from its router logits ({@code correction}: null for none). */
    public double[] weights(double[] logits, int topK, boolean renormalize, double[] correction) {
        if (kind == Kind.SIGMOID_GROUPED) return grouped(logits, topK, renormalize, correction);
        double[] p = logits.clone();
        if (kind == Kind.SOFTMAX_TOPK) ReferenceMath.softmax(p, p.length);
        boolean[] chosen = top(p, topK);
        double[] w = new double[p.length];
        if (kind == Kind.TOPK_SIGMOID_INPUT) {
            for (int e = 0; e < p.length; e++) if (chosen[e]) w[e] = ReferenceMath.sigmoid(p[e]);
            return w;
        }
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

    private double[] grouped(double[] logits, int topK, boolean renormalize, double[] correction) {
        int experts = logits.length;
        int perGroup = experts / groups;
        double[] scores = new double[experts];
        double[] choice = new double[experts];
        for (int e = 0; e < experts; e++) {
            scores[e] = ReferenceMath.sigmoid(logits[e]);
            choice[e] = scores[e] + (correction == null ? 0 : correction[e]);
        }
        double[] groupScore = new double[groups];
        for (int g = 0; g < groups; g++) {
            double[] members = Arrays.copyOfRange(choice, g * perGroup, (g + 1) * perGroup);
            boolean[] best = top(members, Math.min(2, perGroup));
            for (int i = 0; i < perGroup; i++) if (best[i]) groupScore[g] += members[i];
        }
        boolean[] keptGroups = top(groupScore, groupTopK);
        for (int e = 0; e < experts; e++) if (!keptGroups[e / perGroup]) choice[e] = Double.NEGATIVE_INFINITY;
        boolean[] chosen = top(choice, topK);
        double[] w = new double[experts];
        double sum = 0;
        for (int e = 0; e < experts; e++) if (chosen[e]) sum += w[e] = scores[e];
        for (int e = 0; e < experts; e++) w[e] = (renormalize ? w[e] / (sum + 1e-20) : w[e]) * scaling;
        return w;
    }

    /** The k largest entries (ties: the lower index). */
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
