package dev.wisca.rescale.verify;

/**
 * A model that turns token sequences into next-token logits {@code [sequence][position][vocab]}:
 * what the full-mode check needs from a forward pass (the DJL and plain-Java forward models plug in
 * here through {@link ForwardProvider}).
 */
@FunctionalInterface
public interface LogitsSource {
    double[][][] logits(int[][] tokens);
}
