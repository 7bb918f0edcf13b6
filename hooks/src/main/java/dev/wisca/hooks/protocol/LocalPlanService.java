package dev.wisca.hooks.protocol;

import dev.wisca.io.WiscaException;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.sdk.LivePlan;
import dev.wisca.sdk.LivePlanner;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The protocol's engine in process: each session is an sdk {@link LivePlan} (the {@link LivePlanner} binds
 * and stages the described parameters, the plan solves each stage), this class names and keeps them. Holds at most {@code maxSessions} sessions, evicting the least
 * recently used (its client then gets {@link UnknownSessionException} and describes again).
 * Thread-safe.
 */
public final class LocalPlanService implements PlanService {
    public static final int DEFAULT_MAX_SESSIONS = 64;

    private final LivePlanner planner;
    private final Map<String, LivePlan> sessions;
    private final SecureRandom random = new SecureRandom();

    /** Binds the specs {@code specs} names (the built-in library, a family, or a user's spec file). */
    public LocalPlanService(SpecChoice specs, int maxSessions) {
        if (maxSessions < 1) throw WiscaException.invalidArgument("maxSessions must be >= 1");
        this.planner = LivePlanner.of(specs);
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LivePlan> eldest) { return size() > maxSessions; }
        };
    }

    /** The built-in specs, {@link #DEFAULT_MAX_SESSIONS} sessions. */
    public static LocalPlanService builtin() {
        return new LocalPlanService(SpecChoice.byModelType(), DEFAULT_MAX_SESSIONS);
    }

    @Override
    public DescribeResponse describe(DescribeRequest request) {
        LivePlan plan = Describer.plan(request, planner);
        byte[] id = new byte[16];
        random.nextBytes(id);
        String session = HexFormat.of().formatHex(id);
        synchronized (sessions) {
            sessions.put(session, plan);
        }
        return Describer.response(session, plan);
    }

    @Override
    public SolveResponse solve(SolveRequest request) {
        LivePlan plan;
        synchronized (sessions) {
            plan = request.session() == null ? null : sessions.get(request.session());
        }
        if (plan == null) throw new UnknownSessionException(String.valueOf(request.session()));
        return StageSolver.solve(request.session(), plan, request);
    }

    /** Sessions currently held. */
    public int sessions() {
        synchronized (sessions) {
            return sessions.size();
        }
    }
}
