package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.ErrorResponse;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A {@link PlanService} on the other end of {@code wisca serve}'s HTTP. Errors come back as the server stated them. */
public final class HttpPlanClient implements PlanService {
    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    public HttpPlanClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public DescribeResponse describe(DescribeRequest request) {
        return post("describe", request, DescribeResponse.class);
    }

    @Override
    public SolveResponse solve(SolveRequest request) {
        return post("solve", request, SolveResponse.class);
    }

    private <T> T post(String op, Object body, Class<T> type) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(ProtocolHttpServer.PREFIX + op))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(ProtocolJson.write(body)))
            .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "wisca serve at " + base + " did not answer " + op + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WiscaException(ErrorKind.IO, null, null, "interrupted while waiting for " + op, e);
        }
        if (response.statusCode() == 200) return ProtocolJson.read(response.body(), type);
        Messages.ErrorEntry error = ProtocolJson.read(response.body(), ErrorResponse.class).error();
        if ("UnknownSession".equals(error.kind())) throw new UnknownSessionException(String.valueOf(sessionOf(body)));
        throw new WiscaException(kindOf(error.kind()), null, null, "server: " + error.message());
    }

    private static String sessionOf(Object body) {
        return body instanceof SolveRequest s ? s.session() : null;
    }

    private static ErrorKind kindOf(String name) {
        for (ErrorKind k : ErrorKind.values()) if (k.displayName().equals(name)) return k;
        return ErrorKind.INVALID_ARGUMENT;
    }
}
