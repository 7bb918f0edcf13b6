package dev.wisca.samples.experiment;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.wisca.hooks.djl.ParameterRenaming;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny llama-style causal LM in DJL: byte embedding, {@link DecoderLayer}s, final RMSNorm, untied
 * lm_head. Input: tokens {@code [batch, time]} (int32); output: logits {@code [batch, time, vocab]}.
 * DJL names the parameters by block path; {@link #HF_NAMES} renames them to the Hugging Face llama
 * names (and {@link #PEFT_NAMES} the adapters to PEFT's), so wisca's llama spec binds and the
 * written checkpoints load in transformers.
 */
public final class TinyLlama extends AbstractBlock {
    /** DJL block path → transformers name: {@code 02layer0_03k_proj_weight → model.layers.0.self_attn.k_proj.weight}. */
    public static final ParameterRenaming HF_NAMES = ParameterRenaming.rules(
        "^\\d\\dembed_tokens_weight$", "model.embed_tokens.weight",
        "^\\d\\dlayer(\\d+)_\\d\\d(input_layernorm|post_attention_layernorm)_weight$", "model.layers.$1.$2.weight",
        "^\\d\\dlayer(\\d+)_\\d\\d([qkvo]_proj)_weight$", "model.layers.$1.self_attn.$2.weight",
        "^\\d\\dlayer(\\d+)_\\d\\d((?:gate|up|down)_proj)_weight$", "model.layers.$1.mlp.$2.weight",
        "^\\d\\dlayer(\\d+)_\\d\\d([qv]_proj)_(lora_[AB])_weight$", "base_model.model.model.layers.$1.self_attn.$2.$3.weight",
        "^\\d\\dnorm_weight$", "model.norm.weight",
        "^\\d\\dlm_head_weight$", "lm_head.weight");

    private final LlamaConfig c;
    private final WeightBlock embed, norm, lmHead;
    private final List<DecoderLayer> layers = new ArrayList<>();

    /** @param lora adapters on q_proj/v_proj, or null */
    public TinyLlama(LlamaConfig c, DecoderLayer.Lora lora) {
        super((byte) 1);
        this.c = c;
        embed = addChildBlock("embed_tokens", new WeightBlock(new Shape(c.vocab(), c.hidden()), new NormalInitializer(0.02f)));
        for (int i = 0; i < c.layers(); i++) layers.add(addChildBlock("layer" + i, new DecoderLayer(c, lora)));
        norm = addChildBlock("norm", new WeightBlock(new Shape(c.hidden()), new ConstantInitializer(1f)));
        lmHead = addChildBlock("lm_head", new WeightBlock(new Shape(c.vocab(), c.hidden()), new NormalInitializer(0.02f)));
    }

    public LlamaConfig config() { return c; }

    /** Every parameter except the LoRA adapters. */
    public List<Parameter> baseParameters() {
        List<Parameter> out = new ArrayList<>(List.of(embed.weight(), norm.weight(), lmHead.weight()));
        for (DecoderLayer l : layers) out.addAll(List.of(l.baseParameters()));
        return out;
    }

    /** Every parameter's current values by transformers/PEFT name (f32, row-major). */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : getParameters()) out.put(HF_NAMES.apply(e.getKey()), e.getValue().getArray().toFloatArray());
        return out;
    }

    /** Every parameter's shape by transformers/PEFT name. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (var e : getParameters()) out.put(HF_NAMES.apply(e.getKey()), e.getValue().getArray().getShape().getShape());
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray tokens = inputs.head();
        Device d = tokens.getDevice();
        int t = (int) tokens.getShape().get(1);
        NDManager m = tokens.getManager();
        NDArray x = tokens.oneHot(c.vocab()).matMul(ps.getValue(embed.weight(), d, training));
        NDArray[] rope = rope(m, t);
        NDArray mask = causalMask(m, t);
        // Scalars as arrays owned by the step's manager: DJL's NDArray.mul(Number) wraps the number in a
        // temporary array it closes at once, whose buffer autograd may still read in backward.
        NDArray invSqrtHeadDim = m.create((float) (1 / Math.sqrt(c.headDim())));
        NDArray eps = m.create((float) c.rmsEps());
        NDArray loraScale = m.create((float) layers.get(0).loraScaling());
        for (DecoderLayer layer : layers) {
            x = layer.forward(ps, new NDList(x, rope[0], rope[1], mask, invSqrtHeadDim, eps, loraScale), training).head();
        }
        NDArray h = DecoderLayer.rmsNorm(x, ps.getValue(norm.weight(), d, training), eps);
        return new NDList(DecoderLayer.linear(h, ps.getValue(lmHead.weight(), d, training)));
    }

    /** cos/sin [t, head_dim] of transformers' default RoPE (inv_freq = theta^(-2i/d), halves duplicated). */
    private NDArray[] rope(NDManager m, int t) {
        int hd = c.headDim(), half = hd / 2;
        float[] cos = new float[t * hd], sin = new float[t * hd];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(c.ropeTheta(), -2.0 * i / hd);
                cos[p * hd + i] = cos[p * hd + i + half] = (float) Math.cos(angle);
                sin[p * hd + i] = sin[p * hd + i + half] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {m.create(cos, new Shape(t, hd)), m.create(sin, new Shape(t, hd))};
    }

    private static NDArray causalMask(NDManager m, int t) {
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) mask[i * t + j] = -1e9f;
        return m.create(mask, new Shape(t, t));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), c.vocab())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), c.hidden());
        for (var child : getChildren().values()) child.initialize(manager, dataType, hidden);
    }
}
