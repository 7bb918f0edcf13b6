package dev.wisca.rescale.forward.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.forward.ForwardModel;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.ProbeInputs;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.rescale.forward.TestModels;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sliding-window attention judged by transformers itself: tiny checkpoints whose window (4) is
 * shorter than the 16 probe tokens are written as Hugging Face folders, run by transformers in
 * float64 (rescale/src/test/python/hf_logits.py through {@code $WISCA_PYTHON}), and both wisca
 * forward passes (plain-Java reference, DJL) must give the same logits. Each case also shows that
 * the window bites: without it the logits differ. Covers every way the families configure it:
 * mistral (every layer), qwen2 ({@code use_sliding_window}, layers ≥ {@code max_window_layers}),
 * qwen2 with an explicit {@code layer_types}, gemma2 (even layers), qwen2_moe (even layers below
 * {@code max_window_layers}).
 */
@Tag("python")
class SlidingWindowOracleTest {
    static final Path SCRIPT = Path.of("src", "test", "python", "hf_logits.py").toAbsolutePath();
    static final int[][] TOKENS = ProbeInputs.tokens(128, 2, 16, 11);
    /**
     * transformers computes RoPE's cos/sin in float32 even for a float64 model (about 1e-6 relative
     * here); a window off by one position moves the logits by more than 1e-3 (checked below).
     */
    static final double AGREEMENT = 2e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    record Case(String name, String type, Consumer<ObjectNode> window, Consumer<ObjectNode> noWindow, List<String> layerTypes) {}

    @Test
    void referenceAndDjlMatchTransformersWithSlidingWindows() throws Exception {
        List<Case> cases = List.of(
            new Case("mistral", "mistral", c -> c.put("sliding_window", 4), c -> c.putNull("sliding_window"),
                List.of("sliding_attention", "sliding_attention")),
            new Case("qwen2-max-window-layers", "qwen2", c -> c.put("use_sliding_window", true).put("sliding_window", 4)
                .put("max_window_layers", 1), c -> c.put("use_sliding_window", false), List.of("full_attention", "sliding_attention")),
            new Case("qwen2-layer-types", "qwen2", c -> {
                c.put("use_sliding_window", true).put("sliding_window", 4).put("max_window_layers", 1);
                c.putArray("layer_types").add("sliding_attention").add("full_attention");
            }, c -> c.put("use_sliding_window", false), List.of("sliding_attention", "full_attention")),
            new Case("gemma2", "gemma2", c -> c.put("sliding_window", 4), c -> c.put("sliding_window", 4096),
                List.of("sliding_attention", "full_attention")),
            new Case("qwen2_moe", "qwen2_moe", c -> c.put("use_sliding_window", true).put("sliding_window", 4)
                .put("max_window_layers", 2), c -> c.put("use_sliding_window", false), List.of("sliding_attention", "full_attention")));
        List<Path> dirs = new ArrayList<>();
        ArrayNode jobs = JSON.createArrayNode();
        for (Case c : cases) {
            Path model = write(c.type(), c.window(), dir.resolve(c.name()));
            dirs.add(model);
            ObjectNode job = jobs.addObject();
            job.put("model", model.toString());
            job.set("tokens", JSON.valueToTree(TOKENS));
            job.put("out", dir.resolve(c.name() + ".json").toString());
        }
        runTransformers(jobs);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            JsonNode judged = JSON.readTree(dir.resolve(c.name() + ".json").toFile());
            List<String> types = new ArrayList<>();
            judged.path("layer_types").forEach(t -> types.add(t.asText()));
            if (!judged.path("layer_types").isNull()) assertEquals(c.layerTypes(), types, c.name() + ": transformers' layer types");
            Logits expected = logits(judged.path("logits"));
            Logits reference = run(dirs.get(i), s -> ReferenceForward.open(s));
            Logits djl = run(dirs.get(i), s -> DjlForward.open(s));
            TestModels.assertClose(expected, reference, AGREEMENT, c.name() + " reference vs transformers");
            TestModels.assertClose(expected, djl, AGREEMENT, c.name() + " DJL vs transformers");
            Logits unwindowed = run(write(c.type(), c.noWindow(), dir.resolve(c.name() + "-no-window")), s -> ReferenceForward.open(s));
            assertTrue(TestModels.relativeDiff(expected, unwindowed) > 1e-3, c.name() + ": the window must change the logits");
        }
    }

    private static Path write(String type, Consumer<ObjectNode> edit, Path to) {
        TinyModel model = TestModels.model(type, "default", 31);
        ObjectNode config = model.config().deepCopy();
        edit.accept(config);
        return TinyModelFiles.write(new TinyModel(model.spec(), model.example(), config, model.tensors()), to);
    }

    private static Logits run(Path folder, Function<ModelSource, ForwardModel> open) {
        try (Checkpoint ckpt = Checkpoint.open(folder)) {
            ModelSource source = ModelSource.of(ckpt, ckpt.configJson().orElseThrow(), TestModels.LIBRARY);
            try (ForwardModel m = open.apply(source)) {
                return m.logits(TOKENS);
            }
        }
    }

    private static Logits logits(JsonNode nested) {
        int batch = nested.size();
        int seq = nested.get(0).size();
        int vocab = nested.get(0).get(0).size();
        double[] v = new double[batch * seq * vocab];
        int at = 0;
        for (JsonNode s : nested) for (JsonNode p : s) for (JsonNode x : p) v[at++] = x.doubleValue();
        return new Logits(batch, seq, vocab, v);
    }

    /** Runs hf_logits.py on {@code jobs} with {@code $WISCA_PYTHON}; fails saying how to get one when it is unset. */
    static void runTransformers(ArrayNode jobs) throws IOException, InterruptedException {
        String python = System.getenv("WISCA_PYTHON");
        assertTrue(python != null && !python.isBlank(), "WISCA_PYTHON is not set: this test needs a Python with torch and transformers "
            + "(run the tests through bin/test, or WISCA_PYTHON=$(bin/python-env) ./mvnw ...)");
        assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT);
        Path jobsFile = Files.createTempFile("hf-jobs", ".json");
        try {
            Files.writeString(jobsFile, JSON.writeValueAsString(jobs));
            Process p = new ProcessBuilder(python, SCRIPT.toString(), jobsFile.toString()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "hf_logits.py did not finish in 300 s");
            assertEquals(0, p.exitValue(), "hf_logits.py failed:\n" + new String(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(jobsFile);
        }
    }
}
