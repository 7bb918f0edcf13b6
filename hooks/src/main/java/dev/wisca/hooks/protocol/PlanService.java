package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;

/**
 * The brain of a live hook: parameters in, statistics requests out; statistics in, factors out.
 * {@link LocalPlanService} runs in process; {@link HttpPlanClient} asks a {@code wisca serve}.
 * Bad requests throw {@link dev.wisca.io.WiscaException}; a lost session {@link UnknownSessionException}.
 */
public interface PlanService {
    DescribeResponse describe(DescribeRequest request);

    SolveResponse solve(SolveRequest request);
}
