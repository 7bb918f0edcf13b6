package dev.wisca.rescale.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.rescale.forward.Rope;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Arrays;

/**
 * The invariants of one attention layer, per query head h with KV head j = h / (heads / kv_heads):
 * the score {@code RoPE_m(q_h(n(x))) · RoPE_n(k_j(n(y)))} at several position pairs (with q/k
 * biases, QK-norm before RoPE, the input norm n in front) and the output contribution
 * {@code W_o[:, head h] · (W_v,j n(x) + b_v)}. Neither changes under a correct Q/K, V/O,
 * QK-norm or norm-fold rescale.
 */
final class AttentionProbe {
    /** QK-norm epsilon; the same on both sides, so its exact value does not matter for the comparison. */
    private static final double QK_NORM_EPS = 1e-6;
    private static final double DEFAULT_THETA = 10000;

    private AttentionProbe() {}

    static List<BlockOutput> evaluate(ProbeWeights w, int layer, ProbeVectors probes) {
        Optional<StoredMatrix> q = w.matrix(Roles.Q, layer, -1);
        Optional<StoredMatrix> k = w.matrix(Roles.K, layer, -1);
        Optional<StoredMatrix> v = w.matrix(Roles.V, layer, -1);
        Optional<StoredMatrix> o = w.matrix(Roles.O, layer, -1);
        List<BlockOutput> out = new ArrayList<>();
        if (q.isEmpty() || k.isEmpty()) return out;
        ModelBinding b = w.binding();
        int heads = b.dims().count(Roles.DIM_HEADS);
        int kvHeads = b.dims().count(Roles.DIM_KV_HEADS);
        int hd = b.dims().count(Roles.DIM_HEAD_DIM);
        int hidden = Math.toIntExact(q.get().cols());
        int group = heads / kvHeads;
        String key = "layers." + layer;
        Noisy[] xs = probes.noisy(key + ".x", hidden);
        Noisy[] ys = probes.noisy(key + ".y", hidden);
        long[][] positions = probes.positions(key);
        Noisy[] qs = w.project(q.get(), w.matrix(Roles.Q_BIAS, layer, -1), w.normedFor(q.get(), xs));
        Noisy[] ks = w.project(k.get(), w.matrix(Roles.K_BIAS, layer, -1), w.normedFor(k.get(), ys));
        Optional<StoredMatrix> qNorm = w.matrix(Roles.Q_NORM, layer, -1);
        Optional<StoredMatrix> kNorm = w.matrix(Roles.K_NORM, layer, -1);
        Optional<StoredMatrix> qNormBias = w.matrix(Roles.bias(Roles.Q_NORM), layer, -1);
        Optional<StoredMatrix> kNormBias = w.matrix(Roles.bias(Roles.K_NORM), layer, -1);
        if (qNorm.isPresent() && qNorm.get().values().length == (long) heads * hd && heads > 1) {
            // one norm over the whole projection (OLMo 2): normalize all heads together, then slice
            qs = wholeWidth(w, qs, qNorm.get());
            ks = wholeWidth(w, ks, kNorm.orElseThrow());
            qNorm = Optional.empty();
            kNorm = Optional.empty();
        }
        Optional<Rope> rope = rope(b);
        RopePairing pairing = b.spec().ropePairing().orElse(RopePairing.ROTATE_HALF);
        for (int h = 0; h < heads; h++) {
            int j = h / group;
            Noisy[] scores = new Noisy[qs.length];
            for (int p = 0; p < qs.length; p++) {
                Noisy qh = head(w, qs[p].slice(h * hd, hd), h, headNorm(w, Roles.Q_NORM, layer, h, qNorm), qNormBias, rope, pairing, positions[p][0]);
                Noisy kh = head(w, ks[p].slice(j * hd, hd), j, headNorm(w, Roles.K_NORM, layer, j, kNorm), kNormBias, rope, pairing, positions[p][1]);
                double[] s = ProbeMath.dot(qh, kh);
                scores[p] = new Noisy(new double[] {s[0]}, new double[] {s[1]});
            }
            out.add(BlockOutput.of(key + ".qk head " + h, layer, scores));
        }
        if (v.isPresent() && o.isPresent()) out.addAll(valueOutput(w, layer, key, xs, v.get(), o.get(), heads, group, hd));
        return out;
    }

    private static List<BlockOutput> valueOutput(ProbeWeights w, int layer, String key, Noisy[] xs, StoredMatrix v, StoredMatrix o,
                                                 int heads, int group, int hd) {
        Noisy[] vs = w.project(v, w.matrix(Roles.V_BIAS, layer, -1), w.normedFor(v, xs));
        List<BlockOutput> out = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            int j = h / group;
            Noisy[] vh = new Noisy[vs.length];
            for (int p = 0; p < vs.length; p++) vh[p] = vs[p].slice(j * hd, hd);
            out.add(BlockOutput.of(key + ".vo head " + h, layer, ProbeMath.linear(o, vh, h * hd, w.u(o))));
        }
        return out;
    }

    private static Noisy[] wholeWidth(ProbeWeights w, Noisy[] xs, StoredMatrix norm) {
        boolean offset = w.binding().spec().normKind() == NormKind.RMS_OFFSET;
        Noisy[] out = new Noisy[xs.length];
        for (int p = 0; p < xs.length; p++) out[p] = ProbeMath.gain(ProbeMath.rmsNormalize(xs[p], QK_NORM_EPS), norm.values(), offset, w.u(norm));
        return out;
    }

    /**
     * One head (index {@code index} among q's or k's heads) through QK-norm and RoPE. The norm is the
     * family's kind (LayerNorm centres first, and adds its bias); a gain of one row per head (Cohere's
     * [heads, head_dim]) is taken at the head's row.
     */
    private static Noisy head(ProbeWeights w, Noisy x, int index, Optional<StoredMatrix> norm, Optional<StoredMatrix> bias,
                              Optional<Rope> rope, RopePairing pairing, long position) {
        Noisy y = x;
        if (norm.isPresent()) {
            NormKind kind = w.binding().spec().normKind();
            if (kind == NormKind.LAYERNORM) y = ProbeMath.center(y);
            y = ProbeMath.gain(ProbeMath.rmsNormalize(y, QK_NORM_EPS), headRow(norm.get().elements(), index, x.length()),
                kind == NormKind.RMS_OFFSET, w.u(norm.get()));
            if (kind == NormKind.LAYERNORM && bias.isPresent()) {
                y = ProbeMath.addBias(new Noisy[] {y}, headRow(bias.get().elements(), index, x.length()), w.u(bias.get()))[0];
            }
        }
        return rope.isPresent() ? ProbeMath.rotate(y, rope.get(), pairing, position) : y;
    }

    /** The norm of head {@code index}: its own stored tensor when the role is stored per head (StableLM), else {@code norm}. */
    private static Optional<StoredMatrix> headNorm(ProbeWeights w, String role, int layer, int index, Optional<StoredMatrix> norm) {
        if (norm.isEmpty() || !w.binding().role(role, layer).orElseThrow().tensor().perHead()) return norm;
        return w.matrix(role, layer, index);
    }

    /** The head's gain: the whole vector when it is shared ([head_dim]), else row {@code index}. */
    private static double[] headRow(double[] values, int index, int hd) {
        return values.length == hd ? values : Arrays.copyOfRange(values, index * hd, (index + 1) * hd);
    }

    /**
     * The model's RoPE at its unscaled frequencies: rope_scaling is left out, as a correct rescale keeps
     * the scores at any angle.
     */
    static Optional<Rope> rope(ModelBinding b) {
        int rot = b.rotaryDims();
        if (rot == 0) return Optional.empty();
        return Optional.of(Rope.of(rot, theta(b.dims().config()), null));
    }

    /** RoPE base from config.json (old and new key locations); the default of most families otherwise. */
    private static double theta(JsonNode config) {
        for (JsonNode n : new JsonNode[] {config.path("rope_theta"), config.path("rope_parameters").path("rope_theta"),
            config.path("rotary_emb_base")}) {
            if (n.isNumber() && n.doubleValue() > 1) return n.doubleValue();
        }
        return DEFAULT_THETA;
    }
}
