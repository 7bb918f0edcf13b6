package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.hooks.Fixtures;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.WiscaHook;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad requests get a status and a one-line JSON error; lost sessions are recovered; stdio speaks the same protocol. */
class ProtocolErrorsTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final TinyModel LLAMA = TinyModels.build(LIBRARY.get("llama").orElseThrow(), "default", 3);

    static DescribeRequest describeLlama() {
        List<ParameterEntry> params = LLAMA.tensors().stream().map(t -> new ParameterEntry(t.name(), "F32", t.shape())).toList();
        return new DescribeRequest(params, LLAMA.config(), null, null);
    }

    private static HttpResponse<String> post(ProtocolHttpServer server, String op, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.url() + "/v1/" + op)).header("Authorization", "Bearer " + server.token())
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r) {
        JsonNode e = ProtocolJson.parse(r.body()).path("error");
        assertTrue(e.path("message").asText().length() > 5, r.body());
        return e;
    }

    @Test
    void badRequestsAreAnsweredWithStatusAndJsonError() throws Exception {
        try (ProtocolHttpServer server = ProtocolHttpServer.start(new LocalPlanService(SpecChoice.byModelType(), 4), 0, 1, 1 << 20)) {
            HttpResponse<String> r = post(server, "describe", "{not json");
            assertEquals(400, r.statusCode());
            assertEquals("BadRequest", error(r).path("kind").asText());

            r = post(server, "describe", "{\"parameters\": [], \"colour\": 1}");
            assertEquals(400, r.statusCode());
            assertTrue(error(r).path("message").asText().contains("colour"), r.body());

            String valid = ProtocolJson.write(describeLlama());
            r = post(server, "describe", valid.replace("\"F32\"", "\"float32\""));
            assertEquals(400, r.statusCode());
            assertTrue(error(r).path("message").asText().contains("float32"), r.body());

            r = post(server, "solve", "{\"session\": \"nope\", \"stage\": 0, \"stats\": []}");
            assertEquals(404, r.statusCode());
            assertEquals("UnknownSession", error(r).path("kind").asText());

            r = post(server, "describe", valid);
            assertEquals(200, r.statusCode(), r.body());
            DescribeResponse d = ProtocolJson.read(r.body(), DescribeResponse.class);
            assertEquals(1, d.stages().size());
            assertEquals(4, d.sites(), "qk and vo in two layers");
            r = post(server, "solve", ProtocolJson.write(new SolveRequest(d.session(), 0, List.of())));
            assertEquals(400, r.statusCode());
            assertTrue(error(r).path("message").asText().contains("no statistics for request 0"), r.body());
            r = post(server, "solve", ProtocolJson.write(new SolveRequest(d.session(), 3, List.of())));
            assertEquals(400, r.statusCode());

            r = post(server, "describe", "x".repeat(2 << 20));
            assertEquals(413, r.statusCode());

            HttpResponse<String> get = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/describe")).header("Authorization", "Bearer " + server.token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/health")).header("Authorization", "Bearer " + server.token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertEquals(1, ProtocolJson.parse(health.body()).path("sessions").asInt());
        }
    }

    @Test
    void clientSeesTheServersErrorKind() {
        try (ProtocolHttpServer server = ProtocolHttpServer.start(new LocalPlanService(SpecChoice.byModelType(), 4), 0, 1, 1 << 20)) {
            HttpPlanClient client = new HttpPlanClient(URI.create(server.url()), server.token(), Duration.ofSeconds(10));
            var config = LLAMA.config().deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) config).put("num_attention_heads", 3);
            WiscaException e = assertThrows(WiscaException.class,
                () -> client.describe(new DescribeRequest(describeLlama().parameters(), config, null, null)));
            assertFalse(e.getMessage().isBlank());
            assertTrue(e.kind() != ErrorKind.IO, e.getMessage());
        }
    }

    @Test
    void hookDescribesAgainWhenTheServerLostItsSession() {
        LocalPlanService service = new LocalPlanService(SpecChoice.byModelType(), 1);
        MemoryParameterStore a = Fixtures.store(LLAMA), b = Fixtures.store(LLAMA);
        WiscaHook first = new WiscaHook(a, service, LLAMA.config(), null, RescaleSettings.paper(), Schedule.every(10));
        WiscaHook second = new WiscaHook(b, service, LLAMA.config(), null, RescaleSettings.paper(), Schedule.every(10));
        first.describe();
        second.describe(); // evicts the first hook's session
        assertTrue(first.onStep(10).isPresent());
        assertTrue(first.onStep(11).isEmpty());
        assertEquals(4, second.onStep(20).orElseThrow().sites().size());
    }

    @Test
    void stdioAnswersEachLineAndStopsAtShutdown() throws Exception {
        String describe = ProtocolJson.write(java.util.Map.of("op", "describe", "request", ProtocolJson.tree(describeLlama())));
        String input = describe + "\n{\"op\": \"solve\"}\nnot json\n{\"op\":\"health\"}\n{\"op\":\"shutdown\"}\n{\"op\":\"health\"}\n";
        StringWriter out = new StringWriter();
        long answered = ProtocolStdio.serve(new StringReader(input), out, new LocalPlanService(SpecChoice.byModelType(), 4), 1 << 20);
        String[] lines = out.toString().split("\n");
        assertEquals(5, answered);
        assertEquals(5, lines.length);
        assertTrue(ProtocolJson.parse(lines[0]).path("ok").asBoolean(), lines[0]);
        assertTrue(ProtocolJson.parse(lines[0]).path("response").path("session").asText().length() == 32);
        assertFalse(ProtocolJson.parse(lines[1]).path("ok").asBoolean());
        assertEquals("BadRequest", ProtocolJson.parse(lines[2]).path("error").path("kind").asText());
        assertEquals(1, ProtocolJson.parse(lines[3]).path("response").path("sessions").asInt());
        assertEquals("stopping", ProtocolJson.parse(lines[4]).path("response").path("status").asText());
    }

    @Test
    void scheduleRunsEveryNAtListedStepsAndAtInit() {
        Schedule s = Schedule.every(250).andAtInit();
        assertTrue(s.due(0) && s.due(250) && s.due(500));
        assertFalse(s.due(1) || s.due(249));
        Schedule at = Schedule.at(3, 7);
        assertTrue(at.due(3) && at.due(7));
        assertFalse(at.due(0) || at.due(4));
        assertFalse(Schedule.every(5).due(0));
    }
}
