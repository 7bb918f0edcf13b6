package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sparse file over 4 GiB: one segment, long offsets, values past byte 2^31 and 2^32. */
@Tag("slow")
class LargeSparseFileTest {
    private static final long GIB = 1L << 30;
    private static final long HEAD_BYTES = 16;
    private static final long FILLER_BYTES = 5 * GIB / 2;        // 2.5 GiB of U8 zeros, never written
    private static final long WIDE_ELEMENTS = 400L << 20;        // 1.56 GiB of F32 crossing byte 2^32
    private static final long TAIL_BYTES = 24;

    @TempDir
    Path dir;

    @Test
    void readsValuesBeyondTwoAndFourGibibytes() throws IOException {
        long wideBegin = HEAD_BYTES + FILLER_BYTES;
        long wideEnd = wideBegin + WIDE_ELEMENTS * 4;
        long tailEnd = wideEnd + TAIL_BYTES;
        String json = "{\"head\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0," + HEAD_BYTES + "]},"
            + "\"filler\":{\"dtype\":\"U8\",\"shape\":[" + FILLER_BYTES + "],\"data_offsets\":[" + HEAD_BYTES + "," + wideBegin + "]},"
            + "\"wide\":{\"dtype\":\"F32\",\"shape\":[" + WIDE_ELEMENTS + "],\"data_offsets\":[" + wideBegin + "," + wideEnd + "]},"
            + "\"tail\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[" + wideEnd + "," + tailEnd + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + header.length;
        long lastWide = WIDE_ELEMENTS - 1;
        long crossing = ((4 * GIB - dataStart - wideBegin) / 4) + 1;   // first element at or past byte 2^32
        Path path = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(dataStart + tailEnd);
            raf.write(TestFiles.le64(header.length));
            raf.write(header);
            raf.write(le(ByteBuffer.allocate(16)).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f).array());
            writeAt(raf, dataStart + HEAD_BYTES + (1L << 31), new byte[] {42});
            writeAt(raf, dataStart + wideBegin, le(ByteBuffer.allocate(4)).putFloat(-1.25f).array());
            writeAt(raf, dataStart + wideBegin + crossing * 4, le(ByteBuffer.allocate(4)).putFloat(6.5f).array());
            writeAt(raf, dataStart + wideBegin + lastWide * 4, le(ByteBuffer.allocate(4)).putFloat(1e30f).array());
            writeAt(raf, dataStart + wideEnd, le(ByteBuffer.allocate(24)).putDouble(Math.E).putDouble(-0.0).putDouble(Double.MAX_VALUE).array());
        }
        try {
            assertTrue(Files.size(path) > 4 * GIB);
            assertTrue(dataStart + wideBegin + crossing * 4 >= 4 * GIB);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertEquals(3f, Elements.f32(file.tensor("head").data(), 2));
                Tensor filler = file.tensor("filler");
                assertEquals(FILLER_BYTES, filler.data().byteSize());
                assertEquals(42, Elements.u8(filler.data(), 1L << 31));
                assertEquals(0, Elements.u8(filler.data(), FILLER_BYTES - 1));
                Tensor wide = file.tensor("wide");
                assertEquals(WIDE_ELEMENTS * 4, wide.data().byteSize());
                assertEquals(-1.25f, Elements.f32(wide.data(), 0));
                assertEquals(6.5f, Elements.f32(wide.data(), crossing));
                assertEquals(0f, Elements.f32(wide.data(), crossing - 1));
                assertEquals(1e30f, Elements.f32(wide.data(), lastWide));
                Tensor tail = file.tensor("tail");
                assertEquals(Math.E, Elements.f64(tail.data(), 0));
                assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(Elements.f64(tail.data(), 1)));
                assertEquals(Double.MAX_VALUE, Elements.f64(tail.data(), 2));
                assertEquals(dataStart + wideEnd, file.header().dataStart() + tail.info().begin());
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static ByteBuffer le(ByteBuffer buffer) {
        return buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void writeAt(RandomAccessFile raf, long position, byte[] bytes) throws IOException {
        raf.seek(position);
        raf.write(bytes);
    }
}
