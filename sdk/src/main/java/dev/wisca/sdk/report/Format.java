package dev.wisca.sdk.report;

import java.util.Locale;

/** Number formats of the report. */
final class Format {
    private Format() {}

    /** A ratio with 3 significant digits: 1.00, 0.500, 12.3, 1.23e+04. */
    static String ratio(double r) {
        if (Double.isNaN(r)) return "NaN";
        if (Double.isInfinite(r)) return r > 0 ? "∞" : "-∞";
        double a = Math.abs(r);
        if (a != 0 && (a < 1e-3 || a >= 1e4)) return String.format(Locale.ROOT, "%.2e", r);
        String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", r);
        return s.endsWith("1.000") ? s.substring(0, s.length() - 1) : s;
    }

    /** A signed log value: +1.02, -0.50, 0.00. */
    static String signed(double x) {
        if (Double.isNaN(x)) return "NaN";
        String s = String.format(Locale.ROOT, "%+.2f", x);
        return s.equals("-0.00") || s.equals("+0.00") ? "0.00" : s;
    }

    /** 2^k as a factor label: 1, 2, 4, 1/2, 1/4, or 2^1.5. */
    static String power(double k) {
        if (k == Math.rint(k) && Math.abs(k) <= 10) {
            long v = 1L << (long) Math.abs(k);
            return k >= 0 ? Long.toString(v) : "1/" + v;
        }
        return ratio(Math.pow(2, k));
    }

    /** A non-negative log value with 2 decimals: 0.97, 0.00. */
    static String fixed(double x) {
        if (Double.isNaN(x)) return "—";
        return String.format(Locale.ROOT, "%.2f", x);
    }

    static String count(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        if (n >= 10_000L) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        return Long.toString(n);
    }

    static String number(double x) { return String.format(Locale.ROOT, "%.3g", x); }

    static String px(double x) { return String.format(Locale.ROOT, "%.1f", x); }
}
