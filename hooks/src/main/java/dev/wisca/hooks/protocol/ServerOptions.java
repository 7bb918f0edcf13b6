package dev.wisca.hooks.protocol;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How {@code wisca serve} listens and what one request may cost.
 *
 * @param port           loopback port, 0 for a free one
 * @param workers        requests parsed and solved at once (the rest wait their turn)
 * @param maxConnections connections held at once (reading their request, waiting or answered); more get 503
 * @param maxBodyBytes   largest request body; a larger {@code Content-Length} is answered 413 before reading
 * @param tokenFile      where the secret is written (default {@link ServeToken#defaultFile})
 * @param readTimeout    longest wait for any one read
 * @param headTimeout    longest time to receive a request's head
 * @param bodyTimeout    longest time to receive a request's body
 */
public record ServerOptions(int port, int workers, int maxConnections, long maxBodyBytes, Optional<Path> tokenFile,
                            Duration readTimeout, Duration headTimeout, Duration bodyTimeout) {
    public static final long DEFAULT_MAX_BODY_BYTES = 512L << 20;

    public ServerOptions {
        if (port < 0 || port > 65535) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "port must be 0..65535, got " + port);
        if (workers < 1 || workers > 1024) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "threads must be 1..1024, got " + workers);
        if (maxConnections < 1 || maxConnections > 4096) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "connections must be 1..4096, got " + maxConnections);
        }
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "the body limit must be 1 byte .. 2 GiB, got " + maxBodyBytes);
        }
        for (Duration d : new Duration[] {readTimeout, headTimeout, bodyTimeout}) {
            if (d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
                throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "timeouts must be positive, got " + d);
            }
        }
    }

    int readTimeoutMillis() { return (int) readTimeout.toMillis(); }

    /** Port 0, 2 workers, 32 connections, 512 MiB bodies, the default token file, 30 s reads, 10 s heads, 10 min bodies. */
    public static ServerOptions defaults() {
        return new ServerOptions(0, 2, 32, DEFAULT_MAX_BODY_BYTES, Optional.empty(),
            Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(10));
    }

    public ServerOptions withPort(int p) { return new ServerOptions(p, workers, maxConnections, maxBodyBytes, tokenFile, readTimeout, headTimeout, bodyTimeout); }

    public ServerOptions withWorkers(int w) { return new ServerOptions(port, w, maxConnections, maxBodyBytes, tokenFile, readTimeout, headTimeout, bodyTimeout); }

    public ServerOptions withMaxConnections(int c) { return new ServerOptions(port, workers, c, maxBodyBytes, tokenFile, readTimeout, headTimeout, bodyTimeout); }

    public ServerOptions withMaxBodyBytes(long b) { return new ServerOptions(port, workers, maxConnections, b, tokenFile, readTimeout, headTimeout, bodyTimeout); }

    public ServerOptions withTokenFile(Path f) { return new ServerOptions(port, workers, maxConnections, maxBodyBytes, Optional.of(f), readTimeout, headTimeout, bodyTimeout); }

    public ServerOptions withTimeouts(Duration read, Duration head, Duration body) {
        return new ServerOptions(port, workers, maxConnections, maxBodyBytes, tokenFile, read, head, body);
    }
}
