package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The block pipeline under the writer: direct and page-cache writes give the same bytes as the file
 * assembled by hand (8-byte length, header, tensors back to back), across block boundaries at every
 * phase, with a last block that is neither full nor aligned.
 */
class BlockOutputTest {
    @TempDir Path dir;

    /** An odd-length U8 tensor first, so every later tensor and block boundary falls at an odd phase. */
    private static final long[] LENGTHS = {1_000_003, 10_000_000, 777 * 4, 9_437_185, 4_099};

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void writesTheBytesAssembledByHandAcrossBlocks(boolean direct) throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        byte[][] data = new byte[LENGTHS.length][];
        for (int i = 0; i < LENGTHS.length; i++) {
            data[i] = new byte[(int) LENGTHS[i]];
            random.nextBytes(data[i]);
        }
        // The transferred tensor comes from a source file written by hand.
        Path sourceFile = dir.resolve("source.safetensors");
        String json = "{\"t\":{\"dtype\":\"U8\",\"shape\":[" + LENGTHS[3] + "],\"data_offsets\":[0," + LENGTHS[3] + "]}}";
        Files.write(sourceFile, TestFiles.file(json, data[3]));

        List<TensorSpec> specs = List.of(
            new TensorSpec("a", Dtype.U8, new long[] {LENGTHS[0]}),
            new TensorSpec("b", Dtype.BF16, new long[] {LENGTHS[1] / 2}),
            new TensorSpec("c", Dtype.F32, new long[] {LENGTHS[2] / 4}),
            new TensorSpec("t", Dtype.U8, new long[] {LENGTHS[3]}),
            new TensorSpec("z", Dtype.U8, new long[] {LENGTHS[4]}));
        Path file = dir.resolve(direct + ".safetensors");
        byte[] header;
        try (SafetensorsFile source = SafetensorsFile.open(sourceFile);
             SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of("format", "pt"), 0, direct)) {
            // Reference order: larger dtypes first, so c (F32) leads and b (BF16) starts 36 bytes past a 64-byte
            // granule, which sends a staged granule across the first block boundary.
            assertEquals(List.of("c", "b", "a", "t", "z"), writer.fileOrder().stream().map(TensorSpec::name).toList());
            header = writer.layout().headerBytes();
            writer.write("c", MemorySegment.ofArray(data[2]));
            assertTrue((8 + header.length + LENGTHS[2]) % SafetensorsWriter.CHUNK_GRANULE != 0, "b must start off a granule");
            List<Long> chunks = new ArrayList<>();
            writer.write("b", (chunk, offset) -> {
                assertEquals(0, offset % 2, "a bf16 chunk starts inside an element");
                chunks.add(chunk.byteSize());
                MemorySegment.copy(MemorySegment.ofArray(data[1]), offset, chunk, 0, chunk.byteSize());
            });
            // Per block boundary inside b: the block's rest, then one staged granule across the boundary.
            assertTrue(chunks.size() >= 3 && chunks.size() % 2 == 1, chunks.toString());
            for (int i = 1; i < chunks.size(); i += 2) assertEquals(SafetensorsWriter.CHUNK_GRANULE, chunks.get(i), chunks.toString());
            writer.write("a", MemorySegment.ofArray(data[0]));
            writer.transfer("t", source);
            writer.write("z", (chunk, offset) -> MemorySegment.copy(MemorySegment.ofArray(data[4]), offset, chunk, 0, chunk.byteSize()));
            writer.commit();
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        expected.writeBytes(header);
        for (int i : new int[] {2, 1, 0, 3, 4}) expected.writeBytes(data[i]);
        byte[] written = Files.readAllBytes(file);
        assertEquals(expected.size(), written.length);
        assertArrayEquals(expected.toByteArray(), written);
        assertEquals(List.of(file.getFileName().toString(), "source.safetensors").stream().sorted().toList(),
            WriterFiles.list(dir).stream().sorted().toList(), "no temp file left");
    }

    @Test
    @SuppressWarnings("try")  // the channel is opened only to learn whether O_DIRECT is taken
    void bypassesThePageCacheWhereTheFileSystemTakesDirectIo() throws IOException {
        Path file = dir.resolve("probe");
        boolean takesDirect;
        try (FileChannel ignored = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
            takesDirect = true;
        } catch (IOException | UnsupportedOperationException e) {
            takesDirect = false;
        }
        Path out = dir.resolve("out");
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             BlockOutput blocks = BlockOutput.open(out, channel, 1L << 30, true);
             BlockOutput buffered = BlockOutput.open(out, channel, 1L << 30, false)) {
            assertEquals(takesDirect, blocks.direct());
            assertFalse(buffered.direct());
        }
    }

    @Test
    void aFailedWriteIsTypedAndTheTempFileGoes() throws IOException {
        Path file = dir.resolve("fail.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec("b", Dtype.BF16, new long[] {6_000_000}));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of(), 0, true)) {
            // The first block goes to the disk in the background, then the filler fails in the second.
            RuntimeException e = assertThrows(RuntimeException.class, () -> writer.write("b", (chunk, offset) -> {
                if (offset > 0) throw new IllegalArgumentException("boom at " + offset);
                chunk.fill((byte) 1);
            }));
            assertTrue(e.getMessage().startsWith("boom"), e.getMessage());
            assertThrows(IllegalStateException.class, writer::commit);
        }
        assertEquals(List.of(), WriterFiles.list(dir));
    }

    @Test
    void blocksAreAlignedForDirectIo() throws IOException {
        Path out = dir.resolve("aligned");
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             BlockOutput blocks = BlockOutput.open(out, channel, 1L << 30, true)) {
            assertEquals(0, blocks.room().address() % 4096);
            blocks.advance(BlockOutput.BLOCK_BYTES - 5);
            MemorySegment room = blocks.room();
            assertEquals(5, room.byteSize());
            room.fill((byte) 3);
            blocks.advance(5);
            assertEquals(0, blocks.room().address() % 4096);
            blocks.room().set(ValueLayout.JAVA_BYTE, 0, (byte) 9);
            blocks.advance(1);
            blocks.finish();
            assertEquals(BlockOutput.BLOCK_BYTES + 1L, channel.size());
        }
        byte[] bytes = Files.readAllBytes(out);
        assertEquals(3, bytes[BlockOutput.BLOCK_BYTES - 1]);
        assertEquals(9, bytes[BlockOutput.BLOCK_BYTES]);
    }
}
