package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.FactorEntry;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.hooks.protocol.Messages.StatVectors;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.apply.MomentFactors;
import dev.wisca.rescale.backend.AxisStats;
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
import java.util.Locale;

/**
 * Solves one stage from client statistics with the engine's own pieces: per-index vectors fold into
 * channels through each member's {@code channelOf} ({@link ChannelStats#of}), the {@link Solver}
 * chooses the scales and a {@link FactorTable} multiplies them into per-tensor factors.
 */
final class StageSolver {
    private StageSolver() {}

    static SolveResponse solve(Session session, SolveRequest request) {
        if (request.stage() == null || request.stage() < 0 || request.stage() >= session.stages().size()) {
            throw bad("stage " + request.stage() + " does not exist; this session has " + session.stages().size());
        }
        Session.StagePlan plan = session.stages().get(request.stage());
        AxisStats[] measured = measured(session, plan, request.stats());
        FactorTable table = new FactorTable(session.source());
        List<SiteReport> sites = new ArrayList<>();
        for (int s = 0; s < plan.sites().size(); s++) {
            Site site = plan.sites().get(s);
            int[] refs = plan.memberRequests().get(s);
            List<ChannelStats> stats = new ArrayList<>();
            List<Dtype> dtypes = new ArrayList<>();
            for (int m = 0; m < refs.length; m++) {
                stats.add(ChannelStats.of(measured[refs[m]], site.members().get(m).channelOf(), site.channels()));
                dtypes.add(session.info(site.members().get(m).tensor()).dtype());
            }
            SiteSolution solution = Solver.solve(new SiteStats(site, stats, dtypes), session.solver());
            table.add(solution);
            sites.add(solution.report());
        }
        List<FactorEntry> factors = new ArrayList<>();
        for (TensorFactors f : table.factors().values()) {
            TensorFactors moments = MomentFactors.of(f, session.info(f.tensor()), 1);
            factors.add(new FactorEntry(f.tensor(), f.rows(), f.cols(), f.offsetGain(), moments.rows(), moments.cols()));
        }
        return new SolveResponse(session.id(), request.stage(), factors, sites);
    }

    /** Checks that the statistics answer exactly this stage's requests, with vectors of the right lengths. */
    private static AxisStats[] measured(Session session, Session.StagePlan plan, List<StatVectors> stats) {
        if (stats == null) throw bad("stats is missing");
        AxisStats[] out = new AxisStats[plan.requests().size()];
        for (StatVectors v : stats) {
            if (v == null || v.id() < 0 || v.id() >= out.length) {
                throw bad("statistics for request " + (v == null ? "null" : v.id()) + ", which this stage does not have");
            }
            if (out[v.id()] != null) throw bad("request " + v.id() + " answered twice");
            Session.RequestKey key = plan.requests().get(v.id());
            TensorInfo info = session.info(key.tensor());
            long[] lengthAndCount = Session.axisLengthAndCount(info, key.axis());
            for (double[] vector : new double[][] {v.sum(), v.absSum(), v.sqSum(), v.absMax()}) {
                if (vector == null || vector.length != lengthAndCount[0]) {
                    throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, key.tensor(), "request " + v.id()
                        + ": sum, absSum, sqSum and absMax need " + lengthAndCount[0] + " values along " + key.axis()
                        + ", got " + (vector == null ? "none" : vector.length));
                }
            }
            StatsCheck.check(v, key.tensor(), info.dtype(), lengthAndCount[1]);
            out[v.id()] = new AxisStats(0, v.sum(), v.absSum(), v.sqSum(), v.absMax(), lengthAndCount[1]);
        }
        for (int r = 0; r < out.length; r++) {
            if (out[r] == null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, plan.requests().get(r).tensor(),
                "no statistics for request " + r + " of stage " + plan.stage().name().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static WiscaException bad(String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "solve: " + detail);
    }
}
