package dev.wisca.sdk;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.apply.MomentFactors;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.FactorTable;
import dev.wisca.rescale.plan.TensorFactors;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SiteSolution;
import dev.wisca.rescale.solve.Solver;
import dev.wisca.rescale.stats.ChannelStats;
import dev.wisca.rescale.stats.SiteStats;

import java.util.ArrayList;
import java.util.List;

/**
 * Solves one stage of a {@link LivePlan} from a loop's statistics with the engine's own pieces: per-index
 * vectors fold into channels through each member's {@code channelOf} ({@link ChannelStats#of}), the
 * {@link Solver} chooses the scales and a {@link FactorTable} multiplies them into per-tensor factors.
 *
 * <p>The statistics are checked before the solver sees them: every value finite, the absolute sums, square
 * sums and maxima non-negative, the maxima within what the tensor's dtype holds, each sum within
 * {@code count} times that, and each maximum at most its absolute sum (a diverged run's NaN included:
 * rescaling a model with non-finite weights cannot be function-preserving).
 */
final class LiveSolve {
    private LiveSolve() {}

    static LivePlan.Solved solve(LivePlan plan, int stageIndex, List<LivePlan.Measured> stats) {
        List<LivePlan.StageSites> stages = plan.stageSites();
        if (stageIndex < 0 || stageIndex >= stages.size()) {
            throw bad("stage " + stageIndex + " does not exist; this session has " + stages.size());
        }
        LivePlan.StageSites stage = stages.get(stageIndex);
        AxisStats[] measured = measured(plan, stage, stats);
        FactorTable table = new FactorTable(new DescribedTensors(plan.tensors()));
        List<SiteReport> sites = new ArrayList<>();
        for (int s = 0; s < stage.sites().size(); s++) {
            Site site = stage.sites().get(s);
            int[] refs = stage.memberRequests().get(s);
            List<ChannelStats> channels = new ArrayList<>();
            List<Dtype> dtypes = new ArrayList<>();
            for (int m = 0; m < refs.length; m++) {
                channels.add(ChannelStats.of(measured[refs[m]], site.members().get(m).channelOf(), site.channels()));
                dtypes.add(plan.info(site.members().get(m).tensor()).dtype());
            }
            SiteSolution solution = Solver.solve(new SiteStats(site, channels, dtypes), plan.solver());
            table.add(solution);
            sites.add(solution.report());
        }
        List<LivePlan.Factors> factors = new ArrayList<>();
        for (TensorFactors f : table.factors().values()) {
            TensorFactors moments = MomentFactors.of(f, plan.info(f.tensor()), 1);
            factors.add(new LivePlan.Factors(f.tensor(), f.rows(), f.cols(), f.offsetGain(), moments.rows(), moments.cols()));
        }
        return new LivePlan.Solved(factors, sites);
    }

    /** Checks that the statistics answer exactly this stage's requests, with vectors of the right lengths and possible values. */
    private static AxisStats[] measured(LivePlan plan, LivePlan.StageSites stage, List<LivePlan.Measured> stats) {
        if (stats == null) throw bad("stats is missing");
        List<LivePlan.Request> requests = stage.stage().requests();
        AxisStats[] out = new AxisStats[requests.size()];
        for (LivePlan.Measured v : stats) {
            if (v == null || v.request() < 0 || v.request() >= out.length) {
                throw bad("statistics for request " + (v == null ? "null" : v.request()) + ", which this stage does not have");
            }
            if (out[v.request()] != null) throw bad("request " + v.request() + " answered twice");
            LivePlan.Request key = requests.get(v.request());
            TensorInfo info = plan.info(key.tensor());
            long[] lengthAndCount = axisLengthAndCount(info, key.axis());
            for (double[] vector : new double[][] {v.sum(), v.absSum(), v.sqSum(), v.absMax()}) {
                if (vector == null || vector.length != lengthAndCount[0]) {
                    throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, key.tensor(), "request " + v.request()
                        + ": sum, absSum, sqSum and absMax need " + lengthAndCount[0] + " values along " + key.axis()
                        + ", got " + (vector == null ? "none" : vector.length));
                }
            }
            checkValues(v, key.tensor(), info.dtype(), lengthAndCount[1]);
            out[v.request()] = new AxisStats(0, v.sum(), v.absSum(), v.sqSum(), v.absMax(), lengthAndCount[1]);
        }
        for (int r = 0; r < out.length; r++) {
            if (out[r] == null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, requests.get(r).tensor(),
                "no statistics for request " + r + " of stage " + stage.stage().name());
        }
        return out;
    }

    /** Length of the request's axis and how many elements each index sums. */
    private static long[] axisLengthAndCount(TensorInfo info, Axis axis) {
        long[] s = info.shape();
        if (s.length < 1 || s.length > 3) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, info.name(),
                "a rescaled parameter has 1 to 3 dimensions, this one " + s.length);
        }
        long rows = switch (s.length) { case 1 -> s[0]; case 2 -> s[0]; default -> s[1]; };
        long cols = switch (s.length) { case 1 -> 1; case 2 -> s[1]; default -> s[2]; };
        return axis == Axis.ROWS ? new long[] {rows, cols} : new long[] {cols, rows};
    }

    /** @param count elements summed per index */
    private static void checkValues(LivePlan.Measured v, String tensor, Dtype dtype, long count) {
        double max = largest(dtype);
        double n = (double) count;
        for (int i = 0; i < v.sum().length; i++) {
            double sum = v.sum()[i], abs = v.absSum()[i], sq = v.sqSum()[i], peak = v.absMax()[i];
            if (!Double.isFinite(sum)) throw bad(v, tensor, "sum", i, sum, "is not finite");
            requireMagnitude(v, tensor, "absSum", i, abs, n * max);
            requireMagnitude(v, tensor, "sqSum", i, sq, n * max * max);
            requireMagnitude(v, tensor, "absMax", i, peak, max);
            if (Math.abs(sum) > abs * (1 + 1e-6) + Double.MIN_NORMAL) throw bad(v, tensor, "sum", i, sum, "exceeds absSum " + abs + " in magnitude");
            if (peak > abs * (1 + 1e-6) + Double.MIN_NORMAL) throw bad(v, tensor, "absMax", i, peak, "exceeds absSum " + abs);
        }
    }

    private static void requireMagnitude(LivePlan.Measured v, String tensor, String name, int i, double value, double limit) {
        if (!Double.isFinite(value)) throw bad(v, tensor, name, i, value, "is not finite");
        if (value < 0) throw bad(v, tensor, name, i, value, "is negative");
        if (value > limit) throw bad(v, tensor, name, i, value, "is more than the tensor's dtype can hold (at most " + limit + ")");
    }

    /** The largest finite magnitude of {@code dtype} (the largest double for a dtype without a float codec). */
    private static double largest(Dtype dtype) {
        if (!dtype.isFloat() || !Codecs.hasCodec(dtype)) return Double.MAX_VALUE;
        return Codecs.maxFinite(dtype);
    }

    private static WiscaException bad(LivePlan.Measured v, String tensor, String vector, int index, double value, String why) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, tensor,
            "solve: request " + v.request() + ": " + vector + "[" + index + "] = " + value + " " + why);
    }

    private static WiscaException bad(String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "solve: " + detail);
    }
}
