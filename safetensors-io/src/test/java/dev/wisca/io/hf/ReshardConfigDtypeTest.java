package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * reshard --dtype keeps config.json truthful: transformers 5.18 saves a bf16 LlamaForCausalLM with
 * {@code "dtype": "bfloat16"} (no torch_dtype); older saves carry {@code torch_dtype}. Whatever keys
 * exist follow the conversion; other keys are kept.
 */
class ReshardConfigDtypeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private int run;

    private JsonNode reshard(String config) throws IOException {
        Path work = Files.createDirectories(dir.resolve("run" + run++));
        Path in = Files.createDirectories(work.resolve("in"));
        List<TensorSpec> specs = List.of(new TensorSpec("w", Dtype.F32, new long[] {4, 4}));
        Fixtures.writeCheckpoint(in, "model", specs, Fixtures.randomData(specs, 1), 1L << 20);
        Files.writeString(in.resolve("config.json"), config);
        Path out = work.resolve("out");
        Reshard.run(in, out, 1L << 20, Optional.of(Dtype.BF16));
        try (Checkpoint c = Checkpoint.open(out)) {
            assertEquals(Dtype.BF16, c.tensors().getFirst().dtype());
        }
        return JSON.readTree(out.resolve("config.json").toFile());
    }

    @Test
    void transformers5DtypeKeyFollowsTheConversion() throws IOException {
        JsonNode c = reshard("{\"model_type\": \"llama\", \"dtype\": \"float32\", \"rms_norm_eps\": 1e-05, \"vocab_size\": 32}");
        assertEquals("bfloat16", c.get("dtype").asText());
        assertFalse(c.has("torch_dtype"));
        assertEquals(1e-05, c.get("rms_norm_eps").asDouble());
        assertEquals(32, c.get("vocab_size").asInt());
    }

    @Test
    void olderTorchDtypeKeyAndBothKeysAndSubConfigsFollow() throws IOException {
        assertEquals("bfloat16", reshard("{\"torch_dtype\": \"float32\"}").get("torch_dtype").asText());
        JsonNode both = reshard("{\"torch_dtype\": \"float32\", \"dtype\": \"float32\", \"text_config\": {\"dtype\": \"float32\"}}");
        assertEquals("bfloat16", both.get("torch_dtype").asText());
        assertEquals("bfloat16", both.get("dtype").asText());
        assertEquals("bfloat16", both.path("text_config").get("dtype").asText());
    }

    @Test
    void aConfigWithoutDtypeGetsTheTransformers5Key() throws IOException {
        JsonNode c = reshard("{\"model_type\": \"llama\"}");
        assertEquals("bfloat16", c.get("dtype").asText());
    }

    @Test
    void withoutDtypeConversionConfigIsCopiedByteForByte() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        List<TensorSpec> specs = List.of(new TensorSpec("w", Dtype.F32, new long[] {4}));
        Fixtures.writeCheckpoint(in, "model", specs, Fixtures.randomData(specs, 1), 1L << 20);
        String config = "{\"dtype\":   \"float32\"}";
        Files.writeString(in.resolve("config.json"), config);
        Reshard.run(in, dir.resolve("out"), 1L << 20, Optional.empty());
        assertEquals(config, Files.readString(dir.resolve("out/config.json")));
    }
}
