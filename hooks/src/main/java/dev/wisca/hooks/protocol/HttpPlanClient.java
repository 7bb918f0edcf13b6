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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A {@link PlanService} on the other end of {@code wisca serve}'s HTTP, sending the server's secret
 * as {@code Authorization: Bearer}. Errors come back as the server stated them.
 */
public final class HttpPlanClient implements PlanService {
    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    /** {@code token}: the server's secret ({@link ProtocolHttpServer#token()}, or the content of its token file). */
    public HttpPlanClient(URI base, String token, Duration timeout) {
        if (token == null || token.isBlank()) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "the server's token is missing");
        this.base = base;
        this.token = token.trim();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** The secret from {@code $WISCA_TOKEN}, else from the file named by {@code $WISCA_TOKEN_FILE}. */
    public HttpPlanClient(URI base, Duration timeout) {
        this(base, tokenFromEnvironment(), timeout);
    }

    static String tokenFromEnvironment() {
        String token = System.getenv("WISCA_TOKEN");
        if (token != null && !token.isBlank()) return token;
        String file = System.getenv("WISCA_TOKEN_FILE");
        if (file == null || file.isBlank()) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "set WISCA_TOKEN or WISCA_TOKEN_FILE (the token_file wisca serve printed)");
        }
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, Path.of(file), null, "cannot read the server's token: " + e.getMessage(), e);
        }
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
            .header("Authorization", "Bearer " + token)
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
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "wisca serve refused " + op + " (" + response.statusCode() + "): " + error.message());
        }
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
