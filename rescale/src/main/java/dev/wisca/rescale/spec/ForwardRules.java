package dev.wisca.rescale.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * The {@code forward} section of a spec: the forward-pass facts the storage and symmetry keys do not
 * carry, for the reference forward pass of {@code verify}: which norm roles feed which branch, and
 * the config keys of eps, activation, RoPE, softcapping and routing. Roles are the spec's role names;
 * config values are read like dims ({@code {"key": [...], "else": default}}, first present key wins,
 * dotted paths reach into objects).
 *
 * @param attnNorm     norm role(s) before attention, first bound wins
 * @param mlpNorm      norm role(s) before the MLP, first bound wins (may be the attention norm)
 * @param attnOutNorm  norm role(s) on the attention output before the residual (Gemma 2), or none
 * @param mlpOutNorm   norm role(s) on the MLP output before the residual (Gemma 2), or none
 * @param parallel     attention and MLP read the same residual when any listed config flag is true
 *                     (value: the flag's default when absent)
 * @param eps          norm epsilon
 * @param activation   MLP activation name (ACT2FN)
 * @param ropeTheta    RoPE base
 * @param ropeScaling  config keys holding a rope_scaling object, first present wins
 * @param embedScale   {@code none} or {@code sqrt_hidden} (Gemma: embeddings × √hidden)
 * @param queryScale   the value whose inverse square root scales attention scores (else head_dim)
 * @param attnSoftcap  the attention-score softcap (absent or null: none)
 * @param finalSoftcap the final-logit softcap
 * @param slidingWindow sliding-window attention ({@link SlidingRule}), or null when the family has none
 * @param moe          routing of a mixture-of-experts MLP, or null for dense
 * @param rejectIfTrue config flags the forward pass does not implement
 * @param multipliers  scalar multipliers on embeddings, scores, residual branches and logits ({@link MultiplierRules}), or null
 * @param slidingRope  the RoPE of the sliding-window layers when it differs from the other layers' (Gemma 3's
 *                     local base), or null: every layer uses {@code rope_theta} / {@code rope_scaling}
 * @param attentionSinks the role of per-head sink logits that join each attention softmax (gpt-oss), or null
 * @param clampedSwiglu  the experts' clamped SwiGLU (gpt-oss), or null for the plain gated activation
 * @param latentAttention multi-head latent attention (DeepSeek), or null for q/k/v attention
 * @param encoder      a bidirectional encoder (BERT, RoBERTa: post-LayerNorm blocks, no causal mask, learned
 *                     absolute and token-type embeddings, output last_hidden_state), or null for a causal LM
 * @param ropeLayers   the config key of a per-layer list, 1 where the layer applies RoPE and 0 where it does not
 *                     (Llama 4's {@code no_rope_layers}), or null: every layer rotates
 * @param temperatureTuning the attention temperature of the layers without RoPE (Llama 4), or null
 * @param l2QkNorm     whether the RoPE layers divide each q and k head by its RMS after RoPE, without a gain
 *                     (Llama 4's {@code use_qk_norm}), or null: no such norm
 * @param chunkedAttention chunked attention (Llama 4: a position sees the earlier positions of its own chunk) in
 *                     the layers config.json's {@code layer_types} calls {@code chunked_attention}, or null
 */
public record ForwardRules(
    @JsonProperty("attn_norm") List<String> attnNorm,
    @JsonProperty("mlp_norm") List<String> mlpNorm,
    @JsonProperty("attn_out_norm") List<String> attnOutNorm,
    @JsonProperty("mlp_out_norm") List<String> mlpOutNorm,
    LinkedHashMap<String, Boolean> parallel,
    NumberRule eps,
    TextRule activation,
    @JsonProperty("rope_theta") NumberRule ropeTheta,
    @JsonProperty("rope_scaling") List<String> ropeScaling,
    @JsonProperty("embed_scale") String embedScale,
    @JsonProperty("query_scale") NumberRule queryScale,
    @JsonProperty("attn_softcap") NumberRule attnSoftcap,
    @JsonProperty("final_softcap") NumberRule finalSoftcap,
    @JsonProperty("sliding_window") SlidingRule slidingWindow,
    MoeRule moe,
    @JsonProperty("reject_if_true") List<String> rejectIfTrue,
    MultiplierRules multipliers,
    @JsonProperty("sliding_rope") SlidingRopeRule slidingRope,
    @JsonProperty("attention_sinks") String attentionSinks,
    @JsonProperty("clamped_swiglu") ClampedSwigluRule clampedSwiglu,
    @JsonProperty("latent_attention") LatentRule latentAttention,
    EncoderRule encoder,
    @JsonProperty("rope_layers") String ropeLayers,
    @JsonProperty("temperature_tuning") TemperatureRule temperatureTuning,
    @JsonProperty("l2_qk_norm") NumberRule l2QkNorm,
    @JsonProperty("chunked_attention") ChunkedRule chunkedAttention) {

    public ForwardRules {
        attnNorm = orEmpty(attnNorm);
        mlpNorm = orEmpty(mlpNorm);
        attnOutNorm = orEmpty(attnOutNorm);
        mlpOutNorm = orEmpty(mlpOutNorm);
        parallel = parallel == null ? new LinkedHashMap<>() : parallel;
        ropeScaling = orEmpty(ropeScaling);
        embedScale = embedScale == null ? "none" : embedScale;
        rejectIfTrue = orEmpty(rejectIfTrue);
    }

    /** A number from the first present config key, else {@code else} (null: absent). Booleans read as 1/0. */
    public record NumberRule(List<String> key, Double otherwise) {
        @JsonCreator
        public NumberRule(@JsonProperty("key") List<String> key, @JsonProperty("else") Double otherwise) {
            this.key = orEmpty(key);
            this.otherwise = otherwise;
        }
    }

    /** A string from the first present config key, else {@code else}. */
    public record TextRule(List<String> key, String otherwise) {
        @JsonCreator
        public TextRule(@JsonProperty("key") List<String> key, @JsonProperty("else") String otherwise) {
            this.key = orEmpty(key);
            this.otherwise = otherwise;
        }
    }

    /**
     * Sliding-window attention as the family's transformers config defines it (see {@code forward.SlidingWindow}).
     *
     * @param size            the window length (absent or null: no window)
     * @param enabledBy       a config flag that must be true for any layer to slide (Qwen's
     *                        {@code use_sliding_window}), or null
     * @param layers          which layers slide when config.json has no {@code layer_types}: {@code all},
     *                        {@code from_max_window_layers} (layer ≥ max_window_layers), {@code even}
     *                        (0, 2, 4 …), {@code even_below_max_window_layers}
     * @param maxWindowLayers max_window_layers (key and default), for the patterns that use it
     * @param layerTypes      whether the family reads config.json's {@code layer_types} list
     */
    public record SlidingRule(NumberRule size, String enabledBy, String layers, NumberRule maxWindowLayers, boolean layerTypes) {
        @JsonCreator
        public SlidingRule(@JsonProperty("size") NumberRule size, @JsonProperty("enabled_by") String enabledBy,
                           @JsonProperty("layers") String layers, @JsonProperty("max_window_layers") NumberRule maxWindowLayers,
                           @JsonProperty("layer_types") Boolean layerTypes) {
            this(size, enabledBy, layers, maxWindowLayers, layerTypes != null && layerTypes);
        }

        public SlidingRule {
            Objects.requireNonNull(size, "sliding_window.size");
            layers = layers == null ? "all" : layers;
        }
    }

    /**
     * Top-k routing: softmax over experts, keep the k largest; renormalize them to sum 1 when
     * {@code renormalize} holds. A bound shared-expert role adds sigmoid(gate) · shared MLP.
     */
    public record MoeRule(NumberRule renormalize, String routing, NumberRule groups, NumberRule groupTopK, NumberRule scaling,
                          String correctionBias) {
        /** The routings the forward pass implements ({@code dev.wisca.rescale.forward.Routing}). */
        public static final List<String> ROUTINGS = List.of("softmax_topk", "topk_softmax", "sigmoid_grouped", "topk_sigmoid_input");

        /**
         * {@code routing}: {@code softmax_topk} (default: softmax over all experts, then top-k), {@code topk_softmax}
         * (gpt-oss) or {@code sigmoid_grouped} (DeepSeek: sigmoid scores, {@code groups} expert groups of which
         * {@code group_top_k} are kept by the sum of their two best scores plus the {@code correction_bias} role,
         * top-k among those, weights times {@code scaling}) or {@code topk_sigmoid_input} (Llama 4: σ of each of the k largest
         * logits multiplies that expert's input, not its output).
         */
        @JsonCreator
        public MoeRule(@JsonProperty("renormalize") NumberRule renormalize, @JsonProperty("routing") String routing,
                       @JsonProperty("groups") NumberRule groups, @JsonProperty("group_top_k") NumberRule groupTopK,
                       @JsonProperty("scaling") NumberRule scaling, @JsonProperty("correction_bias") String correctionBias) {
            this.renormalize = renormalize;
            this.routing = routing == null ? "softmax_topk" : routing;
            this.groups = groups;
            this.groupTopK = groupTopK;
            this.scaling = scaling;
            this.correctionBias = correctionBias;
        }
    }

    /**
     * DeepSeek's multi-head latent attention. The sizes are the spec's dims {@code q_lora} (0: a plain
     * {@code q_b} = q_proj), {@code kv_lora}, {@code nope}, {@code rope_dim} and {@code v_dim}.
     *
     * @param interleave whether the rotary dims are paired (2i, 2i + 1) ({@code rope_interleave}), else rotate_half
     * @param latentEps  the epsilon of the latent RMS norms (q_a_layernorm, kv_a_layernorm)
     */
    public record LatentRule(NumberRule interleave, @JsonProperty("latent_eps") NumberRule latentEps) {}

    /**
     * gpt-oss's expert activation: gate clamped to at most {@code limit}, up to ±{@code limit}, then
     * (up + 1) · gate · σ(alpha · gate).
     */
    public record ClampedSwigluRule(NumberRule limit, NumberRule alpha) {}

    /**
     * The RoPE of the sliding layers (Gemma 3: {@code rope_parameters.sliding_attention}, formerly
     * {@code rope_local_base_freq} without scaling).
     *
     * @param theta   its base
     * @param scaling config keys that may hold its rope_scaling object, first present wins (none: unscaled)
     */
    public record SlidingRopeRule(NumberRule theta, List<String> scaling) {
        @JsonCreator
        public SlidingRopeRule(@JsonProperty("theta") NumberRule theta, @JsonProperty("scaling") List<String> scaling) {
            this.theta = Objects.requireNonNull(theta, "sliding_rope.theta");
            this.scaling = orEmpty(scaling);
        }
    }

    /**
     * An encoder's embeddings (see {@code forward.Encoder}).
     *
     * @param positions {@code from_zero} (BERT: position t is t) or {@code after_padding} (RoBERTa: padding_idx + 1 +
     *                  the count of earlier non-pad tokens; a pad token gets padding_idx)
     * @param padToken  the padding id, for {@code after_padding}
     */
    public record EncoderRule(String positions, @JsonProperty("pad_token") NumberRule padToken) {
        public EncoderRule {
            positions = positions == null ? "from_zero" : positions;
        }
    }

    /**
     * Llama 4's attention temperature tuning in the layers without RoPE: q at position t is multiplied by
     * {@code log1p(floor((t + 1) / floor_scale)) · attn_scale + 1}.
     *
     * @param enabled    whether it is on (transformers' default for {@code attn_temperature_tuning} is true)
     * @param floorScale floor_scale
     * @param attnScale  attn_scale
     */
    public record TemperatureRule(NumberRule enabled, @JsonProperty("floor_scale") NumberRule floorScale,
                                  @JsonProperty("attn_scale") NumberRule attnScale) {
        public TemperatureRule {
            Objects.requireNonNull(enabled, "temperature_tuning.enabled");
            Objects.requireNonNull(floorScale, "temperature_tuning.floor_scale");
            Objects.requireNonNull(attnScale, "temperature_tuning.attn_scale");
        }
    }

    /**
     * Chunked attention (see {@code forward.ChunkedAttention}).
     *
     * @param size the chunk length (required: transformers refuses a model without one)
     */
    public record ChunkedRule(NumberRule size) {
        public ChunkedRule {
            Objects.requireNonNull(size, "chunked_attention.size");
        }
    }

    /** Every role name the rules refer to (for the spec's reference checks). */
    List<String> roles() {
        List<String> all = new ArrayList<>(attnNorm);
        all.addAll(mlpNorm);
        all.addAll(attnOutNorm);
        all.addAll(mlpOutNorm);
        if (attentionSinks != null) all.add(attentionSinks);
        if (moe != null && moe.correctionBias() != null) all.add(moe.correctionBias());
        return all;
    }

    private static List<String> orEmpty(List<String> l) { return l == null ? List.of() : List.copyOf(l); }
}
