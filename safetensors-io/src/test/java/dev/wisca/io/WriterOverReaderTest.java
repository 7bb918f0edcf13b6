package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference once zero-filled a file saved over while mapped; ours replaces the inode instead. */
class WriterOverReaderTest {
    @TempDir Path dir;

    @Test
    void savingOverAnOpenFileKeepsTheOpenTensorsIntact() {
        Path file = dir.resolve("model.safetensors");
        write(file, List.of(new TensorSpec("w", Dtype.F32, new long[] {2})), new float[] {1f, 2f});
        try (SafetensorsFile open = SafetensorsFile.open(file)) {
            Tensor before = open.tensor("w");

            write(file, List.of(new TensorSpec("w", Dtype.F32, new long[] {2}), new TensorSpec("v", Dtype.F32, new long[] {1})), new float[] {7f, 8f});

            assertArrayEquals(new float[] {1f, 2f}, before.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            try (SafetensorsFile reopened = SafetensorsFile.open(file)) {
                assertEquals(2, reopened.tensors().size());
                assertArrayEquals(new float[] {7f, 8f}, reopened.tensor("w").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            }
        }
    }

    /** Streams the old mapping's tensor into the new file at the same path: an in-place rewrite. */
    @Test
    void rewritesAFileFromItsOwnMapping() {
        Path file = dir.resolve("model.safetensors");
        write(file, List.of(new TensorSpec("w", Dtype.F32, new long[] {3})), new float[] {1f, 2f, 3f});
        try (SafetensorsFile open = SafetensorsFile.open(file);
             SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(TensorSpec.of(open.tensor("w").info())))) {
            writer.write("w", open.tensor("w").data());
            writer.commit();
        }
        try (SafetensorsFile reopened = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {1f, 2f, 3f}, reopened.tensor("w").data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED));
            assertEquals(java.util.Map.of("format", "pt"), reopened.metadata());
        }
    }

    private static void write(Path file, List<TensorSpec> specs, float[] firstTensor) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs)) {
            for (TensorSpec s : writer.fileOrder()) {
                writer.write(s.name(), s.name().equals(specs.getFirst().name())
                    ? MemorySegment.ofArray(firstTensor) : MemorySegment.ofArray(new float[(int) s.elementCount()]));
            }
            writer.commit();
        }
    }
}
