package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 11 §6: a stranger (another user, a web page, a rebinding DNS name) cannot drive {@code wisca serve}. */
class ServeAuthTest {
    @TempDir Path dir;

    private ProtocolHttpServer start(Path tokenFile) {
        return ProtocolHttpServer.start(new LocalPlanService(SpecChoice.byModelType(), 4), ServerOptions.defaults().withWorkers(1).withTokenFile(tokenFile));
    }

    private static RawHttp.Answer health(ProtocolHttpServer server, String headers) throws Exception {
        return RawHttp.exchange(server.port(), RawHttp.request("GET", "/v1/health", headers, new byte[0]));
    }

    @Test
    void theTokenFileHoldsTheSecretReadableOnlyByTheUserAndIsDeletedAtStop() throws Exception {
        Path file = dir.resolve("made").resolve("by-wisca").resolve("serve.token");
        String token;
        try (ProtocolHttpServer server = start(file)) {
            token = server.token();
            assertEquals(file, server.tokenFile());
            assertTrue(token.matches("[0-9a-f]{64}"), "32 random bytes as hex: " + token);
            assertEquals(token, Files.readString(file).trim());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
            try (var siblings = Files.list(file.getParent())) {
                assertEquals(1, siblings.count(), "no temp file left beside it");
            }
            try (ProtocolHttpServer other = start(dir.resolve("other.token"))) {
                assertNotEquals(token, other.token(), "a secret per server");
            }
        }
        assertFalse(Files.exists(file), "deleted at stop");
    }

    @Test
    void withoutTheSecretEveryRequestIs401() throws Exception {
        try (ProtocolHttpServer server = start(dir.resolve("t"))) {
            String host = "Host: 127.0.0.1:" + server.port();
            RawHttp.Answer none = health(server, host);
            assertEquals(401, none.status(), none.body());
            assertTrue(none.body().contains("Authorization"), none.body());
            assertEquals(401, health(server, host + "\r\nAuthorization: Bearer " + "0".repeat(64)).status());
            assertEquals(401, health(server, host + "\r\nAuthorization: Basic " + server.token()).status());
            assertEquals(401, health(server, host + "\r\nAuthorization: Bearer " + server.token().substring(1)).status());
            byte[] describe = ProtocolJson.write(ProtocolErrorsTest.describeLlama()).getBytes(StandardCharsets.UTF_8);
            RawHttp.Answer post = RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/describe", host + "\r\nContent-Length: " + describe.length, describe));
            assertEquals(401, post.status(), post.body());
            RawHttp.Answer shutdown = RawHttp.exchange(server.port(), RawHttp.request("POST", "/v1/shutdown", host + "\r\nContent-Length: 0", new byte[0]));
            assertEquals(401, shutdown.status(), "a stranger cannot stop it either");
            assertEquals(200, health(server, RawHttp.headers(server, -1)).status(), "still serving, and with the secret it answers");
            assertEquals(200, health(server, "host: localhost:" + server.port() + "\r\nauthorization: bearer " + server.token()).status(),
                "header names and the scheme are case-insensitive");
        }
    }

    @Test
    void aWebPageOrANonLoopbackHostIs403EvenWithTheSecret() throws Exception {
        try (ProtocolHttpServer server = start(dir.resolve("t"))) {
            String auth = "Authorization: Bearer " + server.token();
            RawHttp.Answer origin = health(server, "Host: 127.0.0.1:" + server.port() + "\r\n" + auth + "\r\nOrigin: http://127.0.0.1:" + server.port());
            assertEquals(403, origin.status(), origin.body());
            assertTrue(origin.body().contains("Origin"), origin.body());
            assertEquals(403, health(server, "Host: 127.0.0.1\r\n" + auth + "\r\nOrigin: null").status());
            for (String host : new String[] {"evil.example", "evil.example:" + "1", "127.0.0.1.evil.example", "localhost.evil", "10.0.0.1", "[::2]:80",
                "127.0.0.1:80:80", "127.0.0.1 x"}) {
                RawHttp.Answer a = health(server, "Host: " + host + "\r\n" + auth);
                assertEquals(403, a.status(), host + ": " + a.body());
            }
            assertEquals(403, health(server, auth).status(), "no Host at all");
            for (String host : new String[] {"127.0.0.1", "localhost:1", "LOCALHOST", "[::1]", "[::1]:" + server.port()}) {
                assertEquals(200, health(server, "Host: " + host + "\r\n" + auth).status(), host);
            }
        }
    }

    @Test
    void theJavaClientSendsTheSecretAndAPlainClientIsRefused() throws Exception {
        try (ProtocolHttpServer server = start(dir.resolve("t"))) {
            HttpPlanClient client = new HttpPlanClient(URI.create(server.url()), server.token(), Duration.ofSeconds(20));
            assertEquals(4, client.describe(ProtocolErrorsTest.describeLlama()).sites());
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/health")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
        }
    }
}
