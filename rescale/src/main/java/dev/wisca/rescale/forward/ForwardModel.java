package dev.wisca.rescale.forward;

/**
 * A causal language model that maps token sequences to logits. Implementations: {@link ReferenceForward}
 * (plain Java doubles, tiny models) and {@code dev.wisca.rescale.forward.djl.DjlForward} (DJL PyTorch).
 * Weights are read from the {@link ModelSource} on each call, so the source must stay open.
 */
public interface ForwardModel extends AutoCloseable {
    /** The resolved architecture facts this model runs with. */
    ForwardConfig config();

    /**
     * Logits {@code [batch, seq, vocab]} of equally long token sequences, each position attending to
     * itself and earlier positions of its own sequence. INVALID_ARGUMENT for ragged, empty or
     * out-of-vocabulary input.
     */
    Logits logits(int[][] tokens);

    @Override
    void close();
}
