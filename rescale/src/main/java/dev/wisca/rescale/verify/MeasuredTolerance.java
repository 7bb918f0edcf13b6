package dev.wisca.rescale.verify;

import java.util.Locale;

/**
 * Full mode's default tolerance, measured rather than assumed: A's forward pass is run again with
 * every tensor that differs between A and B perturbed by its rounding error ({@link RoundingPerturbation},
 * {@value #SEEDS} seeds); the largest logit deviation this produces is what re-rounding the changed
 * weights can explain, and the tolerance is {@value #MULTIPLE} times it. A correct rescale re-rounds
 * each changed weight once by at most that much (with a smaller variance than the sign-only
 * perturbation), so it stays well inside; a matrix scaled by 1.1, swapped heads or a changed norm
 * gain move the logits by a fixed fraction that no rounding explains.
 *
 * @param changed      tensors perturbed (those that differ between A and B)
 * @param largestU     the largest relative rounding of any of them
 * @param maxDeviation largest |Δlogit| over the seeds, sequences, positions and vocabulary
 * @param atol         {@value #MULTIPLE} · maxDeviation: the allowed |Δlogit|
 * @param rtol         plus this times the sequence's largest |logit|: the compute precision's own noise
 *                     (1e-12 in F64, 1e-5 in F32)
 * @param output       what the deviation is of: logits, or an encoder's last_hidden_state
 */
public record MeasuredTolerance(int changed, double largestU, double maxDeviation, double atol, double rtol, ComparedOutput output) {
    /** Perturbation seeds: the largest deviation over three independent draws. */
    public static final int SEEDS = 3;
    /** Head room over the measured deviation (a correct bf16 rescale lands near 0.2 of the measurement). */
    public static final double MULTIPLE = 4;

    static MeasuredTolerance of(ChangedTensors changed, double maxDeviation, double rtol, ComparedOutput output) {
        return new MeasuredTolerance(changed.count(), changed.largest(), maxDeviation, MULTIPLE * maxDeviation, rtol, output);
    }

    Tolerance tolerance() { return new Tolerance.Fixed(atol, rtol); }

    /** The rule in words, with the numbers. */
    public String describe() {
        double floor = rtol;
        String e = output.element();
        if (changed == 0) {
            return String.format(Locale.ROOT, "measured: no tensor differs between A and B, so |Δ%s| ≤ %.0e·max|%s| (compute noise only)", e, floor, e);
        }
        return String.format(Locale.ROOT, "measured: |Δ%s| ≤ %.3g = %.0f × %.3g + %.0e·max|%s|, where %.3g is the largest %s deviation "
            + "of A with its %d changed tensors perturbed by their rounding (each element × (1 ± u), random signs, u up to %.3g = half an ulp, "
            + "%d seeds)", e, atol, MULTIPLE, maxDeviation, floor, e, maxDeviation, e, changed, largestU, SEEDS);
    }
}
