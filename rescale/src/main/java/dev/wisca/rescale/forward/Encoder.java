package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ForwardRules.EncoderRule;

/**
 * A bidirectional encoder (BERT, RoBERTa): every position attends to every position (the attention
 * mask is all ones: verify feeds no padding), the embeddings are word + token type 0 (token type ids
 * are all zero, as transformers assumes when none are given) + a learned absolute position, then
 * LayerNorm; blocks are post-LayerNorm ({@link BlockLayout#POST_NORM}); the output is the last
 * hidden state, not logits.
 *
 * @param afterPadding  RoBERTa's position ids: padding_idx + 1 + the number of earlier non-pad tokens,
 *                      padding_idx for a pad token; else BERT's 0, 1, 2 …
 * @param padToken      the padding id ({@code afterPadding} only)
 * @param maxPositions  rows of the position table
 */
public record Encoder(boolean afterPadding, int padToken, int maxPositions) {

    /** The encoder of a spec's {@code forward.encoder} rule, or null for a causal LM. */
    static Encoder resolve(EncoderRule rule, JsonNode config, int maxPositions) {
        if (rule == null) return null;
        if (!rule.positions().equals("after_padding")) return new Encoder(false, -1, maxPositions);
        int pad = -1;
        for (String key : rule.padToken().key()) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null && n.isIntegralNumber()) {
                pad = n.intValue();
                break;
            }
        }
        if (pad < 0 && rule.padToken().otherwise() != null) pad = rule.padToken().otherwise().intValue();
        if (pad < 0) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json lacks "
                + String.join(" / ", rule.padToken().key()) + " (the padding id RoBERTa's position ids start after)");
        }
        return new Encoder(true, pad, maxPositions);
    }

    /** The position id of each token, as transformers computes them; INVALID_ARGUMENT past the position table. */
    public int[] positions(int[] tokens) {
        int[] out = new int[tokens.length];
        int seen = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (!afterPadding) {
                out[t] = t;
            } else if (tokens[t] == padToken) {
                out[t] = padToken;
            } else {
                out[t] = padToken + ++seen;
            }
            if (out[t] >= maxPositions) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, tokens.length + " tokens need position id " + out[t]
                    + ", beyond the " + maxPositions + " learned positions");
            }
        }
        return out;
    }
}
