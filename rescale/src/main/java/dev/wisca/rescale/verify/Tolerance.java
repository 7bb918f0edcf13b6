package dev.wisca.rescale.verify;

import dev.wisca.io.WiscaException;
import java.util.Locale;
/**
 * When two outputs count as equal. {@link Derived} (the default) follows the stored dtypes: each
 * output may differ by {@code sigmas} standard deviations of the rounding error that storing the
 * weights in their dtypes introduces (propagated to first order through the block, see
 * {@link Noisy}), plus {@code floor} times the block's largest output for double arithmetic.
 * Bit-identical weights give identical arithmetic, so exactly zero difference, under either rule.
 * {@link Fixed} is the user's {@code --atol/--rtol}: |Δ| ≤ atol + rtol · (largest |output| of the block).
 */
public sealed interface Tolerance {
    /** The largest allowed |Δ| for an output with rounding variance {@code variance} in a block whose largest |output| is {@code scale}. */
    double bound(double variance, double scale);

    /** One line for the report. */
    String describe();

    /** The default: 8σ (a false alarm over a million outputs is about 1e-9 likely) plus 1e-12 relative. */
    static Tolerance derived() { return new Derived(8, 1e-12); }

    record Derived(double sigmas, double floor) implements Tolerance {
        @Override
        public double bound(double variance, double scale) { return sigmas * Math.sqrt(variance) + floor * scale; }

        @Override
        public String describe() {
            return "derived from stored dtypes: |Δ| ≤ " + fmt(sigmas) + "σ + " + fmt(floor) + "·scale per output, σ² = first-order variance of"
                + " weight rounding with u = 2^-(m_A+1) + 2^-(m_B+1) per tensor (m = mantissa bits), scale = largest |output| of the block";
        }
    }

    record Fixed(double atol, double rtol) implements Tolerance {
        public Fixed {
            if (!(atol >= 0) || !(rtol >= 0)) throw WiscaException.invalidArgument("atol and rtol must be >= 0, got " + atol + ", " + rtol);
        }

        @Override
        public double bound(double variance, double scale) { return atol + rtol * scale; }

        @Override
        public String describe() { return "user: |Δ| ≤ atol " + fmt(atol) + " + rtol " + fmt(rtol) + "·scale (largest |output| of the block)"; }
    }

    private static String fmt(double v) { return String.format(Locale.ROOT, "%.3g", v); }
}
