package dev.wisca.rescale.solve;

import static dev.wisca.rescale.fixtures.Sites.consumer;
import static dev.wisca.rescale.fixtures.Sites.producer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.stats.ChannelStats;
import dev.wisca.rescale.stats.Norm;
import dev.wisca.rescale.stats.SiteStats;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SolverTest {
    private static final SolverOptions REAL = SolverOptions.defaults().withPow2(Pow2Mode.OFF);

    /** Two channels; producers: two members, consumers: one. Per channel: {Σw, Σ|w|, Σw², max|w|, count}. */
    private static SiteStats handMade(Dtype dtype, Pair pair) {
        Site site = new Site("layers.0.test", pair, 0, 2, List.of(
            producer("a", Axis.ROWS, new int[] {0, 1}), producer("b", Axis.ROWS, new int[] {0, 1}),
            consumer("c", Axis.COLS, new int[] {0, 1})));
        ChannelStats a = stats(new double[][] {{1, 2, 3, 1.5, 4}, {0, 1, 1, 0.5, 4}});
        ChannelStats b = stats(new double[][] {{0, 6, 12, 3, 4}, {2, 3, 5, 2, 4}});
        ChannelStats c = stats(new double[][] {{1, 32, 400, 10, 8}, {-1, 1, 0.25, 0.25, 8}});
        return new SiteStats(site, List.of(a, b, c), List.of(dtype, dtype, dtype));
    }

    private static ChannelStats stats(double[][] perChannel) {
        ChannelStats s = ChannelStats.empty(perChannel.length);
        for (int c = 0; c < perChannel.length; c++) {
            s.sum()[c] = perChannel[c][0];
            s.absSum()[c] = perChannel[c][1];
            s.sqSum()[c] = perChannel[c][2];
            s.absMax()[c] = perChannel[c][3];
            s.count()[c] = (long) perChannel[c][4];
        }
        return s;
    }

    @Test
    void l1ScalesAreRootOfConsumerOverProducerNorms() {
        SiteSolution s = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL);
        assertEquals(Math.sqrt(32.0 / 8.0), s.scale(0), 0);           // producers 2 + 6, consumers 32
        assertEquals(Math.sqrt(1.0 / 4.0), s.scale(1), 0);
        assertFalse(s.report().pow2());
        assertEquals(2.0, s.report().imbalanceBefore(), 1e-15);       // |log2(8/32)| and |log2(4/1)|
        assertEquals(0.0, s.report().imbalanceAfter(), 1e-15);
    }

    @Test
    void l2AndMaxCombineMembersAsOneVector() {
        SiteSolution l2 = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withNorm(Norm.L2));
        assertEquals(Math.sqrt(Math.sqrt(400.0) / Math.sqrt(15.0)), l2.scale(0), 1e-15);
        assertEquals(Math.sqrt(Math.sqrt(0.25) / Math.sqrt(6.0)), l2.scale(1), 1e-15);
        SiteSolution max = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withNorm(Norm.MAX));
        assertEquals(Math.sqrt(10.0 / 3.0), max.scale(0), 1e-15);
        assertEquals(Math.sqrt(0.25 / 2.0), max.scale(1), 1e-15);
        assertEquals(Norm.MAX, max.report().norm());
    }

    @Test
    void alphaDampsAndTargetRatioShiftsTheBalance() {
        SiteSolution half = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withAlpha(0.5));
        assertEquals(Math.pow(4.0, 0.25), half.scale(0), 1e-15);
        SiteSolution none = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withAlpha(0));
        assertEquals(1.0, none.scale(0), 0);
        SiteSolution ratio = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withTargetRatio(2));
        assertEquals(Math.sqrt(2 * 32.0 / 8.0), ratio.scale(0), 1e-15);   // N_p·s = 2·N_c/s
        assertEquals(0.0, ratio.report().imbalanceAfter(), 1e-15);
    }

    @Test
    void clampLimitsScalesAndSaysSo() {
        SiteSolution s = Solver.solve(handMade(Dtype.F32, Pair.QK), REAL.withClamp(0.75, 1.5));
        assertEquals(1.5, s.scale(0), 0);
        assertEquals(0.75, s.scale(1), 0);
        Note note = s.report().notes().getFirst();
        assertEquals(Note.Kind.RANGE_CLAMPED, note.kind());
        assertEquals(2, note.channels());
    }

    @Test
    void pow2RoundsTheExponentAndAutoFollowsTheDtype() {
        SiteSolution bf16 = Solver.solve(handMade(Dtype.BF16, Pair.QK), SolverOptions.defaults().withNorm(Norm.L2));
        assertTrue(bf16.report().pow2());
        // sqrt(20/sqrt(15)) = 2^1.18 -> 2; sqrt(0.5/sqrt(6)) = 2^-1.15 -> 1/2
        assertEquals(2.0, bf16.scale(0), 0);
        assertEquals(0.5, bf16.scale(1), 0);
        SiteSolution f32 = Solver.solve(handMade(Dtype.F32, Pair.QK), SolverOptions.defaults());
        assertFalse(f32.report().pow2());
        SiteSolution forced = Solver.solve(handMade(Dtype.F32, Pair.QK), SolverOptions.defaults().withPow2(Pow2Mode.ON));
        assertEquals(2.0, forced.scale(0), 0);   // sqrt(4)
        assertEquals(0.5, forced.scale(1), 0);
        assertEquals(1.0, Solver.roundPow2(Math.sqrt(2) * 0.999), 0);
        assertEquals(2.0, Solver.roundPow2(Math.sqrt(2) * 1.001), 0);
    }

    @Test
    void roundPow2IsExactAtTheSqrt2BoundariesOfEveryExponent() {
        for (int e = -60; e <= 60; e++) {
            double boundary = Math.scalb(Math.sqrt(2), e);   // exact: scaling by 2^e keeps the mantissa
            double p = Math.scalb(1.0, e);
            assertEquals(p, Solver.roundPow2(p), 0, "2^" + e);
            assertEquals(p, Solver.roundPow2(Math.nextDown(boundary)), 0, "just below sqrt2 * 2^" + e);
            assertEquals(2 * p, Solver.roundPow2(boundary), 0, "sqrt2 * 2^" + e);
            assertEquals(p, Solver.roundPow2(Math.nextUp(Math.scalb(Math.sqrt(2), e - 1))), 0, "just above sqrt2 * 2^" + (e - 1));
            assertEquals(2 * p, Solver.roundPow2(Math.nextDown(2 * p)), 0, "just below 2^" + (e + 1));
        }
    }

    @Test
    void roundPow2AgreesWithAnExactComparisonOfSquares() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            double s = Math.exp((random.nextDouble() - 0.5) * 80);
            int e = Math.getExponent(s);
            // s >= sqrt2 * 2^e  <=>  s^2 >= 2^(2e+1), decided exactly in BigDecimal
            BigDecimal square = new BigDecimal(s).pow(2);
            BigDecimal bound = new BigDecimal(Math.scalb(1.0, 2 * e + 1));
            double expected = Math.scalb(1.0, square.compareTo(bound) >= 0 ? e + 1 : e);
            assertEquals(expected, Solver.roundPow2(s), 0, "s = " + s);
        }
    }

    @Test
    void degenerateChannelsGetOneAndANote() {
        Site site = new Site("lora", Pair.LORA, 0, 3, List.of(producer("A", Axis.ROWS, new int[] {0, 1, 2}),
            consumer("B", Axis.COLS, new int[] {0, 1, 2})));
        ChannelStats a = stats(new double[][] {{0, 4, 0, 1, 4}, {0, Double.NaN, 0, 1, 4}, {0, 4, 0, 1, 4}});
        ChannelStats b = stats(new double[][] {{0, 0, 0, 0, 4}, {0, 1, 0, 1, 4}, {0, Double.POSITIVE_INFINITY, 0, 1, 4}});
        SiteSolution s = Solver.solve(new SiteStats(site, List.of(a, b), List.of(Dtype.F32, Dtype.F32)), REAL);
        assertEquals(1.0, s.scale(0), 0);
        assertEquals(1.0, s.scale(1), 0);
        assertEquals(1.0, s.scale(2), 0);
        Note note = s.report().notes().getFirst();
        assertEquals(Note.Kind.DEGENERATE, note.kind());
        assertEquals(3, note.channels());
        assertEquals(0, note.firstChannel());
    }

    @Test
    void f16OverflowIsPreventedWithTheMaxStatistics() {
        Site site = new Site("qk", Pair.QK, 0, 1, List.of(producer("q", Axis.ROWS, new int[] {0}),
            consumer("k", Axis.ROWS, new int[] {0})));
        // wants s = sqrt(1e6/1) = 1000, but q's largest value is 1000: 1000·1000 > 65504
        ChannelStats q = stats(new double[][] {{0, 1, 0, 1000, 4}});
        ChannelStats k = stats(new double[][] {{0, 1e6, 0, 20000, 4}});
        SiteStats stats = new SiteStats(site, List.of(q, k), List.of(Dtype.F16, Dtype.F16));
        SiteSolution real = Solver.solve(stats, REAL);
        assertEquals(65.504, real.scale(0), 1e-12);
        assertEquals(Note.Kind.OVERFLOW_CLAMPED, real.report().notes().getFirst().kind());
        SiteSolution pow2 = Solver.solve(stats, SolverOptions.defaults());
        assertEquals(64.0, pow2.scale(0), 0);          // 2^floor(log2 65.504), never rounded up past the limit
        assertTrue(1000 * pow2.scale(0) <= 65504);
    }

    @Test
    void foldModeTakesTheGainAsTheScale() {
        Site site = new Site("norm", Pair.NORM, 0, 2, List.of(producer("q", Axis.COLS, new int[] {0, 1}),
            new Member("g", -1, Axis.ROWS, new int[] {0, 1}, -1, false)));
        ChannelStats q = stats(new double[][] {{0, 3, 0, 1, 4}, {0, 5, 0, 1, 4}});
        ChannelStats g = stats(new double[][] {{1.75, 1.75, 0, 1.75, 1}, {-0.5, 0.5, 0, 0.5, 1}});
        SiteSolution s = Solver.solve(new SiteStats(site, List.of(q, g), List.of(Dtype.F32, Dtype.F32)), REAL);
        assertTrue(s.report().fold());
        assertEquals(1.75, s.scale(0), 0);
        assertEquals(1.0, s.scale(1), 0);             // negative gain: not folded
        assertEquals(Note.Kind.DEGENERATE, s.report().notes().getFirst().kind());
        SiteSolution balanced = Solver.solve(new SiteStats(site, List.of(q, g), List.of(Dtype.F32, Dtype.F32)),
            REAL.withFoldNorms(false));
        assertEquals(Math.sqrt(1.75 / 3), balanced.scale(0), 1e-15);
    }

    @Test
    void balancedStatisticsGiveExactOnes() {
        Site site = new Site("qk", Pair.QK, 0, 2, List.of(producer("q", Axis.ROWS, new int[] {0, 1}),
            consumer("k", Axis.ROWS, new int[] {0, 1})));
        ChannelStats same = stats(new double[][] {{0, 3.3, 2.1, 1.1, 4}, {0, 0.7, 0.2, 0.3, 4}});
        SiteStats stats = new SiteStats(site, List.of(same, same), List.of(Dtype.BF16, Dtype.BF16));
        for (Norm norm : Norm.values()) {
            SiteSolution s = Solver.solve(stats, SolverOptions.defaults().withNorm(norm));
            assertEquals(1.0, s.scale(0), 0);
            assertEquals(1.0, s.scale(1), 0);
            assertTrue(s.report().notes().isEmpty());
        }
    }
}
