package dev.wisca.sdk.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code src/test/python/transformers_oracle.py} process: JSON requests on its stdin,
 * one JSON answer per line on its stdout (its stderr goes to {@code oracle.log} in {@code work}).
 * The interpreter is {@code $WISCA_PYTHON} (bin/test sets it to bin/python-env's venv); without it,
 * or without transformers, {@link #start} fails with what to do.
 */
final class TransformersOracle implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SCRIPT = Path.of("src", "test", "python", "transformers_oracle.py").toAbsolutePath();

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Path log;

    private TransformersOracle(Process process, Path log) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.log = log;
    }

    static TransformersOracle start(Path work) throws IOException {
        String python = System.getenv("WISCA_PYTHON");
        if (python == null || python.isBlank()) {
            throw new AssertionError("WISCA_PYTHON is not set: the transformers oracle tests need bin/python-env's interpreter"
                + " (run them through bin/test, or export WISCA_PYTHON=$(bin/python-env))");
        }
        if (!Files.isRegularFile(SCRIPT)) throw new AssertionError("missing " + SCRIPT);
        Path log = work.resolve("oracle.log");
        Process p = new ProcessBuilder(python, SCRIPT.toString()).redirectError(log.toFile()).start();
        TransformersOracle oracle = new TransformersOracle(p, log);
        JsonNode ready = oracle.read();
        if (!ready.path("ready").asBoolean(false)) throw new AssertionError("oracle did not start: " + ready + "\n" + oracle.logTail());
        return oracle;
    }

    /** Sends one request and returns its answer; an answer with {@code error} fails the calling test. */
    synchronized JsonNode call(ObjectNode request) {
        try {
            in.write(JSON.writeValueAsString(request));
            in.newLine();
            in.flush();
            JsonNode answer = read();
            if (answer.has("error")) {
                throw new AssertionError("transformers oracle: " + request.path("op").asText() + " failed: " + answer.get("error").asText());
            }
            return answer;
        } catch (IOException e) {
            throw new AssertionError("transformers oracle died: " + e.getMessage() + "\n" + logTail(), e);
        }
    }

    static ObjectNode request(String op) { return JSON.createObjectNode().put("op", op); }

    private JsonNode read() throws IOException {
        String line = out.readLine();
        if (line == null) {
            throw new AssertionError("the transformers oracle (" + System.getenv("WISCA_PYTHON") + " " + SCRIPT
                + ") exited; is transformers installed? Its log:\n" + logTail());
        }
        return JSON.readTree(line);
    }

    private String logTail() {
        try {
            String text = Files.exists(log) ? Files.readString(log) : "";
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            in.write("{\"op\": \"quit\"}");
            in.newLine();
            in.close();
        } catch (IOException ignored) {
            // already gone: destroyed below
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
