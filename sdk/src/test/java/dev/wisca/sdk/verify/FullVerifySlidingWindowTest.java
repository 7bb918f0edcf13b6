package dev.wisca.sdk.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full mode runs on a mistral whose sliding window (8) is shorter than the 16 probe tokens (it was
 * refused before sliding-window attention was implemented), through the SDK's DJL forward pass:
 * a correct rescale is EQUIVALENT, a damaged one is not. transformers judges the windowed forward
 * pass itself in rescale's djl.SlidingWindowOracleTest.
 */
@Tag("slow")
class FullVerifySlidingWindowTest {
    @TempDir Path dir;

    @Test
    void mistralWithAWindowShorterThanTheProbesIsVerified() throws IOException {
        Path a = CheckpointEdits.sample("mistral", Dtype.BF16, dir, 9);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(a.resolve("config.json").toFile());
        config.put("sliding_window", 8);
        json.writeValue(a.resolve("config.json").toFile(), config);
        Path real = CheckpointEdits.rescaled(a, dir.resolve("real"), false);
        VerifyReport ok = Wisca.verify(a, real).full().run();
        assertEquals(0, ok.exitCode(), ok.summary());
        assertTrue(ok.summary().startsWith("EQUIVALENT (full, mistral"), ok.summary());
        assertTrue(ok.maxAbs() > 0, "real scales re-round bf16 weights: " + ok.summary());
        Path bad = CheckpointEdits.scaledRole(real, dir.resolve("bad"), Roles.V, 0, 1.1);
        VerifyReport caught = Wisca.verify(a, bad).full().run();
        assertEquals(1, caught.exitCode(), caught.summary());
    }
}
