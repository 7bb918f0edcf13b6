package dev.wisca.rescale.forward;

import dev.wisca.rescale.forward.ReferenceWeights.Mat;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;

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

    /** {@code role} null: no norm (a post-norm block's missing pre-norm). */
    private double[][] norms(double[][] x, String role, int layer) {
        if (role == null) return x;
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) y[t] = norm(x[t], role, layer);
        return y;
    }

    private double[][] attention(double[][] x, int layer) {
        if (c.latent() != null) return LatentAttention.attend(c, w, x, layer);
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
            if (NoRopeLayers.rotates(c, layer)) {
                Rope rope = SlidingRope.of(c, layer).forLength(seq);
                for (int h = 0; h < c.heads(); h++) rope.rotate(q[t], h * hd, c.ropePairing(), t);
                for (int h = 0; h < c.kvHeads(); h++) rope.rotate(k[t], h * hd, c.ropePairing(), t);
                if (c.l2QkNorm()) {
                    L2QkNorm.apply(q[t], c.heads(), hd, c.normEps());
                    L2QkNorm.apply(k[t], c.kvHeads(), hd, c.normEps());
                }
            } else if (c.noRope() != null) {
                double f = c.noRope().queryFactor(layer, t);
                for (int i = 0; i < q[t].length; i++) q[t][i] *= f;
            }
        }
        double[][] out = new double[seq][];
        double[] scores = new double[seq];
        for (int t = 0; t < seq; t++) {
            double[] heads = new double[c.heads() * hd];
            for (int h = 0; h < c.heads(); h++) {
                int kv = h / c.groupSize();
                int from = Math.max(c.slidingWindow().first(layer, t), ChunkedAttention.first(c, layer, t));
                int last = c.lastVisible(t, seq);
                for (int j = 0; j <= last; j++) {
                    double s = 0;
                    for (int d = 0; d < hd; d++) s += q[t][h * hd + d] * k[j][kv * hd + d];
                    scores[j] = j < from ? Double.NEGATIVE_INFINITY : ReferenceMath.softcap(s * c.attnScale(), c.attnSoftcap());
                }
                if (c.sinks() == null) ReferenceMath.softmax(scores, last + 1);
                else AttentionSinks.softmax(scores, last + 1, w.vector(c.sinks(), layer)[h]);
                for (int j = from; j <= last; j++) {
                    for (int d = 0; d < hd; d++) heads[h * hd + d] += scores[j] * v[j][kv * hd + d];
                }
            }
            out[t] = project(Roles.O, layer, heads);
        }
        return out;
    }

    /**
     * QK-norm of q or k, in place ({@link QkNorms}: per head with {@link HeadNorm}, RMSNorm for Qwen 3,
     * LayerNorm for Phi and Cohere; or over the whole projection width, OLMo 2).
     */
    private void headNorm(double[] x, int heads, String role, int layer) {
        double[] bias = c.norm() == NormKind.LAYERNORM ? w.optionalVector(Roles.bias(role), layer).orElse(null) : null;
        QkNorms.apply(c, x, heads, w.vector(role, layer), bias);
    }

    private double[][] mlp(double[][] x, int layer) {
        double[][] y = new double[x.length][];
        // DeepSeek's first layers are dense: no router there
        boolean routed = c.moe() != null && w.optionalMatrix(Roles.ROUTER, layer, 0).isPresent();
        for (int t = 0; t < x.length; t++) y[t] = routed ? experts(x[t], layer) : denseMlp(x[t], layer, 0, false);
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
        for (int i = 0; i < g.length; i++) g[i] = c.clampedSwiglu() != null ? c.clampedSwiglu().apply(g[i], u[i]) : c.activation().apply(g[i]) * u[i];
        return project(shared ? Roles.SHARED_DOWN : Roles.DOWN, layer, expert, g);
    }

    /** Routed experts weighted by the family's {@link Routing}; plus the gated shared expert. */
    private double[] experts(double[] x, int layer) {
        ForwardConfig.Moe moe = c.moe();
        double[] correction = c.routing().correctionRole() == null ? null : w.vector(c.routing().correctionRole(), layer);
        double[] weights = c.routing().weights(project(Roles.ROUTER, layer, x), moe.topK(), moe.renormalize(), correction);
        double[] y = new double[c.hidden()];
        for (int e = 0; e < weights.length; e++) {
            if (weights[e] == 0) continue;
            if (c.routing().scalesInput()) {
                // Llama 4: the weight scales the expert's input
                double[] in = x.clone();
                for (int i = 0; i < in.length; i++) in[i] *= weights[e];
                double[] out = denseMlp(in, layer, e, false);
                for (int i = 0; i < y.length; i++) y[i] += out[i];
                continue;
            }
            double[] out = denseMlp(x, layer, e, false);
            for (int i = 0; i < y.length; i++) y[i] += weights[e] * out[i];
        }
        if (moe.sharedExpert()) {
            // Qwen2-MoE gates the shared expert by σ(w · x); DeepSeek adds it ungated
            double gate = w.optionalMatrix(Roles.SHARED_EXPERT_GATE, layer, 0).map(g -> ReferenceMath.sigmoid(ReferenceMath.linear(g, x, null)[0])).orElse(1.0);
            double[] out = denseMlp(x, layer, 0, true);
            for (int i = 0; i < y.length; i++) y[i] += gate * out[i];
        }
        return y;
    }

    private double[] project(String role, int layer, double[] x) { return project(role, layer, 0, x); }

    private double[] project(String role, int layer, int expert, double[] x) {
        double[] bias = w.optionalMatrix(Roles.bias(role), layer, expert).map(Mat::v).orElse(null);
        return ReferenceMath.linear(w.matrix(role, layer, expert), x, bias);
    }

    private static void replace(double[][] x, double[][] y) { System.arraycopy(y, 0, x, 0, x.length); }

    /** x += residual multiplier · y (a sublayer output onto the residual stream). */
    private void add(double[][] x, double[][] y) {
        double r = c.multipliers().residual();
        for (int t = 0; t < x.length; t++) for (int i = 0; i < x[t].length; i++) x[t][i] += y[t][i] * r;
    }
}
