package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transfers written from the input's pages: an output laid out at the input's page offsets gets
 * its untouched whole blocks without a copy, byte for byte what a reader of the input sees, and an
 * input truncated under the write is the input's FILE_CHANGED, not a fault.
 */
class ZeroCopyTransferTest {
    @TempDir Path dir;
    private Path source;
    private byte[] big;
    private byte[] small;

    @BeforeEach
    void writeSource() throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        big = new byte[40 << 20];
        small = new byte[3 * 4099];
        random.nextBytes(big);
        random.nextBytes(small);
        source = dir.resolve("in.safetensors");
        // A hand-made input with a short header: its data starts at an offset the output's header cannot have.
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big.length + "],\"data_offsets\":[0," + big.length + "]},"
            + "\"small\":{\"dtype\":\"U8\",\"shape\":[" + small.length + "],\"data_offsets\":[" + big.length + "," + (big.length + small.length) + "]}}";
        json += " ".repeat((8 - json.length() % 8) % 8);  // padded to 8 bytes, as the reference writer does
        Files.write(source, TestFiles.file(json, TestFiles.concat(big, small)));
    }

    @Test
    void untouchedBlocksGoFromTheInputsPagesAndTheBytesMatch() throws IOException {
        Path out = dir.resolve("out.safetensors");
        long through;
        byte[] header;
        try (SafetensorsFile in = SafetensorsFile.open(source);
             SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), Map.of("wisca.plan", "{}"), HeaderStamp.RESERVE_BYTES, in)) {
            assertEquals(in.header().dataStart() % 4096, writer.header().dataStart() % 4096, "page offsets kept");
            header = writer.layout().headerBytes();
            writer.transfer("big", in);
            writer.transfer("small", in);
            writer.commit();
            through = writer.blocksWrittenThrough();
        }
        // /tmp takes O_DIRECT here (ext4); without it nothing can be written through and this says so.
        assertTrue(through >= 3, through + " blocks written from the input's pages");
        byte[] written = Files.readAllBytes(out);
        byte[] data = Arrays.copyOfRange(written, 8 + header.length, written.length);
        assertArrayEquals(TestFiles.concat(big, small), data);
        try (SafetensorsFile reread = SafetensorsFile.open(out)) {
            assertEquals("{}", reread.metadata().get("wisca.plan"));
        }
    }

    @Test
    void theInputsPagesAreReleasedOnceWrittenFrom() throws IOException {
        Path out = dir.resolve("out.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(source);
             SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), Map.of("wisca.plan", "{}"), HeaderStamp.RESERVE_BYTES, in)) {
            long before = ResidentPages.fileBytes();
            writer.transfer("big", in);
            writer.transfer("small", in);
            writer.commit();
            // The input is still open (and mapped): what the writes faulted in would still be resident.
            ResidentPages.assertReleased(before, writer.blocksWrittenThrough() * BlockOutput.BLOCK_BYTES);
        }
    }

    @Test
    void anUnalignedInputIsCopiedThroughTheBlocks() throws IOException {
        Path odd = dir.resolve("odd.safetensors");
        String json = "{\"t\":{\"dtype\":\"U8\",\"shape\":[" + big.length + "],\"data_offsets\":[0," + big.length + "]}}";
        json += " ".repeat(8 - json.length() % 8 == 8 ? 1 : 8 - json.length() % 8 + 1);  // 8 + N odd: no 8-byte step reaches its phase
        Files.write(odd, TestFiles.file(json, big));
        Path out = dir.resolve("out.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(odd);
             SafetensorsWriter writer = SafetensorsWriter.create(out, List.of(new TensorSpec("t", Dtype.U8, new long[] {big.length})),
                 Map.of(), HeaderStamp.RESERVE_BYTES, in)) {
            writer.transfer("t", in);
            writer.commit();
            assertEquals(0, writer.blocksWrittenThrough());
        }
        try (SafetensorsFile reread = SafetensorsFile.open(out)) {
            byte[] data = new byte[big.length];
            reread.read("t", 0, MemorySegment.ofArray(data));
            assertArrayEquals(big, data);
        }
    }

    @Test
    void anInputTruncatedUnderTheWriteIsItsFileChanged() throws IOException {
        Path out = dir.resolve("out.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(source);
             SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), Map.of(), HeaderStamp.RESERVE_BYTES, in)) {
            writer.transfer("big", in);   // maps the input; the bytes are written later, with the run
            writer.transfer("small", in);
            try (FileChannel cut = FileChannel.open(source, StandardOpenOption.WRITE)) {
                cut.truncate(12 << 20);
            }
            WiscaException e = assertThrows(WiscaException.class, writer::commit);
            assertEquals(ErrorKind.FILE_CHANGED, e.kind(), e.getMessage());
            assertEquals(source.toAbsolutePath(), e.path().orElseThrow().toAbsolutePath());
        }
        assertEquals(List.of("in.safetensors"), WriterFiles.list(dir));
    }

    private List<TensorSpec> specs() {
        return List.of(new TensorSpec("big", Dtype.U8, new long[] {big.length}), new TensorSpec("small", Dtype.U8, new long[] {small.length}));
    }
}
