package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Order checks, chunked streaming, atomic commit and abort. */
class SafetensorsWriterStreamingTest {
    @TempDir Path dir;

    @Test
    void streamsATensorLargerThanOneChunkInBoundedContiguousChunks() throws Exception {
        long length = 2 * SafetensorsWriter.CHUNK_BYTES + 12_345;
        Path file = dir.resolve("big.safetensors");
        List<long[]> calls = new ArrayList<>();
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorSpec("big", Dtype.U8, new long[] {length})), Map.of())) {
            writer.write("big", (chunk, offset) -> {
                calls.add(new long[] {offset, chunk.byteSize()});
                for (long i = 0; i < chunk.byteSize(); i++) chunk.set(ValueLayout.JAVA_BYTE, i, pattern(offset + i));
            });
            writer.commit();
        }
        long expectedOffset = 0;
        for (long[] call : calls) {
            assertEquals(expectedOffset, call[0]);
            assertEquals(0, call[0] % SafetensorsWriter.CHUNK_GRANULE, "chunk at " + call[0]);
            assertTrue(call[1] > 0 && call[1] <= SafetensorsWriter.CHUNK_BYTES, "chunk of " + call[1] + " bytes");
            expectedOffset += call[1];
        }
        assertEquals(length, expectedOffset);
        // One chunk per block the tensor touches, plus at most one staged granule at each block boundary.
        assertTrue(calls.size() <= 2 * (length / SafetensorsWriter.CHUNK_BYTES + 2), calls.size() + " chunks");

        try (FileChannel ch = FileChannel.open(file); Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long dataStart = 8 + mapped.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
            assertEquals(dataStart + length, mapped.byteSize());
            for (long i = 0; i < length; i += 4093) assertEquals(pattern(i), mapped.get(ValueLayout.JAVA_BYTE, dataStart + i), "byte " + i);
            assertEquals(pattern(length - 1), mapped.get(ValueLayout.JAVA_BYTE, dataStart + length - 1));
        }
    }

    @Test
    void copiesSegmentsOfAnyBackingArray() throws Exception {
        Path file = dir.resolve("floats.safetensors");
        float[] values = {1.5f, -2f, 3.25f};
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorSpec("f", Dtype.F32, new long[] {3})), Map.of())) {
            writer.write("f", MemorySegment.ofArray(values));
            writer.commit();
        }
        byte[] all = Files.readAllBytes(file);
        byte[] tail = java.util.Arrays.copyOfRange(all, all.length - 12, all.length);
        assertArrayEquals(SafetensorsWriterGoldenTest.le32f(values), tail);
    }

    @Test
    void rejectsWritesOutOfFileOrder() {
        Path file = dir.resolve("order.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("a", Dtype.U8, new long[] {1}), new TensorSpec("b", Dtype.F32, new long[] {1}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of())) {
            assertEquals("b", writer.nextName());
            assertThrows(IllegalStateException.class, () -> writer.write("a", MemorySegment.ofArray(new byte[1])));
            assertThrows(IllegalStateException.class, () -> writer.write("b", MemorySegment.ofArray(new byte[3])));
            writer.write("b", MemorySegment.ofArray(new byte[4]));
            assertThrows(IllegalStateException.class, writer::commit);
            writer.write("a", MemorySegment.ofArray(new byte[1]));
            assertThrows(IllegalStateException.class, () -> writer.write("a", MemorySegment.ofArray(new byte[1])));
        }
        assertFalse(Files.exists(file));
        assertEquals(List.of(), WriterFiles.list(dir));
    }

    @Test
    void failingFillerLeavesNoTempFileAndTheOldTargetUntouched() throws Exception {
        Path file = dir.resolve("model.safetensors");
        byte[] old = "previous contents".getBytes();
        Files.write(file, old);
        RuntimeException boom = new RuntimeException("source unreadable");
        List<TensorSpec> specs = List.of(new TensorSpec("t", Dtype.U8, new long[] {3 * SafetensorsWriter.CHUNK_BYTES}));
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> {
            try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of())) {
                writer.write("t", (chunk, offset) -> {
                    if (offset > 0) throw boom;
                    chunk.fill((byte) 7);
                });
                writer.commit();
            }
        });
        assertSame(boom, thrown);
        assertArrayEquals(old, Files.readAllBytes(file));
        assertEquals(List.of("model.safetensors"), WriterFiles.list(dir));
    }

    @Test
    void aFailedWriteCannotBeContinued() {
        Path file = dir.resolve("poisoned.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("a", Dtype.U8, new long[] {4}), new TensorSpec("b", Dtype.U8, new long[] {4}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of())) {
            assertThrows(IllegalArgumentException.class, () -> writer.write("a", (chunk, offset) -> { throw new IllegalArgumentException(); }));
            assertThrows(IllegalStateException.class, () -> writer.write("b", MemorySegment.ofArray(new byte[4])));
            assertThrows(IllegalStateException.class, writer::commit);
        }
        assertEquals(List.of(), WriterFiles.list(dir));
    }

    @Test
    void tempFileLivesBesideTheTargetUntilCommit() throws Exception {
        Path file = dir.resolve("m.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorSpec("x", Dtype.U8, new long[] {1})), Map.of())) {
            List<String> during = WriterFiles.list(dir);
            assertEquals(1, during.size());
            assertTrue(during.getFirst().startsWith(".m.safetensors.tmp-"), during.getFirst());
            writer.write("x", MemorySegment.ofArray(new byte[] {9}));
            writer.commit();
            assertThrows(IllegalStateException.class, writer::commit);
        }
        assertEquals(List.of("m.safetensors"), WriterFiles.list(dir));
    }

    @Test
    void overwritingAMappedFileLeavesTheOldMappingIntact() throws Exception {
        Path file = dir.resolve("model.safetensors");
        writeOne(file, (byte) 0x11);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            MemorySegment oldMapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            byte[] before = oldMapping.toArray(ValueLayout.JAVA_BYTE);

            writeOne(file, (byte) 0x22);

            assertArrayEquals(before, oldMapping.toArray(ValueLayout.JAVA_BYTE));
            byte[] now = Files.readAllBytes(file);
            assertEquals(before.length, now.length);
            assertEquals(0x11, before[before.length - 1]);
            assertEquals(0x22, now[now.length - 1]);
        }
    }

    private static void writeOne(Path file, byte value) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(new TensorSpec("w", Dtype.U8, new long[] {1000})), Map.of())) {
            writer.write("w", (chunk, offset) -> chunk.fill(value));
            writer.commit();
        }
    }

    private static byte pattern(long i) {
        return (byte) (i * 31 + (i >>> 13));
    }
}
