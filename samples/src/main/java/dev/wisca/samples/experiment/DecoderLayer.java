package dev.wisca.samples.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * One llama decoder layer as transformers computes it: pre-RMSNorm attention with RoPE (rotate_half
 * pairing d ↔ d + head_dim/2) and GQA (query head h reads KV head h / group), residual, pre-RMSNorm
 * SwiGLU MLP {@code down(silu(gate x) · up x)}, residual. Optional LoRA adapters on q_proj and v_proj:
 * {@code W x + (alpha/r) · B A x}.
 */
final class DecoderLayer extends AbstractBlock {
    private final LlamaConfig c;
    private final WeightBlock attnNorm, q, k, v, o, mlpNorm, gate, up, down;
    private final WeightBlock qLoraA, qLoraB, vLoraA, vLoraB;
    private final double loraScaling;

    DecoderLayer(LlamaConfig c, Lora lora) {
        super((byte) 1);
        this.c = c;
        Initializer normal = new NormalInitializer(0.02f);
        int h = c.hidden(), qd = c.heads() * c.headDim(), kvd = c.kvHeads() * c.headDim();
        attnNorm = addChildBlock("input_layernorm", new WeightBlock(new Shape(h), new ConstantInitializer(1f)));
        q = addChildBlock("q_proj", new WeightBlock(new Shape(qd, h), normal));
        k = addChildBlock("k_proj", new WeightBlock(new Shape(kvd, h), normal));
        v = addChildBlock("v_proj", new WeightBlock(new Shape(kvd, h), normal));
        o = addChildBlock("o_proj", new WeightBlock(new Shape(h, qd), normal));
        mlpNorm = addChildBlock("post_attention_layernorm", new WeightBlock(new Shape(h), new ConstantInitializer(1f)));
        gate = addChildBlock("gate_proj", new WeightBlock(new Shape(c.intermediate(), h), normal));
        up = addChildBlock("up_proj", new WeightBlock(new Shape(c.intermediate(), h), normal));
        down = addChildBlock("down_proj", new WeightBlock(new Shape(h, c.intermediate()), normal));
        if (lora != null) {
            Initializer aInit = new NormalInitializer((float) (1.0 / Math.sqrt(h)));
            qLoraA = addChildBlock("q_proj_lora_A", new WeightBlock(new Shape(lora.rank(), h), aInit));
            qLoraB = addChildBlock("q_proj_lora_B", new WeightBlock(new Shape(qd, lora.rank()), new ConstantInitializer(0f)));
            vLoraA = addChildBlock("v_proj_lora_A", new WeightBlock(new Shape(lora.rank(), h), aInit));
            vLoraB = addChildBlock("v_proj_lora_B", new WeightBlock(new Shape(kvd, lora.rank()), new ConstantInitializer(0f)));
            loraScaling = lora.alpha() / lora.rank();
        } else {
            qLoraA = qLoraB = vLoraA = vLoraB = null;
            loraScaling = 0;
        }
    }

    /** LoRA settings: rank r, alpha (scaling alpha / r). */
    record Lora(int rank, double alpha) {}

    /** The base weights (everything but the adapters), to freeze for LoRA fine-tuning. */
    Parameter[] baseParameters() {
        return new Parameter[] {attnNorm.weight(), q.weight(), k.weight(), v.weight(), o.weight(), mlpNorm.weight(),
            gate.weight(), up.weight(), down.weight()};
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray cos = inputs.get(1), sin = inputs.get(2), mask = inputs.get(3);
        NDArray invSqrtHeadDim = inputs.get(4), eps = inputs.get(5), loraScale = inputs.get(6);
        Device d = x.getDevice();
        long b = x.getShape().get(0), t = x.getShape().get(1);
        int hd = c.headDim();

        NDArray hNorm = rmsNorm(x, ps.getValue(attnNorm.weight(), d, training), eps);
        NDArray qx = project(hNorm, q, qLoraA, qLoraB, ps, d, training, loraScale);
        NDArray kx = project(hNorm, k, null, null, ps, d, training, loraScale);
        NDArray vx = project(hNorm, v, vLoraA, vLoraB, ps, d, training, loraScale);
        NDArray qh = rope(qx.reshape(b, t, c.heads(), hd).transpose(0, 2, 1, 3), cos, sin);
        NDArray kh = rope(kx.reshape(b, t, c.kvHeads(), hd).transpose(0, 2, 1, 3), cos, sin).repeat(1, c.groupSize());
        NDArray vh = vx.reshape(b, t, c.kvHeads(), hd).transpose(0, 2, 1, 3).repeat(1, c.groupSize());
        NDArray scores = qh.matMul(kh.transpose(0, 1, 3, 2)).mul(invSqrtHeadDim).add(mask);
        NDArray attn = scores.softmax(-1).matMul(vh).transpose(0, 2, 1, 3).reshape(b, t, (long) c.heads() * hd);
        NDArray h1 = x.add(linear(attn, ps.getValue(o.weight(), d, training)));

        NDArray m = rmsNorm(h1, ps.getValue(mlpNorm.weight(), d, training), eps);
        NDArray g = linear(m, ps.getValue(gate.weight(), d, training));
        NDArray u = linear(m, ps.getValue(up.weight(), d, training));
        NDArray mlp = linear(g.mul(Activation.sigmoid(g)).mul(u), ps.getValue(down.weight(), d, training));
        return new NDList(h1.add(mlp));
    }

    private NDArray project(NDArray x, WeightBlock w, WeightBlock a, WeightBlock bb, ParameterStore ps, Device d, boolean training,
                            NDArray loraScale) {
        NDArray y = linear(x, ps.getValue(w.weight(), d, training));
        if (a == null) return y;
        NDArray low = linear(x, ps.getValue(a.weight(), d, training));
        return y.add(linear(low, ps.getValue(bb.weight(), d, training)).mul(loraScale));
    }

    /** The LoRA scaling alpha / r (0 without adapters). */
    double loraScaling() { return loraScaling; }

    /** {@code x Wᵀ} for a weight stored [out, in]. */
    static NDArray linear(NDArray x, NDArray w) { return x.matMul(w.transpose()); }

    /** {@code x / sqrt(mean(x²) + eps) · w}; eps is a scalar array (see {@link TinyLlama#forwardInternal}). */
    static NDArray rmsNorm(NDArray x, NDArray w, NDArray eps) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(eps).sqrt()).mul(w);
    }

    /** rotate_half RoPE on [b, heads, t, hd] with cos/sin [t, hd] (halves duplicated). */
    static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) { return new Shape[] {inputShapes[0]}; }

    @Override
    protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        for (var child : getChildren().values()) child.initialize(manager, dataType, inputShapes);
    }
}
