package dev.wisca.rescale.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.wisca.rescale.spec.ForwardRules.NumberRule;

/**
 * The {@code forward.multipliers} section: scalar factors a family applies in its forward pass
 * (Granite's embedding/attention/residual multipliers and logits scaling, Cohere's logit scale). Each
 * is a number rule; an absent rule means "no factor". Scalars commute with every per-channel site, so
 * they change no symmetry, only what the forward pass computes.
 *
 * @param embedding     factor on the token embeddings (Granite {@code embedding_multiplier})
 * @param attention     factor on q·k scores, replacing 1/√head_dim (Granite {@code attention_multiplier})
 * @param residual      factor on each sublayer output before the residual add (Granite {@code residual_multiplier})
 * @param logits        factor on the logits (Cohere {@code logit_scale})
 * @param logitsDivisor divisor of the logits (Granite {@code logits_scaling})
 */
public record MultiplierRules(
    NumberRule embedding,
    NumberRule attention,
    NumberRule residual,
    NumberRule logits,
    @JsonProperty("logits_divisor") NumberRule logitsDivisor) {
}
