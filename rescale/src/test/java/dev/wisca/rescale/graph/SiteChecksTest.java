package dev.wisca.rescale.graph;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user spec whose site is not a symmetry by construction is rejected when the site is built. */
class SiteChecksTest {
    static String llama() throws IOException {
        try (InputStream in = SpecLibrary.class.getResourceAsStream("/dev/wisca/rescale/specs/llama.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static SiteSet build(Path dir, String spec, Pair pair, Granularity g) throws IOException {
        Path file = dir.resolve("user.json");
        Files.writeString(file, spec);
        ArchSpec user = SpecLibrary.load(file);
        TinyModel m = TinyModels.build(user, "default", 1);
        return SiteSets.build(user, m.config(), m.infos(), new SiteOptions(EnumSet.of(pair), g));
    }

    @Test
    void channelWithoutProducerIsInvalid(@TempDir Path dir) throws IOException {
        String spec = llama().replace("\"mul\": [\"q.rows\", \"q_bias?\"]", "\"mul\": [\"q_bias?\"]");
        WiscaException e = assertThrows(WiscaException.class, () -> build(dir, spec, Pair.QK, Granularity.KV_GROUP));
        assertEquals(ErrorKind.INVALID_SPEC, e.kind());
        assertTrue(e.getMessage().contains("layers.0.qk") && e.getMessage().contains("0 producer"), e.getMessage());
    }

    @Test
    void indexInTwoMembersIsInvalid(@TempDir Path dir) throws IOException {
        String spec = llama()
            .replace("\"q_bias\": {", "\"q_head0\": {\"of\": \"q\", \"rows\": {\"start\": \"0\", \"size\": \"head_dim\"}}, \"q_bias\": {")
            .replace("\"mul\": [\"q.rows\", \"q_bias?\"]", "\"mul\": [\"q.rows\", \"q_head0.rows\"]");
        WiscaException e = assertThrows(WiscaException.class, () -> build(dir, spec, Pair.QK, Granularity.TENSOR));
        assertTrue(e.getMessage().contains("belongs to two members"), e.getMessage());
    }

    @Test
    void headsThatDoNotSplitIntoGroupsAreAConfigError(@TempDir Path dir) throws IOException {
        String spec = llama().replace("\"mul\": [\"v.rows\", \"v_bias?\"], \"div\": [\"o.cols\"], \"group\": \"kv_heads\"",
            "\"mul\": [\"v.rows\", \"v_bias?\"], \"div\": [\"o.cols\"], \"group\": \"heads\"");
        WiscaException e = assertThrows(WiscaException.class, () -> build(dir, spec, Pair.VO, Granularity.KV_GROUP));
        assertEquals(ErrorKind.INVALID_CONFIG, e.kind());
        assertTrue(e.getMessage().contains("do not split into 4 groups"), e.getMessage());
    }

    @Test
    void tiedEmbeddingIsNeverScaledFromOneSide(@TempDir Path dir) throws IOException {
        String spec = llama().replace("\"div\": [\"final_norm\"], \"mul\": [\"lm_head.cols\"]", "\"div\": [\"final_norm\"], \"mul\": [\"embed.cols\"]")
            .replace("\"skip_if\": [{\"when\": \"tied\", \"reason\": \"tied embedding: final norm not folded into lm_head\"}]", "\"when\": \"1\"")
            .replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true");
        SiteSet set = build(dir, spec, Pair.NORM, Granularity.CHANNEL);
        assertTrue(set.site("final_norm").isEmpty());
        assertTrue(set.skipped().stream().anyMatch(s -> s.id().equals("final_norm") && s.reason().contains("one side")), set.skipped().toString());
    }

    @Test
    void upDownOnAnUngatedGeluMlpIsRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gelu.json");
        Files.writeString(file, llama().replace("\"mlp\": \"gated_silu\"", "\"mlp\": \"gelu\""));
        WiscaException e = assertThrows(WiscaException.class, () -> SpecLibrary.load(file));
        assertEquals(ErrorKind.INVALID_SPEC, e.kind());
        assertTrue(e.getMessage().contains("gelu.json") && e.getMessage().contains("no up/down symmetry"), e.getMessage());
    }
}
