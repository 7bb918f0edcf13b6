package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.FactorEntry;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.LivePlan;
import java.util.List;

/** A solve request to and from {@link LivePlan#solve}: the wire's vectors in, its factors and site reports out. */
final class StageSolver {
    private StageSolver() {}

    static SolveResponse solve(String session, LivePlan plan, SolveRequest request) {
        if (request.stage() == null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
            "solve: stage null does not exist; this session has " + plan.stages().size());
        List<LivePlan.Measured> stats = request.stats() == null ? null : request.stats().stream()
            .map(v -> v == null ? null : new LivePlan.Measured(v.id(), v.sum(), v.absSum(), v.sqSum(), v.absMax())).toList();
        LivePlan.Solved solved = plan.solve(request.stage(), stats);
        List<FactorEntry> factors = solved.factors().stream().map(f ->
            new FactorEntry(f.tensor(), f.rows(), f.cols(), f.offsetGain(), f.momentRows(), f.momentCols())).toList();
        return new SolveResponse(session, request.stage(), factors, solved.sites());
    }
}
