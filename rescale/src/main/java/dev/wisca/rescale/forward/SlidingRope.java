package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.rescale.spec.ForwardRules.SlidingRopeRule;

/**
 * Two RoPE bases in one model (Gemma 3): the sliding-window layers rotate with their own base and
 * scaling ({@code rope_parameters.sliding_attention}, or the older {@code rope_local_base_freq}), the
 * full-attention layers with {@code rope_theta} and its scaling. Which layers slide is the model's
 * {@link SlidingWindow} (its {@code layer_types}).
 */
public final class SlidingRope {
    private SlidingRope() {}

    /** The sliding layers' rope, or null when the family has one rope for every layer (or no RoPE). */
    static Rope resolve(SlidingRopeRule rule, int rotaryDims, JsonNode config) {
        if (rule == null || rotaryDims == 0) return null;
        return Rope.of(rotaryDims, ForwardConfigs.number(config, rule.theta(), "sliding-layer rope theta"),
            ForwardConfigs.firstObject(config, rule.scaling()), config);
    }

    /** The rope layer {@code layer} rotates q and k with. */
    static Rope of(ForwardConfig c, int layer) {
        return c.slidingRope() != null && c.slidingWindow().sliding().get(layer) ? c.slidingRope() : c.rope();
    }
}
