package dev.wisca.rescale.solve;

import dev.wisca.rescale.backend.ElementAccess;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.stats.ChannelStats;
import dev.wisca.rescale.stats.SiteStats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a site's statistics into one scale per channel. Per channel, in order: the balancing scale
 * {@code (ratio·N_c/N_p)^(α/2)} (or, folding a norm site, the gain itself); degenerate norms give 1;
 * the scale range; power-of-two rounding ({@code 2^rint(log2 s)}, so a balanced channel stays at
 * exactly 1); and the overflow bound of every member's dtype from its max|w| (rounded inward in
 * power-of-two mode so the bound still holds).
 */
public final class Solver {
    private Solver() {}

    public static SiteSolution solve(SiteStats stats, SolverOptions options) {
        Site site = stats.site();
        boolean pow2 = options.pow2().resolve(stats.dtypes());
        boolean fold = options.foldNorms() && site.pair() == Pair.NORM;
        ChannelStats producers = stats.producers();
        ChannelStats consumers = stats.consumers();
        ChannelStats gain = fold ? firstConsumer(stats) : null;
        NoteLog notes = new NoteLog();
        double[] scales = new double[site.channels()];
        for (int c = 0; c < scales.length; c++) {
            double np = producers.norm(options.norm(), c);
            double nc = consumers.norm(options.norm(), c);
            double wanted = fold ? foldScale(gain, c) : balanceScale(np, nc, options);
            if (Double.isNaN(wanted)) {
                notes.add(Note.Kind.DEGENERATE, c, fold ? "gain is zero, negative or not finite: s = 1"
                    : "a side's norm is zero or not finite: s = 1");
                scales[c] = 1.0;
                continue;
            }
            scales[c] = bounded(stats, c, wanted, pow2, options, notes);
        }
        return new SiteSolution(site, scales, report(stats, scales, pow2, fold, options, notes));
    }

    /** The balancing scale, or NaN when either side is degenerate. */
    static double balanceScale(double np, double nc, SolverOptions options) {
        if (!(np > 0 && nc > 0 && Double.isFinite(np) && Double.isFinite(nc))) return Double.NaN;
        return Math.pow(options.targetRatio() * nc / np, options.alpha() / 2);
    }

    private static double foldScale(ChannelStats gain, int c) {
        if (gain.count()[c] == 0) return Double.NaN;
        double g = gain.sum()[c] / gain.count()[c];
        return g > 0 && Double.isFinite(g) ? g : Double.NaN;
    }

    /** The gain of a norm site: its first consumer (spec convention: the gain precedes any LayerNorm bias). */
    private static ChannelStats firstConsumer(SiteStats stats) {
        List<Member> members = stats.site().members();
        for (int m = 0; m < members.size(); m++) if (!members.get(m).isProducer()) return stats.members().get(m);
        return ChannelStats.empty(stats.site().channels());
    }

    private static double bounded(SiteStats stats, int c, double wanted, boolean pow2, SolverOptions options, NoteLog notes) {
        double s = pow2 ? roundPow2(wanted) : wanted;
        // With pow2 the bounds are themselves powers of two inside [minScale, maxScale] (min rounded up,
        // max rounded down): clamping to them keeps s a power of two, so the scaled weights stay
        // bit-exact and the plan stays losslessly invertible; clamping to a raw bound would not.
        double lo = pow2 ? Math.scalb(1.0, Math.getExponent(options.minScale()) + (isPow2(options.minScale()) ? 0 : 1)) : options.minScale();
        double hi = pow2 ? Math.scalb(1.0, Math.getExponent(options.maxScale())) : options.maxScale();
        if (s < lo || s > hi) {
            s = Math.min(hi, Math.max(lo, s));
            notes.add(Note.Kind.RANGE_CLAMPED, c, "wanted scale outside [" + options.minScale() + ", " + options.maxScale() + "]");
        }
        double overflowLo = 0, overflowHi = Double.POSITIVE_INFINITY;
        List<Member> members = stats.site().members();
        for (int m = 0; m < members.size(); m++) {
            double max = stats.members().get(m).absMax()[c];
            if (!(max > 0)) continue;
            double limit = ElementAccess.maxFinite(stats.dtypes().get(m));
            if (members.get(m).isProducer()) overflowHi = Math.min(overflowHi, limit / max);
            else overflowLo = Math.max(overflowLo, max / limit);
        }
        if (pow2) {
            overflowHi = Double.isInfinite(overflowHi) ? overflowHi : Math.scalb(1.0, Math.getExponent(overflowHi));
            overflowLo = overflowLo == 0 ? 0 : ceilPow2(overflowLo);
        }
        if (overflowLo > overflowHi) {
            notes.add(Note.Kind.OVERFLOW_UNAVOIDABLE, c, "no scale keeps every member within its dtype: s = 1");
            return 1.0;
        }
        if (s > overflowHi || s < overflowLo) {
            s = Math.min(overflowHi, Math.max(overflowLo, s));
            notes.add(Note.Kind.OVERFLOW_CLAMPED, c, "scale limited so that scaled values stay finite in their dtype");
        }
        return s;
    }

    /**
     * The power of two nearest to {@code s} in log2 (positive, finite, normal {@code s}): {@code 2^e} with
     * {@code s = m · 2^e}, {@code 1 <= m < 2}, rounded up to {@code 2^(e+1)} when {@code m >= √2}. Exact: the
     * exponent comes from the bits ({@link Math#getExponent}), and the one comparison is against the double
     * nearest √2, so there is no {@code log(s)/log(2)} rounding to flip a result near a power of two or
     * at the midpoint. {@code s = 1} and every value in [1/√2, √2) give exactly 1.
     */
    public static double roundPow2(double s) {
        int e = Math.getExponent(s);
        double mantissa = Math.scalb(s, -e);
        return Math.scalb(1.0, mantissa >= SQRT2 ? e + 1 : e);
    }

    private static final double SQRT2 = Math.sqrt(2);

    private static boolean isPow2(double v) { return v == Math.scalb(1.0, Math.getExponent(v)); }

    private static double ceilPow2(double v) {
        return isPow2(v) ? v : Math.scalb(1.0, Math.getExponent(v) + 1);
    }

    private static SiteReport report(SiteStats stats, double[] scales, boolean pow2, boolean fold,
                                     SolverOptions options, NoteLog notes) {
        ChannelStats p = stats.producers(), q = stats.consumers();
        double min = Double.POSITIVE_INFINITY, max = 0, logSum = 0, before = 0, after = 0;
        for (int c = 0; c < scales.length; c++) {
            min = Math.min(min, scales[c]);
            max = Math.max(max, scales[c]);
            logSum += Math.log(scales[c]);
            double np = p.norm(options.norm(), c), nc = q.norm(options.norm(), c);
            if (Double.isNaN(balanceScale(np, nc, options))) continue;
            double ratio = np / (options.targetRatio() * nc);
            before = Math.max(before, Math.abs(log2(ratio)));
            after = Math.max(after, Math.abs(log2(ratio * scales[c] * scales[c])));
        }
        double geoMean = scales.length == 0 ? 1.0 : Math.exp(logSum / scales.length);
        Site site = stats.site();
        return new SiteReport(site.id(), site.pair(), site.channels(), options.norm(), pow2, fold,
            scales.length == 0 ? 1.0 : min, scales.length == 0 ? 1.0 : max, geoMean, before, after, notes.notes());
    }

    private static double log2(double v) { return Math.log(v) / Math.log(2); }

    /** Collapses per-channel events into one note per kind. */
    private static final class NoteLog {
        private final Map<Note.Kind, int[]> counts = new EnumMap<>(Note.Kind.class);
        private final Map<Note.Kind, String> details = new EnumMap<>(Note.Kind.class);

        void add(Note.Kind kind, int channel, String detail) {
            int[] entry = counts.computeIfAbsent(kind, k -> new int[] {0, channel});
            entry[0]++;
            details.putIfAbsent(kind, detail);
        }

        List<Note> notes() {
            List<Note> out = new ArrayList<>();
            counts.forEach((kind, e) -> out.add(new Note(kind, e[0], e[1], details.get(kind))));
            return out;
        }
    }

}
