package dev.wisca.rescale.forward;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The forward-pass facts of one family that its architecture spec does not carry (the spec describes
 * storage and symmetries), read from {@code forward/<model_type>.json}: which norm roles feed which
 * branch, config keys of eps, activation, RoPE, softcapping and routing. Roles are spec role names.
 *
 * @param modelType    the family
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
 * @param queryScale   keys of the value whose inverse square root scales attention scores (else head_dim)
 * @param attnSoftcap  keys of the attention-score softcap (absent or null: none)
 * @param finalSoftcap keys of the final-logit softcap
 * @param slidingWindow sliding-window attention ({@link SlidingRule}), or null when the family has none
 * @param moe          routing of a mixture-of-experts MLP, or null for dense
 * @param rejectIfTrue config flags the forward pass does not implement
 */
public record FamilyRules(
    @JsonProperty("model_type") String modelType,
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
    @JsonProperty("reject_if_true") List<String> rejectIfTrue) {

    static final String RESOURCE_DIR = "/dev/wisca/rescale/forward/";

    public FamilyRules {
        attnNorm = orEmpty(attnNorm);
        mlpNorm = orEmpty(mlpNorm);
        attnOutNorm = orEmpty(attnOutNorm);
        mlpOutNorm = orEmpty(mlpOutNorm);
        parallel = parallel == null ? new LinkedHashMap<>() : parallel;
        ropeScaling = orEmpty(ropeScaling);
        embedScale = embedScale == null ? "none" : embedScale;
        rejectIfTrue = orEmpty(rejectIfTrue);
    }

    /** A number from the first present config key (dotted paths reach into objects), else {@code else} (null: absent). */
    public record NumberRule(List<String> keys, Double otherwise) {
        @JsonCreator
        public NumberRule(@JsonProperty("keys") List<String> keys, @JsonProperty("else") Double otherwise) {
            this.keys = orEmpty(keys);
            this.otherwise = otherwise;
        }
    }

    /** A string from the first present config key, else {@code else}. */
    public record TextRule(List<String> keys, String otherwise) {
        @JsonCreator
        public TextRule(@JsonProperty("keys") List<String> keys, @JsonProperty("else") String otherwise) {
            this.keys = orEmpty(keys);
            this.otherwise = otherwise;
        }
    }

    /**
     * Sliding-window attention as the family's transformers config defines it (see {@link SlidingWindow}).
     *
     * @param size            keys of the window length (absent or null: no window)
     * @param enabledBy       a config flag that must be true for any layer to slide (Qwen's
     *                        {@code use_sliding_window}), or null
     * @param layers          which layers slide when config.json has no {@code layer_types}: {@code all},
     *                        {@code from_max_window_layers} (layer ≥ max_window_layers), {@code even}
     *                        (0, 2, 4 …), {@code even_below_max_window_layers}
     * @param maxWindowLayers keys (and default) of max_window_layers, for the patterns that use it
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
            java.util.Objects.requireNonNull(size, "sliding_window.size");
            layers = layers == null ? "all" : layers;
        }
    }

    /**
     * Top-k routing: softmax over experts, keep the k largest; renormalize them to sum 1 when
     * {@code renormalize} holds. A bound shared-expert role adds sigmoid(gate) · shared MLP.
     */
    public record MoeRule(NumberRule renormalize) {}

    private static List<String> orEmpty(List<String> l) { return l == null ? List.of() : List.copyOf(l); }

    /** The rules of {@code modelType}; UNKNOWN_ARCHITECTURE when the forward pass does not know it. */
    public static FamilyRules of(String modelType) {
        Path source = Path.of("builtin", "forward", modelType + ".json");
        try (InputStream in = FamilyRules.class.getResourceAsStream(RESOURCE_DIR + modelType + ".json")) {
            if (in == null) {
                throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, "no reference forward pass for model_type '"
                    + modelType + "' (add " + RESOURCE_DIR + modelType + ".json)");
            }
            FamilyRules rules = SpecReader.bind(in, source, FamilyRules.class);
            if (!modelType.equals(rules.modelType())) {
                throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "model_type is '" + rules.modelType() + "'");
            }
            return rules;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, source, null, e.getMessage(), e);
        }
    }
}
