package dev.wisca.samples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The experiment's wiring at smoke size (all arms, one seed, a few dozen steps): every file is
 * written, every rescale left the outputs unchanged within f32 rounding and the weights balanced,
 * every run's loss went down, and the checkpoints are Hugging Face folders. Not the effect.
 */
@Tag("slow")
class ExperimentSmokeTest {
    @Test
    void smokeRunWritesEverythingAndEveryRescaleIsExact(@TempDir Path out) throws Exception {
        Assertions.assertTrue(Files.isDirectory(Experiment.FORTUNES),
            "the corpus is the Debian package 'fortunes' (bin/experiment and .ci/run install it)");
        Settings s = Settings.smoke(out);
        Experiment.Report report = Experiment.run(s, null, line -> {});

        Set<String> arms = report.runs().stream().map(Curves.Run::arm).collect(Collectors.toSet());
        assertEquals(7, arms.size(), "all arms: " + arms);
        for (String f : List.of("curves.csv", "events.csv", "summary.md", "loss.svg")) assertTrue(Files.size(out.resolve(f)) > 100, f);
        for (Curves.Run r : report.runs()) {
            double firstTrain = r.points().stream().filter(p -> p.split().equals("train")).limit(3).mapToDouble(Curves.Point::loss).average().orElseThrow();
            double firstVal = r.points().stream().filter(p -> p.split().equals("val")).findFirst().orElseThrow().loss();
            assertTrue(r.finalTrainLoss() < firstTrain, r.arm() + ": train loss " + firstTrain + " → " + r.finalTrainLoss());
            assertTrue(r.finalValLoss() < firstVal, r.arm() + ": val loss " + firstVal + " → " + r.finalValLoss());
            boolean rescales = !r.arm().equals("baseline") && !r.arm().equals("lora");
            assertEquals(rescales, !r.events().isEmpty(), r.arm() + " rescale events");
            for (Curves.Event e : r.events()) {
                assertTrue(e.maxRelDiff() < 1e-5, r.arm() + " step " + e.step() + ": outputs changed by " + e.maxRelDiff());
                assertTrue(e.imbalanceAfter() < 1e-5, r.arm() + " step " + e.step() + ": imbalance after " + e.imbalanceAfter());
                assertTrue(e.sites() > 0, r.arm() + " step " + e.step() + ": no site rescaled");
                assertFalse(e.moments().contains(" 0 scaled") && e.step() > 0, r.arm() + ": moments not transformed: " + e.moments());
            }
        }
        assertTrue(Files.readString(out.resolve("summary.md")).contains("| wisca-every10 | 1 |"));
        assertTrue(Files.readString(out.resolve("loss.svg")).startsWith("<svg"));
        long csvRows = Files.lines(out.resolve("curves.csv")).count() - 1;
        long expected = report.runs().stream().mapToLong(r -> r.points().size()).sum();
        assertEquals(expected, csvRows);

        ObjectMapper json = new ObjectMapper();
        Path model = out.resolve("checkpoints/wisca-every10-seed0");
        JsonNode config = json.readTree(model.resolve("config.json").toFile());
        assertEquals("llama", config.get("model_type").asText());
        assertEquals(2, config.get("num_key_value_heads").asInt());
        try (SafetensorsFile f = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            Set<String> names = f.header().tensors().stream().map(t -> t.name()).collect(Collectors.toSet());
            assertTrue(names.contains("model.layers.1.self_attn.k_proj.weight"), names.toString());
            assertTrue(names.contains("lm_head.weight"));
            assertEquals(3 + 9 * s.model().layers(), names.size(), names.toString());
        }
        Path adapter = out.resolve("checkpoints/lora-wisca-every5-seed0");
        assertEquals("LORA", json.readTree(adapter.resolve("adapter_config.json").toFile()).get("peft_type").asText());
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
            assertEquals(4 * s.model().layers(), f.header().tensors().size());
        }
    }
}
