package dev.wisca.rescale.solve;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.stats.Norm;

/**
 * How scales are chosen: {@code s_c = (targetRatio · N_consumers(c) / N_producers(c))^(alpha/2)},
 * clamped to {@code [minScale, maxScale]}, optionally rounded to a power of two, then limited so no
 * scaled value overflows its stored dtype. After scaling (alpha = 1),
 * {@code N_producers·s = targetRatio · N_consumers/s}.
 *
 * @param norm        how each side is measured (L1 is the paper's)
 * @param alpha       damping exponent; 1 balances fully, 0 leaves everything unchanged
 * @param minScale    smallest allowed scale (&gt; 0)
 * @param maxScale    largest allowed scale
 * @param targetRatio wanted N_producers/N_consumers after scaling
 * @param pow2        power-of-two rounding
 * @param foldNorms   solve norm sites by folding the gains into the following linears (s = gain)
 */
public record SolverOptions(Norm norm, double alpha, double minScale, double maxScale, double targetRatio,
                            Pow2Mode pow2, boolean foldNorms) {
    public static final double DEFAULT_MIN_SCALE = Math.scalb(1.0, -16);
    public static final double DEFAULT_MAX_SCALE = Math.scalb(1.0, 16);

    public SolverOptions {
        if (!(alpha >= 0 && Double.isFinite(alpha))) throw WiscaException.invalidArgument("alpha must be finite and >= 0, got " + alpha);
        if (!(minScale > 0 && minScale <= 1 && maxScale >= 1 && Double.isFinite(maxScale))) {
            throw WiscaException.invalidArgument("scale range must satisfy 0 < min <= 1 <= max < inf, got [" + minScale + ", " + maxScale + "]");
        }
        if (!(targetRatio > 0 && Double.isFinite(targetRatio))) throw WiscaException.invalidArgument("target ratio must be > 0, got " + targetRatio);
    }

    /** The paper's choice: L1, full balance, real or power-of-two scales by dtype, norms folded. */
    public static SolverOptions defaults() {
        return new SolverOptions(Norm.L1, 1.0, DEFAULT_MIN_SCALE, DEFAULT_MAX_SCALE, 1.0, Pow2Mode.AUTO, true);
    }

    public SolverOptions withNorm(Norm n) { return new SolverOptions(n, alpha, minScale, maxScale, targetRatio, pow2, foldNorms); }

    public SolverOptions withAlpha(double a) { return new SolverOptions(norm, a, minScale, maxScale, targetRatio, pow2, foldNorms); }

    public SolverOptions withClamp(double min, double max) { return new SolverOptions(norm, alpha, min, max, targetRatio, pow2, foldNorms); }

    public SolverOptions withTargetRatio(double t) { return new SolverOptions(norm, alpha, minScale, maxScale, t, pow2, foldNorms); }

    public SolverOptions withPow2(Pow2Mode p) { return new SolverOptions(norm, alpha, minScale, maxScale, targetRatio, p, foldNorms); }

    public SolverOptions withFoldNorms(boolean f) { return new SolverOptions(norm, alpha, minScale, maxScale, targetRatio, pow2, f); }
}
