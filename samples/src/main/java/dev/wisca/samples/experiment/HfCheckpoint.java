package dev.wisca.samples.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.hf.CheckpointWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.ByteOrder;
import java.util.function.Predicate;

/** Writes trained weights as Hugging Face folders (config.json + model.safetensors, or a PEFT adapter). */
final class HfCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HfCheckpoint() {}

    /** The base model: every tensor named {@code model.*} or {@code lm_head.*}. */
    static void writeModel(Path folder, LlamaConfig config, Map<String, float[]> weights, Map<String, long[]> shapes) {
        write(folder, "model", weights, shapes, n -> n.startsWith("model.") || n.startsWith("lm_head."));
        json(folder.resolve("config.json"), config.toHfConfig());
    }

    /** A PEFT LoRA adapter: the {@code lora_A}/{@code lora_B} tensors and adapter_config.json. */
    static void writeAdapter(Path folder, int rank, Map<String, float[]> weights, Map<String, long[]> shapes) {
        write(folder, "adapter_model", weights, shapes, n -> n.contains(".lora_"));
        json(folder.resolve("adapter_config.json"), adapterConfig(rank));
    }

    static ObjectNode adapterConfig(int rank) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", "../baseline-seed0");
        c.put("r", rank);
        c.put("lora_alpha", 2 * rank);
        c.put("lora_dropout", 0.0);
        c.put("bias", "none");
        c.put("use_rslora", false);
        c.put("use_dora", false);
        c.putArray("target_modules").add("q_proj").add("v_proj");
        return c;
    }

    private static void write(Path folder, String base, Map<String, float[]> weights, Map<String, long[]> shapes,
                              Predicate<String> keep) {
        List<TensorSpec> specs = new ArrayList<>();
        for (var e : shapes.entrySet()) if (keep.test(e.getKey())) specs.add(new TensorSpec(e.getKey(), Dtype.F32, e.getValue()));
        CheckpointWriter.plan(folder, base, specs, Long.MAX_VALUE, Map.of("format", "pt")).write((spec, writer) -> {
            float[] v = weights.get(spec.name());
            MemorySegment bytes = MemorySegment.ofArray(new byte[v.length * 4]);
            for (int i = 0; i < v.length; i++) bytes.setAtIndex(F32_LE, i, v[i]);
            writer.write(spec.name(), bytes);
        });
    }

    private static void json(Path file, ObjectNode node) {
        try {
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
