package dev.wisca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wisca serve} as a real process: its first line says where the secret is; only requests with it are served. */
class ServeCommandTest {
    @TempDir Path dir;

    private static Process serve(Path tokenFile) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--port", "0", "--token-file", tokenFile.toString()));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url + "/v1/health")).timeout(Duration.ofSeconds(20));
        if (token != null) r.header("Authorization", "Bearer " + token);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theStartupLineNamesTheUrlAndTokenFileAndOnlyTheSecretIsServed() throws Exception {
        Path tokenFile = dir.resolve("private").resolve("serve.token");
        Process p = serve(tokenFile);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            JsonNode startup = new ObjectMapper().readTree(out.readLine());
            String url = startup.path("url").asText();
            assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+"), startup.toString());
            assertEquals(tokenFile.toString(), startup.path("token_file").asText());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            String token = Files.readString(tokenFile).trim();
            assertEquals(401, get(url, null).statusCode());
            assertEquals(200, get(url, token).statusCode());
            HttpResponse<String> stop = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v1/shutdown"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, stop.statusCode(), stop.body());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stopped");
            assertEquals(0, p.exitValue());
            assertFalse(Files.exists(tokenFile), "the token file is deleted at shutdown");
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTerminatedServerDeletesItsTokenFile() throws Exception {
        Path tokenFile = dir.resolve("serve.token");
        Process p = serve(tokenFile);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(out.readLine().contains("token_file"));
            assertTrue(Files.isRegularFile(tokenFile));
            p.destroy(); // SIGTERM: the shutdown hook closes the server
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertFalse(Files.exists(tokenFile));
        } finally {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void badServeAndWatchNumbersAreUsageErrors() {
        Cli requests = Cli.run("serve", "--port", "0", "--max-requests", "100000", "--token-file", dir.resolve("t").toString());
        assertEquals(ExitCodes.USER_ERROR, requests.exitCode(), requests.err());
        assertTrue(requests.err().contains("--max-requests"), requests.err());
        Cli threads = Cli.run("serve", "--port", "0", "--threads", "2", "--token-file", dir.resolve("t").toString());
        assertEquals(ExitCodes.USER_ERROR, threads.exitCode(), "serve has no --threads (it would mean workers): " + threads.err());
        for (String poll : new String[] {"NaN", "-1", "Infinity"}) {
            Cli watch = Cli.run("watch", dir.toString(), "--once", "--poll", poll);
            assertEquals(ExitCodes.USER_ERROR, watch.exitCode(), poll + ": " + watch.err());
            assertTrue(watch.err().contains("--poll"), watch.err());
        }
    }
}
