package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.ErrorEntry;
import dev.wisca.hooks.protocol.Messages.ErrorResponse;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The protocol over loopback HTTP: {@code POST /v1/describe}, {@code POST /v1/solve},
 * {@code GET /v1/health}, {@code POST /v1/shutdown}. Binds 127.0.0.1 only and answers only requests
 * that carry the server's secret ({@link ServeToken}) and come from no web page ({@link RequestGate}).
 *
 * <p>Each connection runs on a virtual thread and carries one request ({@link HttpWire}); every read
 * has a timeout and the head and body deadlines, so half-sent requests hold a connection slot for a
 * bounded time and never a worker: at most {@code workers} requests are parsed and solved at once,
 * after their body arrived. Bodies are bounded one by one ({@code maxBodyBytes}, 413 before reading)
 * and together (twice that, 503 while full). Answers are JSON; failures are
 * {@code {"error": {"kind", "message"}}} with a 4xx status; 500 only for a bug.
 */
public final class ProtocolHttpServer implements AutoCloseable {
    public static final String PREFIX = "/v1/";
    public static final long DEFAULT_MAX_BODY_BYTES = ServerOptions.DEFAULT_MAX_BODY_BYTES;
    private static final int KIB = 1024;

    private final ServerSocket listener;
    private final ProtocolHandler handler;
    private final ServerOptions options;
    private final ServeToken token;
    private final Semaphore connections;
    private final Semaphore workers;
    private final Semaphore bodyKiB;
    private final int bodyBudgetKiB;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ProtocolHttpServer(ServerSocket listener, ProtocolHandler handler, ServerOptions options, ServeToken token) {
        this.listener = listener;
        this.handler = handler;
        this.options = options;
        this.token = token;
        this.connections = new Semaphore(options.maxConnections());
        this.workers = new Semaphore(options.workers());
        this.bodyBudgetKiB = (int) Math.min(Integer.MAX_VALUE, 2 * kib(options.maxBodyBytes()));
        this.bodyKiB = new Semaphore(bodyBudgetKiB);
    }

    /** Starts serving on 127.0.0.1:{@code port} with the default limits and token file. */
    public static ProtocolHttpServer start(LocalPlanService service, int port, int threads, long maxBodyBytes) {
        return start(service, ServerOptions.defaults().withPort(port).withWorkers(Math.max(1, threads)).withMaxBodyBytes(maxBodyBytes));
    }

    /** Starts serving as {@code options} say; the secret is in {@link #tokenFile()} before this returns. */
    public static ProtocolHttpServer start(LocalPlanService service, ServerOptions options) {
        ServerSocket listener;
        try {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port()), 64);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "cannot listen on 127.0.0.1:" + options.port() + ": " + e.getMessage(), e);
        }
        ServeToken token;
        try {
            token = ServeToken.create(options.tokenFile(), listener.getLocalPort());
        } catch (RuntimeException e) {
            closeQuietly(listener);
            throw e;
        }
        ProtocolHttpServer server = new ProtocolHttpServer(listener, new ProtocolHandler(service, service::sessions), options, token);
        Thread.ofPlatform().daemon().name("wisca-serve-accept").start(server::acceptLoop);
        return server;
    }

    /** The port actually bound. */
    public int port() { return listener.getLocalPort(); }

    public String url() { return "http://127.0.0.1:" + port(); }

    /** The secret every request must send as {@code Authorization: Bearer <token>}. */
    public String token() { return token.secret(); }

    /** The file (0600) holding {@link #token()}; deleted by {@link #close()}. */
    public Path tokenFile() { return token.file(); }

    /** Blocks until {@code /v1/shutdown} or {@link #close()}. */
    public void awaitShutdown() throws InterruptedException { stopped.await(); }

    /** Stops accepting, gives running requests up to 2 s, closes every connection and deletes the token file. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        closeQuietly(listener);
        try {
            if (workers.tryAcquire(options.workers(), 2, TimeUnit.SECONDS)) workers.release(options.workers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s : open) closeQuietly(s);
        token.delete();
        stopped.countDown();
    }

    private void acceptLoop() {
        while (!closing.get()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (closing.get()) return;
                continue; // a failed accept (the client gave up): keep serving
            }
            if (!connections.tryAcquire()) {
                Thread.ofVirtual().start(() -> refuse(socket));
                continue;
            }
            open.add(socket);
            Thread.ofVirtual().name("wisca-serve-connection").start(() -> {
                try {
                    serve(socket);
                } finally {
                    open.remove(socket);
                    closeQuietly(socket);
                    connections.release();
                }
            });
        }
    }

    /** Too many connections: say so at once, without reading the request. */
    private void refuse(Socket socket) {
        try (socket) {
            socket.setSoTimeout(options.readTimeoutMillis());
            OutputStream out = socket.getOutputStream();
            HttpWire.respond(out, 503, error("Busy", "more than " + options.maxConnections() + " connections at once; retry"));
            socket.shutdownOutput();
        } catch (IOException ignored) {
            // The client left.
        }
    }

    private void serve(Socket socket) {
        try {
            HttpWire.DeadlineInput deadlined = new HttpWire.DeadlineInput(socket, options.readTimeoutMillis());
            InputStream in = new BufferedInputStream(deadlined, 1 << 16);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            int status;
            byte[] answer;
            try {
                deadlined.deadline(options.headTimeout().toMillis());
                HttpWire.Head head = HttpWire.readHead(in);
                Exchange reply = exchange(head, in, out, deadlined);
                status = reply.status();
                answer = reply.json();
            } catch (HttpWire.FailureException e) {
                status = e.failure.status();
                answer = error(status == 413 ? "TooLarge" : "BadRequest", e.failure.reason());
            } catch (SocketTimeoutException e) {
                status = 408;
                answer = error("Timeout", "the request did not arrive in time (" + e.getMessage() + ")");
            }
            HttpWire.respond(out, status, answer);
            linger(socket, in, deadlined);
        } catch (IOException ignored) {
            // The client closed the connection or stopped reading: nothing to answer.
        }
    }

    private record Exchange(int status, byte[] json) {}

    private Exchange exchange(HttpWire.Head head, InputStream in, OutputStream out, HttpWire.DeadlineInput deadlined)
            throws IOException, HttpWire.FailureException {
        Optional<HttpWire.Failure> refused = RequestGate.check(head.headers(), token);
        if (refused.isPresent()) {
            int status = refused.get().status();
            return new Exchange(status, error(status == 401 ? "Unauthorized" : "Forbidden", refused.get().reason()));
        }
        if (!head.path().startsWith(PREFIX)) return new Exchange(404, error("UnknownOperation", "no such path; the protocol lives under " + PREFIX));
        String op = head.path().substring(PREFIX.length());
        if (!Set.of("describe", "solve", "health", "shutdown").contains(op)) {
            return new Exchange(404, error("UnknownOperation", "no operation '" + HttpWire.printable(op) + "' (describe, solve, health, shutdown)"));
        }
        String method = op.equals("health") ? "GET" : "POST";
        if (!head.method().equals(method)) {
            return new Exchange(405, error("BadRequest", HttpWire.printable(head.method()) + " is not allowed here; use " + method));
        }
        if (op.equals("health")) return reply(handler.handle(op, null));
        if (op.equals("shutdown")) {
            Thread.ofPlatform().daemon().start(this::close);
            return new Exchange(200, ProtocolJson.write(Map.of("status", "stopping")).getBytes(StandardCharsets.UTF_8));
        }
        int reserved = reserveBody(head);
        try {
            deadlined.deadline(options.bodyTimeout().toMillis());
            byte[] body = HttpWire.readBody(head, in, options.maxBodyBytes(), out);
            workers.acquireUninterruptibly();
            try {
                return reply(handler.handleBody(op, body));
            } finally {
                workers.release();
            }
        } finally {
            bodyKiB.release(reserved);
        }
    }

    /** Reserves room for the body in the budget of all bodies held at once: its length, or the limit when chunked. */
    private int reserveBody(HttpWire.Head head) throws HttpWire.FailureException {
        String length = head.headers().get("content-length");
        long bytes = length != null && length.matches("[0-9]{1,18}") ? Math.min(Long.parseLong(length), options.maxBodyBytes())
            : options.maxBodyBytes();
        int kib = (int) Math.min(bodyBudgetKiB, Math.max(1, kib(bytes)));
        try {
            if (bodyKiB.tryAcquire(kib, options.readTimeout().toMillis(), TimeUnit.MILLISECONDS)) return kib;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new HttpWire.FailureException(503, "the server holds as many request bodies as it may; retry");
    }

    private static Exchange reply(ProtocolHandler.Reply reply) {
        String json = reply.ok() ? ProtocolJson.write(reply.body()) : ProtocolJson.write(new ErrorResponse(reply.error()));
        return new Exchange(reply.status(), json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] error(String kind, String message) {
        return ProtocolJson.write(new ErrorResponse(new ErrorEntry(kind, message))).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * After answering early (413 before the body), reads what the client still sends for a moment, so
     * that closing does not reset the connection before the client has read the answer.
     */
    private static void linger(Socket socket, InputStream in, HttpWire.DeadlineInput deadlined) {
        try {
            socket.shutdownOutput();
            deadlined.deadline(500);
            byte[] sink = new byte[1 << 16];
            long drained = 0;
            for (int n; drained < (16 << 20) && (n = in.read(sink)) >= 0; ) drained += n;
        } catch (IOException ignored) {
            // Timed out or reset: the answer was sent.
        }
    }

    private static long kib(long bytes) { return (bytes + KIB - 1) / KIB; }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing on the way out.
        }
    }
}
