package dev.wisca.sdk.trust;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.sdk.Model;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model_type without a spec is refused, never bound to a family whose tensor names look alike
 * (issue 11 §1): transformers' stablelm (llama names plus LayerNorm biases; it has its own spec now)
 * and gemma3_text (llama names plus q/k norms and sandwich norms) used to be treated as llama, and
 * rescaling them changed their logits. mamba and jamba (state-space layers) have no spec. Binding to another
 * family's spec is an explicit choice, and even then every tensor must be claimed.
 */
class UnknownArchitectureTest {
    @TempDir static Path dir;

    @BeforeAll
    static void writeCheckpoints() {
        HfCheckpoints.write(dir, List.of("stablelm", "gemma3_text", "mamba", "jamba"));
        HfCheckpoints.write(dir.resolve("renamed"), List.of("llama"), "--model-type", "my_llama");
    }

    @Test
    void mambaAndJambaAreRefusedListingTheKnownFamilies() {
        for (String family : List.of("mamba", "jamba")) {
            WiscaException e = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve(family)), family);
            assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind(), family);
            assertTrue(e.getMessage().contains("'" + family + "'") && e.getMessage().contains("llama, ")
                && e.getMessage().contains("setting 'as'") && e.getMessage().contains("setting 'archSpec'"), e.getMessage());
        }
    }

    @Test
    void asLlamaStillRefusesTheTensorsLlamaDoesNotHave() {
        WiscaException stablelm = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve("stablelm"), SpecChoice.family("llama")));
        assertEquals(ErrorKind.UNCLAIMED_TENSOR, stablelm.kind());
        assertTrue(stablelm.tensor().orElseThrow().endsWith("layernorm.bias") || stablelm.tensor().orElseThrow().equals("model.norm.bias"),
            stablelm.getMessage());
        assertEquals(dir.resolve("stablelm").resolve("model.safetensors"), stablelm.path().orElseThrow(), "names the file");
        WiscaException gemma3 = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve("gemma3_text"), SpecChoice.family("llama")));
        assertEquals(ErrorKind.UNCLAIMED_TENSOR, gemma3.kind());
        assertTrue(gemma3.tensor().orElseThrow().contains("norm"), gemma3.getMessage());
    }

    @Test
    void aLlamaUnderAnotherNameBindsOnlyWhenChosen(@TempDir Path out) throws IOException {
        Path renamed = dir.resolve("renamed").resolve("llama");
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, assertThrows(WiscaException.class, () -> Wisca.open(renamed)).kind());
        try (Model model = Wisca.open(renamed, SpecChoice.family("llama"))) {
            assertEquals("llama", model.architecture());
            var plan = model.plan(RescaleSettings.paper());
            assertTrue(plan.reports().size() >= 4, "qk and vo in both layers");
            model.apply(plan, out.resolve("a"));
        }
        // a user's spec file: the llama spec under the new model_type
        String llama = new String(dev.wisca.rescale.spec.SpecLibrary.class.getResourceAsStream("/dev/wisca/rescale/specs/llama.json")
            .readAllBytes(), StandardCharsets.UTF_8);
        Path mine = out.resolve("my_llama.json");
        Files.writeString(mine, llama.replace("\"model_type\": \"llama\"", "\"model_type\": \"my_llama\""));
        try (Model model = Wisca.open(renamed, SpecChoice.file(mine))) {
            assertEquals("my_llama", model.architecture());
        }
    }

    @Test
    void anUnknownFamilyNameIsRefused() {
        WiscaException e = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve("mamba"), SpecChoice.family("mamba")));
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind());
    }
}
