package dev.wisca.rescale.forward;

/**
 * The error function in double precision, which the JDK lacks. Small |x|: the all-positive series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (no cancellation). Large |x|: erfc by its
 * continued fraction, so 1 + erf(x) keeps its relative accuracy for very negative x.
 */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double SERIES_LIMIT = 3;

    private Erf() {}

    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        double r = a < SERIES_LIMIT ? series(a) : 1 - erfcLarge(a);
        return Math.copySign(r, x);
    }

    /** 1 + erf(x), accurate also where it is tiny (x ≪ 0). */
    static double onePlusErf(double x) {
        if (Double.isNaN(x)) return x;
        if (x >= 0) return 1 + erf(x);
        double a = -x;
        return a < SERIES_LIMIT ? 1 - series(a) : erfcLarge(a);
    }

    private static double series(double a) {
        double x2 = a * a;
        double term = a;
        double sum = a;
        for (int n = 1; n < 200 && term > sum * 1e-18; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    /** erfc(a) for a ≥ 3: e^(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))), Lentz's method. */
    private static double erfcLarge(double a) {
        if (a > 27) return 0;
        double tiny = 1e-300;
        double f = a;
        double c = a;
        double d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n / 2.0;
            d = a + an * d;
            d = d == 0 ? tiny : d;
            c = a + an / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
}
