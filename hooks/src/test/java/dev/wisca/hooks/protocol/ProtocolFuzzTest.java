package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 11 §6 tests: mutated and random protocol requests get a 4xx with a reason or a valid
 * answer, never a 500 and never silence: over the handler (describe and solve, byte-level edits and
 * random JSON in every field) and, a bounded number, as raw HTTP on 127.0.0.1 with short timeouts.
 */
class ProtocolFuzzTest {
    static final Set<Integer> HANDLER_STATUSES = Set.of(200, 400, 404, 413);
    static final Set<Integer> HTTP_STATUSES = Set.of(200, 400, 401, 403, 404, 405, 408, 411, 413, 431);
    static final String[] FRAGMENTS = {"null", "-1", "0", "-0", "1e309", "-1e309", "NaN", "-Infinity", "\"x\"", "\"\"", "[]", "{}", "[[[[",
        "}}}}", "99999999999999999999999", "9223372036854775807", "-9223372036854775808", "2147483648", "4.9e-324", "true",
        "\"F16\"", "\"BF16\"", "\"I8\"", "\"\\u0000\"", ",", ":", "\"", "\\", "{\"a\":", "[1,2,3]", "\"rows\"", "\"lora\""};

    static LocalPlanService describes;
    static LocalPlanService solves;
    static ProtocolHandler describeHandler;
    static ProtocolHandler solveHandler;
    static String describeJson;
    static String solveJson;
    static ProtocolHttpServer server;
    static Path tokenDir;

    @BeforeContainer
    static void start() throws Exception {
        describes = new LocalPlanService(SpecChoice.byModelType(), 4);
        describeHandler = new ProtocolHandler(describes, describes::sessions);
        OptionsEntry options = new OptionsEntry(List.of("qk", "vo", "updown", "norm"), "channel", "l2", 0.5, "auto", true, 0.25, 4.0, 1.0);
        describeJson = ProtocolJson.write(ProtocolFixtures.describe("BF16", options));
        solves = new LocalPlanService(SpecChoice.byModelType(), 4); // only the base session: mutated describes cannot evict it
        solveHandler = new ProtocolHandler(solves, solves::sessions);
        DescribeResponse d = ProtocolJson.read(solveHandler.handleBody("describe", describeJson.getBytes(StandardCharsets.UTF_8)).body(), DescribeResponse.class);
        solveJson = ProtocolJson.write(new SolveRequest(d.session(), 0, ProtocolFixtures.stats(d, 0, ProtocolFixtures.store())));
        tokenDir = Files.createTempDirectory("wisca-fuzz");
        server = ProtocolHttpServer.start(solves, ServerOptions.defaults().withMaxBodyBytes(1 << 20).withTokenFile(tokenDir.resolve("t"))
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }

    @AfterContainer
    static void stop() throws Exception {
        server.close();
        Files.deleteIfExists(tokenDir);
    }

    private static void assertTyped(ProtocolHandler.Reply r, String input) {
        String shown = input.length() > 300 ? input.substring(0, 300) + "..." : input;
        assertTrue(HANDLER_STATUSES.contains(r.status()), r.status() + " " + r.error() + " for " + shown);
        if (!r.ok()) {
            assertNotNull(r.error().kind(), shown);
            assertFalse(r.error().message() == null || r.error().message().isBlank(), shown);
        } else {
            assertNotNull(r.body());
        }
    }

    /** One edit of a message: a span replaced by a fragment (or deleted, or the message cut). */
    record Edit(double where, int length, String fragment) {
        String apply(String s) {
            int at = (int) (where * s.length());
            int end = Math.min(s.length(), at + length);
            return fragment == null ? s.substring(0, at) : s.substring(0, at) + fragment + s.substring(end);
        }
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<String> fragment = Arbitraries.oneOf(Arbitraries.of(FRAGMENTS), Arbitraries.strings().ofMaxLength(6), Arbitraries.just(""),
            Arbitraries.just(null));
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 12), fragment).as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(4);
    }

    private static String edited(String base, List<Edit> edits) {
        String s = base;
        for (Edit e : edits) s = e.apply(s);
        return s;
    }

    @Property(tries = 400)
    void editedDescribeRequestsGetAnAnswerOrA4xx(@ForAll("edits") List<Edit> edits) {
        String body = edited(describeJson, edits);
        assertTyped(describeHandler.handleBody("describe", body.getBytes(StandardCharsets.UTF_8)), body);
    }

    @Property(tries = 200)
    void editedSolveRequestsGetAnAnswerOrA4xx(@ForAll("edits") List<Edit> edits) {
        String body = edited(solveJson, edits);
        assertTyped(solveHandler.handleBody("solve", body.getBytes(StandardCharsets.UTF_8)), body);
    }

    /** Random JSON: scalars of every kind (extremes included), and arrays/objects of them, two levels deep. */
    @Provide
    Arbitrary<JsonNode> json() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
            Arbitraries.longs().map(f::numberNode), Arbitraries.integers().between(-3, 70).map(f::numberNode),
            Arbitraries.doubles().map(f::numberNode), Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, Double.MAX_VALUE, 1e-320).map(f::numberNode),
            Arbitraries.strings().ofMaxLength(8).map(f::textNode), Arbitraries.of("F32", "BF16", "F8_E4M3", "I64", "rows", "cols", "qk", "lora",
                "kv-group", "on", "").map(f::textNode),
            Arbitraries.of(true, false).map(f::booleanNode), Arbitraries.just(f.nullNode()));
        Arbitrary<JsonNode> array = scalar.list().ofMaxSize(5).map(l -> { ArrayNode a = f.arrayNode(); l.forEach(a::add); return a; });
        Arbitrary<JsonNode> object = Combinators.combine(Arbitraries.of("id", "name", "shape", "dtype", "x", "pairs", "sum").list().ofMaxSize(3),
            scalar.list().ofSize(3)).as((keys, values) -> {
                ObjectNode o = f.objectNode();
                for (int i = 0; i < keys.size(); i++) o.set(keys.get(i), values.get(i));
                return o;
            });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, scalar), net.jqwik.api.Tuple.of(2, array), net.jqwik.api.Tuple.of(2, object),
            net.jqwik.api.Tuple.of(1, array.list().ofMaxSize(3).map(l -> { ArrayNode a = f.arrayNode(); l.forEach(a::add); return a; })));
    }

    /** Every value position of {@code node} (objects' fields and arrays' elements), as parent and key/index. */
    private static List<Object[]> positions(JsonNode node, List<Object[]> out) {
        if (node.isObject()) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String n = names.next();
                out.add(new Object[] {node, n});
                positions(node.get(n), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size() && i < 40; i++) {
                out.add(new Object[] {node, i});
                positions(node.get(i), out);
            }
        }
        return out;
    }

    private static String replaced(String base, double where, JsonNode value) {
        JsonNode tree = ProtocolJson.parse(base);
        List<Object[]> at = positions(tree, new ArrayList<>());
        Object[] p = at.get((int) (where * at.size()));
        if (p[0] instanceof ObjectNode o) o.set((String) p[1], value);
        else ((ArrayNode) p[0]).set((Integer) p[1], value);
        return ProtocolJson.write(tree);
    }

    /** Every position of a describe request, one at a time, set to JSON null (found by the property below: a null dtype). */
    @net.jqwik.api.Example
    void nullInEveryDescribeFieldGetsAnAnswerOrA4xx() {
        int positions = positions(ProtocolJson.parse(describeJson), new ArrayList<>()).size();
        for (int i = 0; i < positions; i++) {
            String body = replaced(describeJson, (i + 0.5) / positions, JsonNodeFactory.instance.nullNode());
            assertTyped(describeHandler.handleBody("describe", body.getBytes(StandardCharsets.UTF_8)), body);
        }
    }

    @Property(tries = 300)
    void randomJsonInAnyDescribeFieldGetsAnAnswerOrA4xx(@ForAll("json") JsonNode value, @ForAll double where) {
        String body = replaced(describeJson, Math.abs(where) % 1, value);
        assertTyped(describeHandler.handleBody("describe", body.getBytes(StandardCharsets.UTF_8)), body);
    }

    @Property(tries = 150)
    void randomJsonInAnySolveFieldGetsAnAnswerOrA4xx(@ForAll("json") JsonNode value, @ForAll double where) {
        String body = replaced(solveJson, Math.abs(where) % 1, value);
        assertTyped(solveHandler.handleBody("solve", body.getBytes(StandardCharsets.UTF_8)), body);
    }

    @Property(tries = 100)
    void stdioLinesGetAnAnswerOrA4xx(@ForAll("edits") List<Edit> edits) throws Exception {
        String line = edited("{\"op\":\"solve\",\"request\":" + solveJson + "}", edits).replace('\n', ' ');
        if (line.isBlank()) return; // skipped by the server, nothing to answer
        java.io.StringWriter out = new java.io.StringWriter();
        ProtocolStdio.serve(new java.io.StringReader(line + "\n"), out, solves, 1 << 20);
        JsonNode answer = ProtocolJson.parse(out.toString().trim());
        if (!answer.path("ok").asBoolean()) {
            assertFalse(answer.path("error").path("kind").asText().equals("Internal"), out + " for " + line);
            assertFalse(answer.path("error").path("message").asText().isBlank(), line);
        }
    }

    /** A raw request: method, path, header lines (some well-formed, some not) and a body, maybe edited. */
    record RawRequest(String method, String path, List<String> headers, String body, boolean declareLength) {
        byte[] bytes(ProtocolHttpServer server) {
            StringBuilder h = new StringBuilder();
            for (String line : headers) {
                h.append(line.replace("PORT", String.valueOf(server.port())).replace("TOKEN", server.token())).append("\r\n");
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            if (declareLength) h.append("Content-Length: ").append(b.length).append("\r\n");
            String head = h.isEmpty() ? "" : h.substring(0, h.length() - 2);
            return RawHttp.request(method, path, head, b);
        }
    }

    @Provide
    Arbitrary<RawRequest> rawRequests() {
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "POST", "POST", "PUT", "DELETE", "get", "", "PO ST");
        Arbitrary<String> path = Arbitraries.of("/v1/describe", "/v1/solve", "/v1/health", "/v1/solve?x=1", "/v1/", "/", "/v2/solve",
            "/v1/../v1/health", "/v1/shutdownx", "/v1/%2e%2e", "*", "http://127.0.0.1/v1/health", "/v1/solve/../describe");
        Arbitrary<String> header = Arbitraries.of("Host: 127.0.0.1:PORT", "Host: 127.0.0.1:PORT", "Host: evil.example", "Host: localhost",
            "Authorization: Bearer TOKEN", "Authorization: Bearer TOKEN", "Authorization: Bearer TOKEN", "Authorization: Bearer 00",
            "Origin: http://evil.example", "Content-Length: 7", "Content-Length: -3", "Content-Length: 99999999999",
            "Transfer-Encoding: chunked", "Transfer-Encoding: gzip", "Expect: 100-continue", "Connection: keep-alive", "X: y", ": empty",
            " folded", "Garbage", "Content-Type: application/json");
        Arbitrary<String> body = Arbitraries.oneOf(
            edits().map(e -> edited(solveJson, e)), edits().map(e -> edited(describeJson, e)), Arbitraries.strings().ofMaxLength(40),
            Arbitraries.just(""), Arbitraries.just("5\r\nhello\r\n0\r\n\r\n"));
        return Combinators.combine(method, path, header.list().ofMaxSize(6), body, Arbitraries.of(true, true, false)).as(RawRequest::new);
    }

    @Property(tries = 60)
    void rawHttpRequestsOnLoopbackGetAnAnswerWithA4xxOrA200(@ForAll("rawRequests") RawRequest request) throws Exception {
        RawHttp.Answer a = RawHttp.exchange(server.port(), request.bytes(server));
        assertTrue(HTTP_STATUSES.contains(a.status()), a.status() + " " + a.body() + " for " + request);
        if (a.status() != 200) assertTrue(a.body().contains("\"message\""), a.body());
        // The server still answers the well-formed request afterwards.
        assertTrue(RawHttp.exchange(server.port(), RawHttp.request("GET", "/v1/health", RawHttp.headers(server, -1), new byte[0])).status() == 200);
    }
}
