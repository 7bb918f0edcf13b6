package dev.wisca.samples.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/** Mean cross-entropy (nats per byte) of logits {@code [b, t, vocab]} against next bytes {@code [b, t]}. */
public final class NextTokenLoss extends Loss {
    private final int vocab;

    public NextTokenLoss(int vocab) {
        super("next_token_ce");
        this.vocab = vocab;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logp = predictions.head().logSoftmax(-1);
        return logp.mul(labels.head().oneHot(vocab)).sum(new int[] {-1}).neg().mean();
    }
}
