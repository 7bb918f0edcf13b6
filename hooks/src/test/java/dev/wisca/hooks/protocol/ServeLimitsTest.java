package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 §6: half-sent requests, huge or endless bodies and bodies of many tiny values cannot
 * stop or exhaust the server; every such request gets a 4xx with a reason. Raw sockets on 127.0.0.1.
 */
class ServeLimitsTest {
    @TempDir Path dir;

    private ProtocolHttpServer start(ServerOptions options) {
        return ProtocolHttpServer.start(new LocalPlanService(SpecChoice.byModelType(), 4), options.withTokenFile(dir.resolve("serve.token")));
    }

    private static String describe() { return ProtocolJson.write(ProtocolErrorsTest.describeLlama()); }

    @Test
    void halfSentRequestsDoNotKeepAWellFormedOneFromBeingAnswered() throws Exception {
        // Long timeouts: the half-sent requests stay open for the whole test; one worker only.
        ServerOptions options = ServerOptions.defaults().withWorkers(1).withMaxConnections(16)
            .withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5));
        try (ProtocolHttpServer server = start(options)) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) { // half a head
                    Socket s = RawHttp.connect(server.port());
                    s.getOutputStream().write(("POST /v1/describe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                for (int i = 0; i < 3; i++) { // an authenticated head and a tenth of the body
                    Socket s = RawHttp.connect(server.port());
                    s.getOutputStream().write(RawHttp.request("POST", "/v1/describe", RawHttp.headers(server, 1000), new byte[100]));
                    s.getOutputStream().flush();
                    stalled.add(s);
                }
                HttpPlanClient client = new HttpPlanClient(URI.create(server.url()), server.token(), Duration.ofSeconds(20));
                assertEquals(4, client.describe(ProtocolErrorsTest.describeLlama()).sites(), "answered while six requests hang");
                assertEquals(200, RawHttp.exchange(server.port(), RawHttp.request("GET", "/v1/health", RawHttp.headers(server, -1), new byte[0])).status());
            } finally {
                for (Socket s : stalled) s.close();
            }
        }
    }

    @Test
    void aHalfSentRequestIsAnswered408AndClosedAtItsDeadline() throws Exception {
        ServerOptions options = ServerOptions.defaults().withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300));
        try (ProtocolHttpServer server = start(options); Socket s = RawHttp.connect(server.port())) {
            s.getOutputStream().write("GET /v1/health HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Answer a = RawHttp.read(s); // returns when the server closes: a hang fails at the socket's 20 s timeout
            assertEquals(408, a.status(), a.body());
            try (Socket slowBody = RawHttp.connect(server.port())) {
                slowBody.getOutputStream().write(RawHttp.request("POST", "/v1/describe", RawHttp.headers(server, 50), "{\"par".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(408, RawHttp.read(slowBody).status());
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreAnswered503AtOnce() throws Exception {
        ServerOptions options = ServerOptions.defaults().withMaxConnections(2)
            .withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5));
        try (ProtocolHttpServer server = start(options); Socket a = RawHttp.connect(server.port()); Socket b = RawHttp.connect(server.port())) {
            a.getOutputStream().write("GET /v1/he".getBytes(StandardCharsets.US_ASCII));
            b.getOutputStream().write("GET /v1/he".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Answer third = null;
            for (int attempt = 0; attempt < 50; attempt++) { // until the server has counted both
                third = RawHttp.exchange(server.port(), RawHttp.request("GET", "/v1/health", RawHttp.headers(server, -1), new byte[0]));
                if (third.status() == 503) break;
                Thread.sleep(20);
            }
            assertEquals(503, third.status(), third.body());
            assertTrue(third.body().contains("connections"), third.body());
        }
    }

    @Test
    void aHugeContentLengthIs413BeforeAnyOfTheBodyIsSent() throws Exception {
        try (ProtocolHttpServer server = start(ServerOptions.defaults().withMaxBodyBytes(1 << 20))) {
            for (String length : new String[] {"600000000", "99999999999999999999", "1048577"}) {
                RawHttp.Answer a = RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/solve", RawHttp.headers(server, -1)
                    + "\r\nContent-Length: " + length, new byte[0]));
                assertEquals(length.length() > 19 ? 400 : 413, a.status(), length + ": " + a.body());
            }
            RawHttp.Answer exact = RawHttp.post(server, "describe", describe());
            assertEquals(200, exact.status(), exact.body());
            for (String bad : new String[] {"-1", "1e3", " 12 x", "0x10"}) {
                assertEquals(400, RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/solve", RawHttp.headers(server, -1)
                    + "\r\nContent-Length: " + bad, new byte[0])).status(), bad);
            }
            assertEquals(400, RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/solve", RawHttp.headers(server, 2)
                + "\r\nContent-Length: 2", "{}".getBytes(StandardCharsets.US_ASCII))).status(), "two lengths");
            assertEquals(411, RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/solve", RawHttp.headers(server, -1), new byte[0])).status());
        }
    }

    @Test
    void chunkedBodiesAreDecodedAndBoundedTheSameWay() throws Exception {
        try (ProtocolHttpServer server = start(ServerOptions.defaults().withMaxBodyBytes(1 << 20))) {
            byte[] body = describe().getBytes(StandardCharsets.UTF_8);
            StringBuilder chunked = new StringBuilder();
            for (int at = 0; at < body.length; at += 1000) {
                int n = Math.min(1000, body.length - at);
                chunked.append(Integer.toHexString(n)).append(";ext=1\r\n").append(new String(body, at, n, StandardCharsets.UTF_8)).append("\r\n");
            }
            chunked.append("0\r\n\r\n");
            String te = RawHttp.headers(server, -1) + "\r\nTransfer-Encoding: chunked";
            RawHttp.Answer ok = RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/describe", te, chunked.toString().getBytes(StandardCharsets.UTF_8)));
            assertEquals(200, ok.status(), ok.body());
            try (Socket s = RawHttp.connect(server.port())) { // an endless chunked body: 413 once past the limit
                OutputStream out = s.getOutputStream();
                out.write(RawHttp.request("POST", "/v1/solve", te, new byte[0]));
                byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (int i = 0; i < 64; i++) out.write(chunk);
                } catch (java.io.IOException closedByTheServer) {
                    // expected once the server answered
                }
                assertEquals(413, RawHttp.read(s).status());
            }
            for (String bad : new String[] {"zz\r\n", "ffffffffffffffffffff\r\n", "5\r\nabcdeXX\r\n"}) {
                RawHttp.Answer a = RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/solve", te, bad.getBytes(StandardCharsets.US_ASCII)));
                assertEquals(400, a.status(), bad + ": " + a.body());
            }
        }
    }

    /** Streams {@code prefix}, {@code count} copies of {@code item} (comma separated) and {@code suffix} with a Content-Length. */
    private static RawHttp.Answer stream(ProtocolHttpServer server, String op, String prefix, String item, long count, String suffix) throws Exception {
        long length = prefix.length() + count * item.length() + (count - 1) + suffix.length();
        try (Socket s = RawHttp.connect(server.port())) {
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 20);
            try {
                out.write(RawHttp.request("POST", "/v1/" + op, RawHttp.headers(server, length), prefix.getBytes(StandardCharsets.US_ASCII)));
                byte[] one = item.getBytes(StandardCharsets.US_ASCII);
                for (long i = 0; i < count; i++) {
                    if (i > 0) out.write(',');
                    out.write(one);
                }
                out.write(suffix.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (java.io.IOException closedByTheServer) {
                // it may answer before reading everything
            }
            return RawHttp.read(s);
        }
    }

    @Test
    void twoHundredMegabytesOfTinyValuesAre400NotAFullHeap() throws Exception {
        try (ProtocolHttpServer server = start(ServerOptions.defaults().withMaxBodyBytes(256L << 20))) {
            long mb200 = 200L << 20;
            RawHttp.Answer objects = stream(server, "solve", "{\"session\":\"x\",\"stage\":0,\"stats\":[", "{\"id\":0}", mb200 / 9, "]}");
            assertEquals(400, objects.status(), objects.body());
            assertTrue(objects.body().contains("objects, arrays, names and strings"), objects.body());
            RawHttp.Answer config = stream(server, "describe", "{\"parameters\":[],\"config\":[", "1", mb200 / 2, "]}");
            assertEquals(400, config.status(), config.body());
            assertTrue(config.body().contains("numbers"), config.body());
            RawHttp.Answer names = stream(server, "describe", "{\"config\":{", "\"a\":0", mb200 / 6, "}}");
            assertEquals(400, names.status(), names.body());
            RawHttp.Answer deep = RawHttp.post(server, "describe", "{\"config\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
            assertEquals(400, deep.status(), deep.body());
            assertTrue(deep.body().toLowerCase(java.util.Locale.ROOT).contains("depth"), deep.body());
            RawHttp.Answer longString = RawHttp.post(server, "describe", "{\"config\":{\"a\":\"" + "x".repeat(2 << 20) + "\"}}");
            assertEquals(400, longString.status(), longString.body());
            assertEquals(200, RawHttp.post(server, "describe", describe()).status(), "still serving");
        }
    }
}
