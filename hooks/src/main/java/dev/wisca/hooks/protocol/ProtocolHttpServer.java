package dev.wisca.hooks.protocol;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wisca.hooks.protocol.Messages.ErrorResponse;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The protocol over loopback HTTP: {@code POST /v1/describe}, {@code POST /v1/solve},
 * {@code GET /v1/health}, {@code POST /v1/shutdown}. Binds 127.0.0.1 only; bodies above
 * {@code maxBodyBytes} are refused (413); a fixed pool of worker threads bounds concurrency.
 * Answers are JSON; failures are {@code {"error": {"kind", "message"}}} with status 400/404/405/413/500.
 */
public final class ProtocolHttpServer implements AutoCloseable {
    public static final String PREFIX = "/v1/";
    public static final long DEFAULT_MAX_BODY_BYTES = 512L << 20;

    private final HttpServer server;
    private final ExecutorService workers;
    private final ProtocolHandler handler;
    private final long maxBodyBytes;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ProtocolHttpServer(HttpServer server, ExecutorService workers, ProtocolHandler handler, long maxBodyBytes) {
        this.server = server;
        this.workers = workers;
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Starts serving on 127.0.0.1:{@code port} (0 picks a free port, see {@link #port()}). */
    public static ProtocolHttpServer start(LocalPlanService service, int port, int threads, long maxBodyBytes) {
        if (port < 0 || port > 65535) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "port must be 0..65535, got " + port);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "wisca-serve");
            t.setDaemon(true);
            return t;
        });
        ProtocolHttpServer server = new ProtocolHttpServer(http, workers, new ProtocolHandler(service, service::sessions), maxBodyBytes);
        http.createContext(PREFIX, server::exchange);
        http.setExecutor(workers);
        http.start();
        return server;
    }

    /** The port actually bound. */
    public int port() { return server.getAddress().getPort(); }

    public String url() { return "http://127.0.0.1:" + port(); }

    /** Blocks until {@code /v1/shutdown} or {@link #close()}. */
    public void awaitShutdown() throws InterruptedException { stopped.await(); }

    /** Stops accepting, lets running exchanges finish (at most 2 s), releases the threads. */
    @Override
    public void close() {
        if (stopped.getCount() == 0) return;
        server.stop(2);
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        stopped.countDown();
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            String op = ex.getRequestURI().getPath().substring(PREFIX.length());
            String method = ex.getRequestMethod();
            boolean get = op.equals("health");
            if (!method.equals(get ? "GET" : "POST")) {
                send(ex, ProtocolHandler.badJson(method + " is not allowed here; use " + (get ? "GET" : "POST")), 405);
                return;
            }
            if (op.equals("shutdown")) {
                send(ex, new ProtocolHandler.Reply(200, ProtocolJson.tree(java.util.Map.of("status", "stopping")), null), 200);
                Thread.ofPlatform().daemon().start(this::close);
                return;
            }
            ProtocolHandler.Reply reply;
            if (get) {
                reply = handler.handle(op, null);
            } else {
                byte[] body = readBounded(ex.getRequestBody());
                if (body == null) {
                    send(ex, ProtocolHandler.badJson("request body larger than " + maxBodyBytes + " bytes"), 413);
                    return;
                }
                reply = parseAndHandle(op, new String(body, StandardCharsets.UTF_8));
            }
            send(ex, reply, reply.status());
        }
    }

    private ProtocolHandler.Reply parseAndHandle(String op, String body) {
        try {
            return handler.handle(op, ProtocolJson.parse(body));
        } catch (WiscaException e) {
            return ProtocolHandler.badJson(e.getMessage());
        }
    }

    private byte[] readBounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
            if (total > maxBodyBytes) return null;
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void send(HttpExchange ex, ProtocolHandler.Reply reply, int status) throws IOException {
        String json = reply.ok() ? ProtocolJson.write(reply.body()) : ProtocolJson.write(new ErrorResponse(reply.error()));
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
