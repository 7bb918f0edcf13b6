package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wisca.io.Dtype;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Element indices past 2^31 in a sparse mapped file (only the touched pages take disk or memory). */
class LongIndexTest {

    @Test
    void readsAndWritesElementsBeyondTwoGibiElements(@TempDir Path folder) throws IOException {
        long elements = (1L << 31) + 1024;
        Path file = folder.resolve("sparse.bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
             Arena arena = Arena.ofConfined()) {
            channel.write(ByteBuffer.allocate(1), elements * 2);
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, elements * 2 + 1, arena);
            MemorySegment odd = mapped.asSlice(1);
            long far = (1L << 31) + 513;

            ElementCodec bf16 = Codecs.of(Dtype.BF16);
            bf16.encode(new double[] {1.5, -2.0, 3.0}, 3, odd, far);
            float[] back = new float[4];
            bf16.decode(odd, far - 1, back, 4);
            assertEquals(0f, back[0]);
            assertEquals(1.5f, back[1]);
            assertEquals(-2.0f, back[2]);
            assertEquals(3.0f, back[3]);
            assertEquals((byte) 0xC0, mapped.get(ValueLayout.JAVA_BYTE, 1 + (far + 1) * 2 + 1));

            ElementCodec f16 = Codecs.of(Dtype.F16);
            f16.set(odd, elements - 1, 65504.0);
            assertEquals(65504.0, f16.get(odd, elements - 1));
        }
        Files.delete(file);
    }
}
