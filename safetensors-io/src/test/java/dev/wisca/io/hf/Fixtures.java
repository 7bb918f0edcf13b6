package dev.wisca.io.hf;

import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test data: tensors with seeded random bytes, written through the writer. */
final class Fixtures {
    private Fixtures() {}

    static Map<String, byte[]> randomData(List<TensorSpec> specs, long seed) {
        Random random = new Random(seed);
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (TensorSpec s : specs) {
            byte[] b = new byte[(int) s.byteLength()];
            random.nextBytes(b);
            data.put(s.name(), b);
        }
        return data;
    }

    static void writeFile(Path file, List<TensorSpec> specs, Map<String, byte[]> data) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs)) {
            for (TensorSpec s : writer.fileOrder()) writer.write(s.name(), MemorySegment.ofArray(data.get(s.name())));
            writer.commit();
        }
    }

    static void writeCheckpoint(Path folder, String baseName, List<TensorSpec> specs, Map<String, byte[]> data, long maxShardBytes) {
        CheckpointWriter writer = CheckpointWriter.plan(folder, baseName, specs, maxShardBytes, Map.of("format", "pt"));
        writer.write((spec, w) -> w.write(spec.name(), MemorySegment.ofArray(data.get(spec.name()))));
    }
}
