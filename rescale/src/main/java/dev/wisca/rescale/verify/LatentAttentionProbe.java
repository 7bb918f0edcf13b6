package dev.wisca.rescale.verify;

import dev.wisca.rescale.forward.LatentAttention;
import dev.wisca.rescale.forward.Rope;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The invariants of one latent-attention layer (DeepSeek, {@link LatentAttention}), per head h: the
 * score q_nope,h(x) · k_nope,h(y) + RoPE_m(q_rope,h(x)) · RoPE_n(k_rope(y)), with q through the q latent
 * and its norm (or q_proj) and k_nope through the kv latent and its norm, and the output contribution
 * W_o[:, head h] · v_h(x). None changes under a correct Q/K (no-RoPE per head, shared RoPE key), V/O or
 * norm-fold rescale. The latent RMS normalizers are treated as exact, as for QK-norm.
 */
final class LatentAttentionProbe {
    private static final double LATENT_EPS = 1e-6;

    private LatentAttentionProbe() {}

    static List<BlockOutput> evaluate(ProbeWeights w, int layer, ProbeVectors probes) {
        List<BlockOutput> out = new ArrayList<>();
        Optional<StoredMatrix> kvA = w.matrix(LatentAttention.KV_A, layer, -1);
        Optional<StoredMatrix> kvB = w.matrix(LatentAttention.KV_B, layer, -1);
        Optional<StoredMatrix> qB = w.matrix(LatentAttention.Q_B, layer, -1);
        Optional<StoredMatrix> o = w.matrix(LatentAttention.O, layer, -1);
        if (kvA.isEmpty() || kvB.isEmpty() || qB.isEmpty() || o.isEmpty()) return out;
        ModelBinding b = w.binding();
        Dims dims = b.dims();
        int heads = dims.count(Roles.DIM_HEADS);
        int nope = dims.count("nope");
        int rope = dims.count("rope_dim");
        int vDim = dims.count("v_dim");
        int kvLora = dims.count("kv_lora");
        int hidden = Math.toIntExact(kvA.get().cols());
        String key = "layers." + layer;
        Noisy[] xs = probes.noisy(key + ".x", hidden);
        Noisy[] ys = probes.noisy(key + ".y", hidden);
        long[][] positions = probes.positions(key);
        Noisy[] qs = queries(w, layer, qB.get(), xs);
        Noisy[] compressedY = w.project(kvA.get(), w.matrix(Roles.bias(LatentAttention.KV_A), layer, -1), w.normedFor(kvA.get(), ys));
        Noisy[] kvY = latentToHeads(w, kvB.get(), compressedY, kvLora);
        Noisy[] kvX = latentToHeads(w, kvB.get(),
            w.project(kvA.get(), w.matrix(Roles.bias(LatentAttention.KV_A), layer, -1), w.normedFor(kvA.get(), xs)), kvLora);
        Rope r = AttentionProbe.rope(b).orElseThrow();
        RopePairing pairing = b.spec().ropePairing().orElse(RopePairing.INTERLEAVED);
        int qk = nope + rope;
        for (int h = 0; h < heads; h++) {
            Noisy[] scores = new Noisy[qs.length];
            for (int p = 0; p < qs.length; p++) {
                double[] a = ProbeMath.dot(qs[p].slice(h * qk, nope), kvY[p].slice(h * (nope + vDim), nope));
                Noisy qRope = ProbeMath.rotate(qs[p].slice(h * qk + nope, rope), r, pairing, positions[p][0]);
                Noisy kRope = ProbeMath.rotate(compressedY[p].slice(kvLora, rope), r, pairing, positions[p][1]);
                double[] c = ProbeMath.dot(qRope, kRope);
                scores[p] = new Noisy(new double[] {a[0] + c[0]}, new double[] {a[1] + c[1]});
            }
            out.add(BlockOutput.of(key + ".qk head " + h, layer, scores));
        }
        for (int h = 0; h < heads; h++) {
            Noisy[] vh = new Noisy[kvX.length];
            for (int p = 0; p < kvX.length; p++) vh[p] = kvX[p].slice(h * (nope + vDim) + nope, vDim);
            out.add(BlockOutput.of(key + ".vo head " + h, layer, ProbeMath.linear(o.get(), vh, h * vDim, w.u(o.get()))));
        }
        return out;
    }

    /** q_b(g · rms(q_a x)) with the q latent, else q_proj x (the input norm's gain in front either way). */
    private static Noisy[] queries(ProbeWeights w, int layer, StoredMatrix qB, Noisy[] xs) {
        Optional<StoredMatrix> qA = w.matrix(LatentAttention.Q_A, layer, -1);
        if (qA.isEmpty()) return w.project(qB, Optional.empty(), w.normedFor(qB, xs));
        Noisy[] latent = w.project(qA.get(), w.matrix(Roles.bias(LatentAttention.Q_A), layer, -1), w.normedFor(qA.get(), xs));
        for (int p = 0; p < latent.length; p++) latent[p] = ProbeMath.rmsNormalize(latent[p], LATENT_EPS);
        return w.project(qB, Optional.empty(), w.normedFor(qB, latent));
    }

    /** kv_b(g · rms(latent)): every head's k_nope and v. */
    private static Noisy[] latentToHeads(ProbeWeights w, StoredMatrix kvB, Noisy[] compressed, int kvLora) {
        Noisy[] latent = new Noisy[compressed.length];
        for (int p = 0; p < latent.length; p++) latent[p] = ProbeMath.rmsNormalize(compressed[p].slice(0, kvLora), LATENT_EPS);
        return w.project(kvB, Optional.empty(), w.normedFor(kvB, latent));
    }
}
