package dev.wisca.samples;

import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.codec.Codecs;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample runs as documented and leaves a balanced stage-2 checkpoint and its plan. */
class OfflineStageRescaleTest {
    @TempDir Path dir;

    static double l1(SafetensorsFile f, String name) {
        var t = f.tensor(name);
        var codec = Codecs.of(t.dtype());
        double s = 0;
        for (long i = 0; i < t.elementCount(); i++) s += Math.abs(codec.get(t.data(), i));
        return s;
    }

    @Test
    void mainRescalesAndBalances() throws Exception {
        Path in = SampleCheckpoints.write("mistral", dir.resolve("stage1"), 3);
        Path out = dir.resolve("stage2");
        OfflineStageRescale.main(new String[] {in.toString(), out.toString()});
        assertTrue(Files.exists(dir.resolve("stage2-plan/plan.json")));
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            String p = "model.layers.0.self_attn.";
            assertEquals(1.0, l1(f, p + "q_proj.weight") / l1(f, p + "k_proj.weight"), 1e-5);
            assertEquals(1.0, l1(f, p + "v_proj.weight") / l1(f, p + "o_proj.weight"), 1e-5);
        }
    }
}
