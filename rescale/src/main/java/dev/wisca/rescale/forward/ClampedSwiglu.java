package dev.wisca.rescale.forward;

/**
 * gpt-oss's expert activation: gate clamped to at most {@code limit}, up clamped to ±{@code limit},
 * then (up + 1) · gate · σ(alpha · gate). The clamps and the +1 make it non-homogeneous in up and in
 * gate, which is why its spec skips the up/down pair.
 *
 * @param limit the clamp
 * @param alpha the sigmoid's slope
 */
public record ClampedSwiglu(double limit, double alpha) {
    double apply(double gate, double up) {
        double g = Math.min(gate, limit);
        double u = Math.max(-limit, Math.min(up, limit));
        return (u + 1) * g * ReferenceMath.sigmoid(alpha * g);
    }
}
