package dev.wisca.rescale.synth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.Elements;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.spec.SpecReader;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes tiny models as Hugging Face folders: config.json + model.safetensors (F32). */
public final class TinyModelFiles {
    private TinyModelFiles() {}

    /** Writes {@code model} into {@code dir} (created if needed); returns {@code dir}. */
    public static Path write(TinyModel model, Path dir) {
        writeJson(dir, "config.json", model.config());
        writeTensors(dir, "model", model.tensors());
        return dir;
    }

    /** Writes the adapter (adapter_config.json + adapter_model.safetensors) into {@code dir}. */
    public static Path writeAdapter(TinyAdapter adapter, Path dir) {
        writeJson(dir, "adapter_config.json", adapter.adapterConfig());
        writeTensors(dir, "adapter_model", adapter.tensors());
        return dir;
    }

    private static void writeTensors(Path dir, String baseName, List<TinyTensor> tensors) {
        Map<String, double[]> values = new HashMap<>();
        for (TinyTensor t : tensors) values.put(t.name(), t.values());
        List<TensorSpec> specs = tensors.stream().map(TinyTensor::spec).toList();
        CheckpointWriter.plan(dir, baseName, specs, Long.MAX_VALUE, Map.of("format", "pt")).write((spec, writer) -> {
            double[] v = values.get(spec.name());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bytes = arena.allocate(4L * v.length);
                for (int i = 0; i < v.length; i++) bytes.set(Elements.F32, 4L * i, (float) v[i]);
                writer.write(spec.name(), bytes);
            }
        });
    }

    private static void writeJson(Path dir, String name, JsonNode json) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name), SpecReader.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, dir.resolve(name), null, "cannot write: " + e.getMessage(), e);
        }
    }
}
