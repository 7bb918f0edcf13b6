package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.ErrorEntry;
import dev.wisca.hooks.protocol.Messages.Health;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.io.WiscaException;
import java.util.function.Supplier;

/**
 * Runs one protocol operation for either transport and maps failures to a status and an error
 * entry: 400 for bad input (a {@link WiscaException} or malformed message), 404 for an unknown
 * operation or session, 500 for a bug. Nothing else leaves.
 */
public final class ProtocolHandler {
    /** An operation's outcome: an HTTP-like status and the answer or the error. */
    public record Reply(int status, JsonNode body, ErrorEntry error) {
        public boolean ok() { return error == null; }
    }

    private final PlanService service;
    private final Supplier<Integer> sessions;

    public ProtocolHandler(PlanService service, Supplier<Integer> sessions) {
        this.service = service;
        this.sessions = sessions;
    }

    /** How an operation gets its request bound: from a parsed tree (stdio) or from body bytes (HTTP). */
    private interface Binder {
        <T> T bind(Class<T> type, JsonLimits limits);
    }

    /** {@code op} is describe, solve or health; {@code request} the parsed request (null for health). */
    public Reply handle(String op, JsonNode request) {
        return run(op, new Binder() {
            @Override public <T> T bind(Class<T> type, JsonLimits limits) { return ProtocolJson.read(request, type); }
        });
    }

    /** {@code op} with its request body as sent, bound within the operation's {@link JsonLimits} while parsing. */
    public Reply handleBody(String op, byte[] body) {
        return run(op, new Binder() {
            @Override public <T> T bind(Class<T> type, JsonLimits limits) { return ProtocolJson.read(body, type, limits); }
        });
    }

    private Reply run(String op, Binder request) {
        try {
            return switch (op) {
                case "describe" -> ok(service.describe(request.bind(DescribeRequest.class, JsonLimits.DESCRIBE)));
                case "solve" -> ok(service.solve(request.bind(SolveRequest.class, JsonLimits.SOLVE)));
                case "health" -> ok(new Health("ok", Messages.VERSION, sessions.get()));
                default -> new Reply(404, null, new ErrorEntry("UnknownOperation",
                    "no operation '" + op + "' (describe, solve, health, shutdown)"));
            };
        } catch (WiscaException e) {
            return new Reply(400, null, new ErrorEntry(e.kind().displayName(), e.getMessage()));
        } catch (UnknownSessionException e) {
            return new Reply(404, null, new ErrorEntry("UnknownSession", e.getMessage()));
        } catch (IllegalArgumentException e) {
            return new Reply(400, null, new ErrorEntry("BadRequest", e.getMessage()));
        } catch (RuntimeException e) {
            return new Reply(500, null, new ErrorEntry("Internal", "internal error: " + e));
        }
    }

    /** A reply for a body that could not even be parsed as JSON. */
    public static Reply badJson(String detail) {
        return new Reply(400, null, new ErrorEntry("BadRequest", detail));
    }

    private static Reply ok(Object value) {
        return new Reply(200, ProtocolJson.tree(value), null);
    }
}
