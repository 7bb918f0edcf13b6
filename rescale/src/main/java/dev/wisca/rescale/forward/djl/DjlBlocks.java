package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import dev.wisca.rescale.forward.Activation;
import dev.wisca.rescale.forward.ChunkedAttention;
import dev.wisca.rescale.forward.NoRopeLayers;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.forward.Multipliers;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;

/** One decoder layer on NDArrays: x is [batch, seq, hidden]. */
final class DjlBlocks {
    private final ForwardConfig c;
    private final DjlRope rope;
    private final DjlRope slidingRope;
    private final NDArray causal;
    private final NDArray sliding;
    private final NDArray chunked;

    /**
     * {@code rope} null without RoPE; {@code slidingRope} the sliding layers' (the same as {@code rope} unless
     * they have their own, Gemma 3); {@code causal} [seq, seq] with −∞ above the diagonal;
     * {@code sliding} the same, also −∞ beyond the sliding window (for the layers that slide); {@code chunked}
     * the same, also −∞ outside each position's chunk (for the layers that attend in chunks, Llama 4).
     */
    DjlBlocks(ForwardConfig config, DjlRope rope, DjlRope slidingRope, NDArray causal, NDArray sliding, NDArray chunked) {
        this.c = config;
        this.rope = rope;
        this.slidingRope = slidingRope;
        this.causal = causal;
        this.sliding = sliding;
        this.chunked = chunked;
    }

    NDArray layer(NDArray x, DjlWeights w, int layer) {
        return switch (c.block()) {
            case SEQUENTIAL -> {
                NDArray h = x.add(residual(attention(norm(x, w, c.attnNorm(), layer), w, layer)));
                yield h.add(residual(mlp(norm(h, w, c.mlpNorm(), layer), w, layer)));
            }
            case PARALLEL -> {
                NDArray attnIn = norm(x, w, c.attnNorm(), layer);
                NDArray mlpIn = c.mlpNorm().equals(c.attnNorm()) ? attnIn : norm(x, w, c.mlpNorm(), layer);
                yield x.add(residual(attention(attnIn, w, layer))).add(residual(mlp(mlpIn, w, layer)));
            }
            case POST_NORM -> {
                NDArray h = norm(x.add(attention(x, w, layer)), w, c.attnNorm(), layer);
                yield norm(h.add(mlp(h, w, layer)), w, c.mlpNorm(), layer);
            }
            case SANDWICH -> {
                NDArray h = x.add(residual(norm(attention(norm(x, w, c.attnNorm(), layer), w, layer), w, c.attnOutNorm(), layer)));
                yield h.add(residual(norm(mlp(norm(h, w, c.mlpNorm(), layer), w, layer), w, c.mlpOutNorm(), layer)));
            }
        };
    }

    /** A sublayer output times the residual multiplier (Granite), before it joins the residual stream. */
    private NDArray residual(NDArray y) {
        double r = c.multipliers().residual();
        return r == 1 ? y : y.mul(r);
    }

    /** Logits × logit scale ÷ logits divisor (Cohere, Granite); unchanged when both are 1. */
    static NDArray logitMultipliers(NDArray logits, Multipliers m) {
        NDArray y = m.logitScale() == 1 ? logits : logits.mul(m.logitScale());
        return m.logitDivisor() == 1 ? y : y.div(m.logitDivisor());
    }

    /** {@code role} null: no norm (a post-norm block's missing pre-norm). */
    NDArray norm(NDArray x, DjlWeights w, String role, int layer) {
        if (role == null) return x;
        NDArray bias = c.norm() == NormKind.LAYERNORM ? w.optional(Roles.bias(role), layer, 0).orElse(null) : null;
        return normalize(x, w.matrix(role, layer, 0), bias, c.norm(), c.normEps());
    }

    /** The norm of {@code kind} over the last axis of x, times gain, plus bias (LayerNorm only; may be null). */
    static NDArray normalize(NDArray x, NDArray gain, NDArray bias, NormKind kind, double eps) {
        return switch (kind) {
            case RMS -> rms(x, gain, eps);
            case RMS_OFFSET -> rms(x, gain.add(1), eps);
            case LAYERNORM -> {
                NDArray centered = x.sub(x.mean(new int[] {-1}, true));
                NDArray var = centered.square().mean(new int[] {-1}, true);
                NDArray y = centered.div(var.add(eps).sqrt()).mul(gain);
                yield bias == null ? y : y.add(bias);
            }
        };
    }

    private static NDArray rms(NDArray x, NDArray gain, double eps) {
        return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(gain);
    }

    private NDArray attention(NDArray x, DjlWeights w, int layer) {
        if (c.latent() != null) return DjlLatentAttention.attend(c, w, x, layer, c.slidingWindow().window(layer) > 0 ? sliding : causal);
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int hd = c.headDim();
        NDArray qFlat = project(x, w, Roles.Q, layer, 0);
        NDArray kFlat = project(x, w, Roles.K, layer, 0);
        if (c.qkNorm() && c.qkNormFullWidth()) {
            // one norm over the whole projection, all heads together (OLMo 2)
            qFlat = norm(qFlat, w, Roles.Q_NORM, layer);
            kFlat = norm(kFlat, w, Roles.K_NORM, layer);
        }
        NDArray q = heads(qFlat, c.heads());
        NDArray k = heads(kFlat, c.kvHeads());
        NDArray v = heads(project(x, w, Roles.V, layer, 0), c.kvHeads());
        if (c.qkNorm() && !c.qkNormFullWidth()) {
            q = DjlHeadNorm.apply(q, w, Roles.Q_NORM, layer, c);
            k = DjlHeadNorm.apply(k, w, Roles.K_NORM, layer, c);
        }
        if (NoRopeLayers.rotates(c, layer)) {
            DjlRope r = c.slidingWindow().sliding().get(layer) ? slidingRope : rope;
            q = r.apply(q);
            k = r.apply(k);
            if (c.l2QkNorm()) {
                q = DjlChunksAndNoRope.l2Norm(q, c.normEps());
                k = DjlChunksAndNoRope.l2Norm(k, c.normEps());
            }
        } else if (c.noRope() != null) {
            q = DjlChunksAndNoRope.temperature(q, c.noRope(), layer);
        }
        if (c.groupSize() > 1) {
            k = k.repeat(1, c.groupSize());
            v = v.repeat(1, c.groupSize());
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(c.attnScale());
        if (c.attnSoftcap() != 0) scores = scores.div(c.attnSoftcap()).tanh().mul(c.attnSoftcap());
        NDArray masked = scores.add(c.slidingWindow().window(layer) > 0 ? sliding : ChunkedAttention.chunked(c, layer) ? chunked : causal);
        NDArray probs = c.sinks() == null ? masked.softmax(-1) : DjlMoe.softmaxWithSinks(masked, w.matrix(c.sinks(), layer, 0));
        NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, (long) c.heads() * hd);
        return project(out, w, Roles.O, layer, 0);
    }

    /** [b, t, n·hd] → [b, n, t, hd]. */
    private NDArray heads(NDArray x, int n) {
        return x.reshape(x.getShape().get(0), x.getShape().get(1), n, c.headDim()).transpose(0, 2, 1, 3);
    }

    private NDArray mlp(NDArray x, DjlWeights w, int layer) {
        // DeepSeek's first layers are dense: no router there
        if (c.moe() == null || w.optional(Roles.ROUTER, layer, 0).isEmpty()) return dense(x, w, layer, 0, false);
        return experts(x, w, layer);
    }

    private NDArray dense(NDArray x, DjlWeights w, int layer, int expert, boolean shared) {
        if (!c.mlp().gated()) {
            return project(activate(project(x, w, Roles.UP, layer, 0)), w, Roles.DOWN, layer, 0);
        }
        NDArray g = project(x, w, shared ? Roles.SHARED_GATE : Roles.GATE, layer, expert);
        NDArray u = project(x, w, shared ? Roles.SHARED_UP : Roles.UP, layer, expert);
        NDArray h = c.clampedSwiglu() != null ? DjlMoe.clampedSwiglu(c.clampedSwiglu(), g, u) : activate(g).mul(u);
        return project(h, w, shared ? Roles.SHARED_DOWN : Roles.DOWN, layer, expert);
    }

    /**
     * Routed experts weighted by the family's routing. Every expert runs on every token and is
     * weighted by its routing weight (0 where not chosen): the same sum as sparse dispatch.
     */
    private NDArray experts(NDArray x, DjlWeights w, int layer) {
        ForwardConfig.Moe moe = c.moe();
        NDArray weights = DjlMoe.weights(c.routing(), moe, project(x, w, Roles.ROUTER, layer, 0),
            c.routing().correctionRole() == null ? null : w.matrix(c.routing().correctionRole(), layer, 0));
        NDArray y = x.zerosLike();
        for (int e = 0; e < moe.experts(); e++) {
            NDArray weight = weights.get("..., " + e + ":" + (e + 1));
            // Llama 4: the weight scales the expert's input
            y = y.add(c.routing().scalesInput() ? dense(x.mul(weight), w, layer, e, false) : dense(x, w, layer, e, false).mul(weight));
        }
        if (moe.sharedExpert()) {
            // Qwen2-MoE gates the shared expert by σ(w · x); DeepSeek adds it ungated
            NDArray shared = dense(x, w, layer, 0, true);
            y = y.add(w.optional(Roles.SHARED_EXPERT_GATE, layer, 0).map(g -> shared.mul(x.matMul(g.transpose()).neg().exp().add(1).pow(-1))).orElse(shared));
        }
        return y;
    }

    private NDArray activate(NDArray x) {
        return switch (c.activation()) {
            case SILU -> x.div(x.neg().exp().add(1));
            case GELU_ERF -> x.mul(0.5).mul(x.div(Math.sqrt(2)).erf().add(1));
            case GELU_TANH -> x.mul(0.5).mul(x.add(x.pow(3).mul(Activation.GELU_TANH_CUBIC)).mul(Activation.GELU_TANH_C).tanh().add(1));
            case RELU -> x.maximum(0);
        };
    }

    private NDArray project(NDArray x, DjlWeights w, String role, int layer, int expert) {
        NDArray y = x.matMul(w.matrix(role, layer, expert).transpose());
        return w.optional(Roles.bias(role), layer, expert).map(y::add).orElse(y);
    }
}
