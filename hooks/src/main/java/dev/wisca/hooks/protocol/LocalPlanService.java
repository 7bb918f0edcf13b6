package dev.wisca.hooks.protocol;

import dev.wisca.io.WiscaException;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.rescale.spec.SpecLibrary;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The protocol's engine in process. Holds at most {@code maxSessions} sessions, evicting the least
 * recently used (its client then gets {@link UnknownSessionException} and describes again).
 * Thread-safe.
 */
public final class LocalPlanService implements PlanService {
    public static final int DEFAULT_MAX_SESSIONS = 64;

    private final SpecLibrary library;
    private final Map<String, Session> sessions;
    private final SecureRandom random = new SecureRandom();

    public LocalPlanService(SpecLibrary library, int maxSessions) {
        if (maxSessions < 1) throw WiscaException.invalidArgument("maxSessions must be >= 1");
        this.library = library;
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) { return size() > maxSessions; }
        };
    }

    /** The built-in specs, {@link #DEFAULT_MAX_SESSIONS} sessions. */
    public static LocalPlanService builtin() {
        return new LocalPlanService(SpecLibrary.builtin(), DEFAULT_MAX_SESSIONS);
    }

    @Override
    public DescribeResponse describe(DescribeRequest request) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        Session session = Describer.session(HexFormat.of().formatHex(id), request, library);
        synchronized (sessions) {
            sessions.put(session.id(), session);
        }
        return Describer.response(session);
    }

    @Override
    public SolveResponse solve(SolveRequest request) {
        Session session;
        synchronized (sessions) {
            session = request.session() == null ? null : sessions.get(request.session());
        }
        if (session == null) throw new UnknownSessionException(String.valueOf(request.session()));
        return StageSolver.solve(session, request);
    }

    /** Sessions currently held. */
    public int sessions() {
        synchronized (sessions) {
            return sessions.size();
        }
    }
}
