package dev.wisca.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow")
class StatsReportCommandTest {
    @TempDir Path dir;

    @Test
    void statsJsonGivesTheQkRatioOfTheWeights() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 8);
        Cli r = Cli.run("stats", in.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        double q, k;
        try (SafetensorsFile f = SafetensorsFile.open(in.resolve("model.safetensors"))) {
            q = RescaleCommandTest.l1(f.tensor("model.layers.1.self_attn.q_proj.weight"));
            k = RescaleCommandTest.l1(f.tensor("model.layers.1.self_attn.k_proj.weight"));
        }
        JsonNode layer1 = root.get("attention").get(1);
        assertEquals(1, layer1.get("layer").asInt());
        assertEquals(q, layer1.get("qk").get("producerL1").asDouble(), 1e-9 * q);
        assertEquals(k, layer1.get("qk").get("consumerL1").asDouble(), 1e-9 * k);
    }

    @Test
    void rescaleWithReportWritesASelfContainedPage() throws Exception {
        Path in = SampleCheckpoints.write("qwen2", dir.resolve("in"), 8);
        Cli r = Cli.run("rescale", in.toString(), dir.resolve("out").toString(), "--report", dir.resolve("rep").toString());
        assertEquals(0, r.exitCode(), r.err());
        String html = Files.readString(dir.resolve("rep/report.html"));
        assertTrue(html.contains("PASS"), "verification passed");
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"), "self-contained");
        assertTrue(Files.exists(dir.resolve("rep/plan/plan.json")));
        assertTrue(Files.exists(dir.resolve("rep/after.json")));
        Cli rep = Cli.run("report", in.toString(), dir.resolve("out").toString(), "--html", dir.resolve("r2.html").toString(),
            "--plan", dir.resolve("rep/plan").toString());
        assertEquals(0, rep.exitCode(), rep.err());
        assertTrue(Files.size(dir.resolve("r2.html")) > 5000);
    }
}
