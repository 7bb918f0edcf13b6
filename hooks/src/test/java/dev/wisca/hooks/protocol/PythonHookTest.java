package dev.wisca.hooks.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs samples/python/test_wisca_hook.py (a tiny Llama in PyTorch, hooked) against this engine:
 * once over loopback HTTP to an in-process server, once over stdio to a child JVM. The interpreter is
 * {@code $WISCA_PYTHON} (bin/test sets it to bin/python-env's venv); without torch the test fails.
 */
@Tag("python")
class PythonHookTest {
    static final String PYTHON = System.getenv().getOrDefault("WISCA_PYTHON", "python3");
    static final Path SAMPLES = Path.of("..", "samples", "python").toAbsolutePath().normalize();

    static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void runUnittest(Map<String, String> variables) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PYTHON, "-m", "unittest", "-v", "test_wisca_hook")
            .directory(SAMPLES.toFile()).redirectErrorStream(true);
        pb.environment().remove("WISCA_TOKEN");
        pb.environment().putAll(variables);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python tests did not finish:\n" + output);
        }
        assertEquals(0, p.exitValue(), output);
    }

    @Test
    void pythonHookOverHttp() throws Exception {
        assertTrue(torchAvailable(), PYTHON + " has no torch: run the tests through bin/test, which sets WISCA_PYTHON");
        assertTrue(Files.isRegularFile(SAMPLES.resolve("test_wisca_hook.py")), "missing " + SAMPLES);
        try (ProtocolHttpServer server = ProtocolHttpServer.start(LocalPlanService.builtin(), 0, 2, ProtocolHttpServer.DEFAULT_MAX_BODY_BYTES)) {
            // The hook finds the secret where wisca serve's startup line says: the token file.
            runUnittest(Map.of("WISCA_SERVER", server.url(), "WISCA_TOKEN_FILE", server.tokenFile().toString()));
        }
    }

    @Test
    void pythonHookOverStdio() throws Exception {
        assertTrue(torchAvailable(), PYTHON + " has no torch: run the tests through bin/test, which sets WISCA_PYTHON");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = String.join(" ", List.of(java, "-cp", System.getProperty("java.class.path"), StdioMain.class.getName()));
        runUnittest(Map.of("WISCA_SERVE_COMMAND", command));
    }
}
