package dev.wisca.rescale.verify;

import dev.wisca.rescale.spec.ArchSpec;

/**
 * What full mode compares, so reports name it: a causal LM's logits, or an encoder's last hidden state
 * (BERT, RoBERTa: their task heads pass through, so the output verify computes is last_hidden_state).
 * Probe mode compares block outputs ({@link #BLOCKS}).
 */
public enum ComparedOutput {
    LOGITS("logits", "logit"),
    LAST_HIDDEN_STATE("last_hidden_state", "last_hidden_state"),
    BLOCKS("blocks", "block output");

    private final String jsonName;
    private final String element;

    ComparedOutput(String jsonName, String element) {
        this.jsonName = jsonName;
        this.element = element;
    }

    /** Full mode's output for a family: last_hidden_state for an encoder spec, else logits. */
    static ComparedOutput fullOf(ArchSpec spec) {
        return spec.forward().map(f -> f.encoder() != null).orElse(false) ? LAST_HIDDEN_STATE : LOGITS;
    }

    /** Its name in reports and JSON ({@code "output"}): logits, last_hidden_state, blocks. */
    public String jsonName() { return jsonName; }

    /** One element of it, as in |Δlogit|. */
    public String element() { return element; }
}
