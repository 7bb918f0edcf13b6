package dev.wisca.rescale.forward;

import dev.wisca.rescale.forward.ReferenceWeights.Mat;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;

/** One decoder layer of the reference forward pass: norms, attention, MLP or experts, residuals. */
final class ReferenceBlocks {
    private final ForwardConfig c;
    private final ReferenceWeights w;

    ReferenceBlocks(ForwardConfig config, ReferenceWeights weights) {
        this.c = config;
        this.w = weights;
    }

    /** Runs layer {@code layer} over the residual stream {@code x} [seq][hidden] in place. */
    void layer(double[][] x, int layer) {
        int seq = x.length;
        switch (c.block()) {
            case SEQUENTIAL -> {
                add(x, attention(norms(x, c.attnNorm(), layer), layer));
                add(x, mlp(norms(x, c.mlpNorm(), layer), layer));
            }
            case PARALLEL -> {
                double[][] attnIn = norms(x, c.attnNorm(), layer);
                double[][] mlpIn = c.mlpNorm().equals(c.attnNorm()) ? attnIn : norms(x, c.mlpNorm(), layer);
                double[][] a = attention(attnIn, layer);
                double[][] m = mlp(mlpIn, layer);
                add(x, a);
                add(x, m);
            }
            case SANDWICH -> {
                add(x, norms(attention(norms(x, c.attnNorm(), layer), layer), c.attnOutNorm(), layer));
                add(x, norms(mlp(norms(x, c.mlpNorm(), layer), layer), c.mlpOutNorm(), layer));
            }
            case POST_NORM -> {
                add(x, attention(x, layer));
                replace(x, norms(x, c.attnNorm(), layer));
                add(x, mlp(x, layer));
                replace(x, norms(x, c.mlpNorm(), layer));
            }
        }
        assert x.length == seq;
    }

    double[] norm(double[] x, String role, int layer) {
        double[] bias = c.norm() == NormKind.LAYERNORM ? w.optionalVector(Roles.bias(role), layer).orElse(null) : null;
        return ReferenceMath.norm(c.norm(), x, w.vector(role, layer), bias, c.normEps());
    }

    private double[][] norms(double[][] x, String role, int layer) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) y[t] = norm(x[t], role, layer);
        return y;
    }

    private double[][] attention(double[][] x, int layer) {
        int seq = x.length;
        int hd = c.headDim();
        double[][] q = new double[seq][];
        double[][] k = new double[seq][];
        double[][] v = new double[seq][];
        for (int t = 0; t < seq; t++) {
            q[t] = project(Roles.Q, layer, x[t]);
            k[t] = project(Roles.K, layer, x[t]);
            v[t] = project(Roles.V, layer, x[t]);
            if (c.qkNorm()) {
                headNorm(q[t], c.heads(), Roles.Q_NORM, layer);
                headNorm(k[t], c.kvHeads(), Roles.K_NORM, layer);
            }
            if (c.rope() != null) {
                Rope rope = c.rope().forLength(seq);
                for (int h = 0; h < c.heads(); h++) rope.rotate(q[t], h * hd, RopePairing.ROTATE_HALF, t);
                for (int h = 0; h < c.kvHeads(); h++) rope.rotate(k[t], h * hd, RopePairing.ROTATE_HALF, t);
            }
        }
        double[][] out = new double[seq][];
        double[] scores = new double[seq];
        for (int t = 0; t < seq; t++) {
            double[] heads = new double[c.heads() * hd];
            for (int h = 0; h < c.heads(); h++) {
                int kv = h / c.groupSize();
                int from = c.slidingWindow().first(layer, t);
                int last = c.lastVisible(t, seq);
                for (int j = 0; j <= last; j++) {
                    double s = 0;
                    for (int d = 0; d < hd; d++) s += q[t][h * hd + d] * k[j][kv * hd + d];
                    scores[j] = j < from ? Double.NEGATIVE_INFINITY : ReferenceMath.softcap(s * c.attnScale(), c.attnSoftcap());
                }
                ReferenceMath.softmax(scores, last + 1);
                for (int j = from; j <= last; j++) {
                    for (int d = 0; d < hd; d++) heads[h * hd + d] += scores[j] * v[j][kv * hd + d];
                }
            }
            out[t] = project(Roles.O, layer, heads);
        }
        return out;
    }

    /** Per-head RMSNorm of q or k (Qwen 3), in place. */
    private void headNorm(double[] x, int heads, String role, int layer) {
        int hd = c.headDim();
        double[] gain = w.vector(role, layer);
        for (int h = 0; h < heads; h++) {
            double[] head = java.util.Arrays.copyOfRange(x, h * hd, (h + 1) * hd);
            double[] normed = ReferenceMath.rmsNorm(head, gain, c.normEps(), c.norm() == NormKind.RMS_OFFSET);
            System.arraycopy(normed, 0, x, h * hd, hd);
        }
    }

    private double[][] mlp(double[][] x, int layer) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) y[t] = c.moe() == null ? denseMlp(x[t], layer, 0, false) : experts(x[t], layer);
        return y;
    }

    private double[] denseMlp(double[] x, int layer, int expert, boolean shared) {
        if (!c.mlp().gated()) {
            double[] h = project(Roles.UP, layer, x);
            for (int i = 0; i < h.length; i++) h[i] = c.activation().apply(h[i]);
            return project(Roles.DOWN, layer, h);
        }
        double[] g = project(shared ? Roles.SHARED_GATE : Roles.GATE, layer, expert, x);
        double[] u = project(shared ? Roles.SHARED_UP : Roles.UP, layer, expert, x);
        for (int i = 0; i < g.length; i++) g[i] = c.activation().apply(g[i]) * u[i];
        return project(shared ? Roles.SHARED_DOWN : Roles.DOWN, layer, expert, g);
    }

    /** softmax over experts, top-k, optional renormalization, weighted sum; plus the gated shared expert. */
    private double[] experts(double[] x, int layer) {
        ForwardConfig.Moe moe = c.moe();
        double[] p = ReferenceMath.linear(w.matrix(Roles.ROUTER, layer, 0), x, null);
        ReferenceMath.softmax(p, p.length);
        boolean[] chosen = new boolean[p.length];
        double kept = 0;
        for (int k = 0; k < moe.topK(); k++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) if (!chosen[e] && (best < 0 || p[e] > p[best])) best = e;
            chosen[best] = true;
            kept += p[best];
        }
        double[] y = new double[c.hidden()];
        for (int e = 0; e < p.length; e++) {
            if (!chosen[e]) continue;
            double weight = moe.renormalize() ? p[e] / kept : p[e];
            double[] out = denseMlp(x, layer, e, false);
            for (int i = 0; i < y.length; i++) y[i] += weight * out[i];
        }
        if (moe.sharedExpert()) {
            double gate = ReferenceMath.sigmoid(ReferenceMath.linear(w.matrix(Roles.SHARED_EXPERT_GATE, layer, 0), x, null)[0]);
            double[] out = denseMlp(x, layer, 0, true);
            for (int i = 0; i < y.length; i++) y[i] += gate * out[i];
        }
        return y;
    }

    private double[] project(String role, int layer, double[] x) { return project(role, layer, 0, x); }

    private double[] project(String role, int layer, int expert, double[] x) {
        double[] bias = w.optionalVector(Roles.bias(role), layer).orElse(null);
        return ReferenceMath.linear(w.matrix(role, layer, expert), x, bias);
    }

    private static void replace(double[][] x, double[][] y) { System.arraycopy(y, 0, x, 0, x.length); }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) for (int i = 0; i < x[t].length; i++) x[t][i] += y[t][i];
    }
}
