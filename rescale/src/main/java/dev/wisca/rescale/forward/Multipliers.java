package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ForwardRules.NumberRule;
import dev.wisca.rescale.spec.MultiplierRules;

/**
 * Scalar multipliers of a forward pass, as transformers applies them (Granite, Cohere): embeddings ×
 * {@code embedding}, q·k scores × {@code attention} instead of 1/√head_dim, each sublayer output ×
 * {@code residual} before it is added to the residual stream, logits × {@code logitScale} /
 * {@code logitDivisor}. All 1 (attention: NaN, "the family's default") for families without them.
 *
 * @param embedding    factor on the token embeddings
 * @param attention    factor on q·k scores, or NaN for the default 1/√query scale
 * @param residual     factor on each sublayer output before the residual add
 * @param logitScale   factor on the logits (Cohere {@code logit_scale})
 * @param logitDivisor divisor of the logits (Granite {@code logits_scaling})
 */
public record Multipliers(double embedding, double attention, double residual, double logitScale, double logitDivisor) {
    public static final Multipliers NONE = new Multipliers(1, Double.NaN, 1, 1, 1);

    public Multipliers {
        for (double f : new double[] {embedding, residual, logitScale, logitDivisor}) {
            if (!Double.isFinite(f)) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "a forward multiplier is " + f);
        }
        if (logitDivisor == 0) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "logits divisor (logits_scaling) is 0");
    }

    /** Reads the spec's multiplier rules from config.json; {@link #NONE} without rules. */
    static Multipliers resolve(MultiplierRules rules, JsonNode config) {
        if (rules == null) return NONE;
        return new Multipliers(or(rules.embedding(), config, 1, "embedding multiplier"),
            or(rules.attention(), config, Double.NaN, "attention multiplier"), or(rules.residual(), config, 1, "residual multiplier"),
            or(rules.logits(), config, 1, "logit scale"), or(rules.logitsDivisor(), config, 1, "logits divisor"));
    }

    /** The factor on q·k scores: the attention multiplier when the family has one, else {@code standard}. */
    double attentionOr(double standard) { return Double.isNaN(attention) ? standard : attention; }

    /** One logit after the multipliers, in transformers' order (× scale, then ÷ divisor; one of them is 1). */
    public double logit(double value) { return value * logitScale / logitDivisor; }

    private static double or(NumberRule rule, JsonNode config, double none, String what) {
        return rule == null ? none : ForwardConfigs.number(config, rule, what);
    }
}
