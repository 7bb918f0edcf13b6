package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ForwardRules.LatentRule;
import dev.wisca.rescale.spec.ForwardRules.NumberRule;
import dev.wisca.rescale.spec.RopePairing;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import dev.wisca.rescale.spec.Roles;

/**
 * DeepSeek's multi-head latent attention, as transformers' {@code DeepseekV3Attention} computes it:
 * q = q_b(rms(q_a x)) (or q_b = q_proj when {@code qLoraRank} is 0), split per head into a no-RoPE
 * part and a RoPE part; kv_a x splits into the latent (RMS-normed, then kv_b gives each head's k_nope
 * and v) and one RoPE key shared by every head. The score of head h is
 * (q_nope,h · k_nope,h + RoPE(q_rope,h) · RoPE(k_rope)) · scale.
 *
 * @param qLoraRank  q latent width (0: q_proj, no q latent)
 * @param kvLoraRank kv latent width
 * @param nopeDim    per-head dims without RoPE
 * @param ropeDim    per-head RoPE dims (the shared key's width)
 * @param vDim       per-head value dims
 * @param interleave RoPE pairs (2i, 2i + 1) ({@code rope_interleave}), else rotate_half
 * @param latentEps  epsilon of the latent RMS norms
 * @param scale      factor on scores: (nope + rope)^-1/2, times mscale² for scaled RoPE with mscale_all_dim
 */
public record LatentAttention(int qLoraRank, int kvLoraRank, int nopeDim, int ropeDim, int vDim, boolean interleave,
                              double latentEps, double scale) {
    public static final String Q_A = "q_a";
    public static final String Q_A_NORM = "q_a_norm";
    /** q_b_proj, or q_proj when there is no q latent: [heads · (nope + rope), q latent or hidden]. */
    public static final String Q_B = "q_b";
    /** kv_a_proj_with_mqa: [kv latent + rope, hidden]. */
    public static final String KV_A = "kv_a";
    public static final String KV_A_NORM = "kv_a_norm";
    /** kv_b_proj: per head nope rows of k, then v rows: [heads · (nope + v), kv latent]. */
    public static final String KV_B = "kv_b";
    public static final String O = "mla_o";

    public int qkDim() { return nopeDim + ropeDim; }

    public RopePairing pairing() { return interleave ? RopePairing.INTERLEAVED : RopePairing.ROTATE_HALF; }

    static LatentAttention resolve(LatentRule rule, Dims dims, int rotaryDims, JsonNode ropeScaling, ToDoubleFunction<NumberRule> number) {
        if (dims.count("kv_heads") != dims.count("heads")) {
            // kv_b yields one k_nope and v per query head; transformers' repeat_kv would not fit other counts
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "latent attention with " + dims.count("kv_heads") + " kv heads for "
                + dims.count("heads") + " heads: not supported by the reference forward pass");
        }
        int nope = dims.count("nope");
        int rope = dims.count("rope_dim");
        if (rotaryDims != rope) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, null, null, "latent attention rotates " + rope + " dims per head but the spec's rope has " + rotaryDims);
        }
        double scale = 1 / Math.sqrt(nope + rope);
        if (ropeScaling != null && !"default".equals(ropeScaling.path("rope_type").asText("default"))) {
            double mscaleAllDim = ropeScaling.path("mscale_all_dim").asDouble(0);
            double factor = ropeScaling.path("factor").asDouble(1);
            if (mscaleAllDim != 0 && factor > 1) {
                double mscale = 0.1 * mscaleAllDim * Math.log(factor) + 1;
                scale *= mscale * mscale;
            }
        }
        return new LatentAttention(dims.count("q_lora"), dims.count("kv_lora"), nope, rope, dims.count("v_dim"),
            number.applyAsDouble(rule.interleave()) != 0, number.applyAsDouble(rule.latentEps()), scale);
    }

    /** The attention output of layer {@code layer} for the normed residual {@code x} [seq][hidden]. */
    static double[][] attend(ForwardConfig c, ReferenceWeights w, double[][] x, int layer) {
        LatentAttention m = c.latent();
        int seq = x.length;
        int heads = c.heads();
        int qk = m.qkDim();
        int kvRow = m.nopeDim + m.vDim;
        Rope rope = c.rope().forLength(seq);
        double[][] q = new double[seq][];
        double[][] kRope = new double[seq][];
        double[][] kv = new double[seq][];
        for (int t = 0; t < seq; t++) {
            double[] qIn = m.qLoraRank == 0 ? x[t]
                : ReferenceMath.rmsNorm(linear(w, Q_A, layer, x[t]), w.vector(Q_A_NORM, layer), m.latentEps, false);
            q[t] = linear(w, Q_B, layer, qIn);
            for (int h = 0; h < heads; h++) rope.rotate(q[t], h * qk + m.nopeDim, m.pairing(), t);
            double[] compressed = linear(w, KV_A, layer, x[t]);
            double[] latent = ReferenceMath.rmsNorm(Arrays.copyOfRange(compressed, 0, m.kvLoraRank), w.vector(KV_A_NORM, layer), m.latentEps, false);
            kRope[t] = Arrays.copyOfRange(compressed, m.kvLoraRank, m.kvLoraRank + m.ropeDim);
            rope.rotate(kRope[t], 0, m.pairing(), t);
            kv[t] = linear(w, KV_B, layer, latent);
        }
        double[][] out = new double[seq][];
        double[] scores = new double[seq];
        for (int t = 0; t < seq; t++) {
            double[] values = new double[heads * m.vDim];
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j <= t; j++) {
                    double s = 0;
                    for (int d = 0; d < m.nopeDim; d++) s += q[t][h * qk + d] * kv[j][h * kvRow + d];
                    for (int d = 0; d < m.ropeDim; d++) s += q[t][h * qk + m.nopeDim + d] * kRope[j][d];
                    scores[j] = s * m.scale;
                }
                ReferenceMath.softmax(scores, t + 1);
                for (int j = 0; j <= t; j++) {
                    for (int d = 0; d < m.vDim; d++) values[h * m.vDim + d] += scores[j] * kv[j][h * kvRow + m.nopeDim + d];
                }
            }
            out[t] = linear(w, O, layer, values);
        }
        return out;
    }

    private static double[] linear(ReferenceWeights w, String role, int layer, double[] x) {
        return ReferenceMath.linear(w.matrix(role, layer, 0), x, w.optionalVector(Roles.bias(role), layer).orElse(null));
    }
}
