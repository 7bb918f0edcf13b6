package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A head start on a rewrite: whatever it got done, before or while the writer goes on, and whatever
 * layout it guessed, the file is byte for byte the one the writer makes alone; it never writes the bytes
 * of a tensor the writer changes; and it leaves no temp file behind.
 */
class WriteAheadTest {
    /** Tensor name -> bytes, in file order (U8, so the names' order); {@code b} and {@code e} are changed by the rewrite. */
    private static final Map<String, Integer> SIZES = sizes();
    private static final Set<String> CHANGED = Set.of("b", "e");

    @TempDir Path dir;
    private Path source;
    private final Map<String, byte[]> values = new LinkedHashMap<>();

    @BeforeEach
    void writeSource() {
        values.putAll(U8Tensors.random(SIZES, 5));
        for (byte[] bytes : values.values()) {
            for (int i = 0; i < bytes.length; i++) bytes[i] |= 1;  // never 0, so a region never written is told from one copied
        }
        source = dir.resolve("in.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(source, specs(), Map.of("format", "pt"))) {
            for (TensorSpec spec : writer.fileOrder()) writer.write(spec.name(), MemorySegment.ofArray(values.get(spec.name())));
            writer.commit();
        }
    }

    @Test
    void aHeadStartRunToTheEndIsKeptWholeAndTheFileIsTheWritersAlone() throws IOException {
        byte[] alone = rewrite("alone.safetensors", null, stamp(""));
        try (SafetensorsFile in = SafetensorsFile.open(source);
             WriteAhead ahead = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains)) {
            ahead.run();
            // /tmp takes O_DIRECT here (ext4); without it a head start writes nothing and this says so.
            assertTrue(ahead.blocksWritten() >= 5, ahead.blocksWritten() + " blocks written ahead");
            long kept = writeWith(in, ahead, dir.resolve("out.safetensors"), stamp(""));
            assertEquals(ahead.blocksWritten(), kept, "every block written ahead is passed over");
        }
        assertArrayEquals(alone, Files.readAllBytes(dir.resolve("out.safetensors")));
        assertEquals(List.of("alone.safetensors", "in.safetensors", "out.safetensors"), WriterFiles.list(dir));
    }

    @Test
    void itWritesOnlyWholeBlocksOfUnchangedTensorsFromTheSource() throws IOException {
        try (SafetensorsFile in = SafetensorsFile.open(source);
             WriteAhead ahead = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains)) {
            ahead.run();
            byte[] temp = Files.readAllBytes(ahead.temp());
            HeaderLayout layout = SafetensorsWriter.pageMatched(dir.resolve("out.safetensors").toAbsolutePath(), specs(), stamp(""),
                HeaderStamp.RESERVE_BYTES, in);
            int block = BlockOutput.BLOCK_BYTES;
            long copied = 0;
            for (TensorInfo t : layout.header().tensors()) {
                long start = layout.header().dataStart() + t.begin();
                byte[] value = values.get(t.name());
                for (int i = 0; i < value.length; i++) {
                    long at = start + i;
                    byte got = at < temp.length ? temp[(int) at] : 0;
                    if (CHANGED.contains(t.name())) {
                        assertEquals(0, got, t.name() + " is changed by the rewrite, yet byte " + i + " was written ahead");
                    } else if (got != 0) {  // written ahead (a source byte is never 0)
                        assertEquals(value[i], got, t.name() + " byte " + i);
                        copied++;
                    }
                }
            }
            assertEquals((long) ahead.blocksWritten() * block, copied, "whole blocks, each copied from the source");
            for (int i = 0; i < Math.min(block, temp.length); i++) assertEquals(0, temp[i], "the header's block waits for the writer");
        }
    }

    @Test
    void theSourcesPagesAreReleasedOnceWrittenFrom() {
        try (SafetensorsFile in = SafetensorsFile.open(source);
             WriteAhead ahead = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains)) {
            long before = ResidentPages.fileBytes();
            ahead.run();
            ResidentPages.assertReleased(before, (long) ahead.blocksWritten() * BlockOutput.BLOCK_BYTES);
        }
    }

    @Test
    void aHeadStartRacingTheWriterChangesNoByte() throws IOException {
        byte[] alone = rewrite("alone.safetensors", null, stamp(""));
        for (int round = 0; round < 6; round++) {
            Path out = dir.resolve("out" + round + ".safetensors");
            long kept;
            try (SafetensorsFile in = SafetensorsFile.open(source);
                 WriteAhead ahead = WriteAhead.open(out, specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains)) {
                CompletableFuture<Void> running = CompletableFuture.runAsync(ahead::run);
                // Even rounds: the writer starts at once. Odd rounds: once the head start has a few blocks on the disk.
                while (round % 2 == 1 && ahead.blocksWritten() < 2 && !running.isDone()) sleepMillis(1);
                kept = writeWith(in, ahead, out, stamp(""));
                running.join();
                assertTrue(kept <= ahead.blocksWritten());
            }
            assertArrayEquals(alone, Files.readAllBytes(out), "round " + round + " (" + kept + " blocks kept)");
        }
    }

    @Test
    void aGuessedLayoutThatIsNotTheFinalOneKeepsNothing() throws IOException {
        Map<String, String> longer = stamp("x".repeat(6000));  // the header grows by more than a page: every offset moves
        byte[] alone = rewrite("alone.safetensors", null, stamp(""));
        Path out = dir.resolve("out.safetensors");
        try (SafetensorsFile in = SafetensorsFile.open(source);
             WriteAhead ahead = WriteAhead.open(out, specs(), longer, HeaderStamp.RESERVE_BYTES, in, CHANGED::contains)) {
            ahead.run();
            assertTrue(ahead.blocksWritten() > 0);
            assertNotEquals(SafetensorsWriter.pageMatched(out.toAbsolutePath(), specs(), longer, HeaderStamp.RESERVE_BYTES, in).header().dataStart(),
                SafetensorsWriter.pageMatched(out.toAbsolutePath(), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in).header().dataStart());
            assertEquals(0, writeWith(in, ahead, out, stamp("")));
        }
        assertArrayEquals(alone, Files.readAllBytes(out));
    }

    @Test
    void aHeadStartFinishedBeforeItRanOrNeverHandedOverLeavesNothing() {
        try (SafetensorsFile in = SafetensorsFile.open(source)) {
            WriteAhead ahead = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains);
            ahead.finish();
            ahead.run();
            assertEquals(0, ahead.blocksWritten());
            ahead.close();
            WriteAhead ran = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains);
            ran.run();
            ran.close();
            // A writer that goes on with one and is closed uncommitted deletes the file too.
            WriteAhead taken = WriteAhead.open(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, CHANGED::contains);
            CompletableFuture<Void> running = CompletableFuture.runAsync(taken::run);
            SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve("out.safetensors"), specs(), stamp(""), HeaderStamp.RESERVE_BYTES, in, taken);
            writer.transfer("a", in);
            writer.close();
            running.join();
            taken.close();
        }
        assertEquals(List.of("in.safetensors"), WriterFiles.list(dir));
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The rewrite: unchanged tensors transferred, changed ones written with every byte flipped. */
    private byte[] rewrite(String name, WriteAhead ahead, Map<String, String> metadata) throws IOException {
        Path out = dir.resolve(name);
        try (SafetensorsFile in = SafetensorsFile.open(source)) {
            writeWith(in, ahead, out, metadata);
        }
        byte[] file = Files.readAllBytes(out);
        try (SafetensorsFile reread = SafetensorsFile.open(out)) {  // the writer alone, checked against the values
            for (TensorInfo t : reread.tensors()) {
                byte[] got = new byte[(int) t.byteLength()];
                reread.read(t.name(), 0, MemorySegment.ofArray(got));
                assertArrayEquals(expected(t.name()), got, t.name());
            }
        }
        return file;
    }

    private long writeWith(SafetensorsFile in, WriteAhead ahead, Path out, Map<String, String> metadata) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), metadata, HeaderStamp.RESERVE_BYTES, in, ahead)) {
            for (TensorSpec spec : writer.fileOrder()) {
                if (CHANGED.contains(spec.name())) {
                    writer.write(spec.name(), MemorySegment.ofArray(expected(spec.name())));
                } else {
                    writer.transfer(spec.name(), in);
                }
            }
            writer.commit();
            return writer.blocksKeptFromAhead();
        }
    }

    private byte[] expected(String name) {
        byte[] value = values.get(name).clone();
        if (CHANGED.contains(name)) for (int i = 0; i < value.length; i++) value[i] ^= (byte) 0xFF;
        return value;
    }

    private static Map<String, String> stamp(String extra) {
        return Map.of("format", "pt", "wisca.plan", "{\"hash\":\"0123456789abcdef\"" + extra + "}");
    }

    private static List<TensorSpec> specs() {
        return U8Tensors.specs(SIZES);
    }

    private static Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("a", (12 << 20) + 333);
        sizes.put("b", (9 << 20) + 5);
        sizes.put("c", 21 << 20);
        sizes.put("d", 5000);
        sizes.put("e", (10 << 20) + 77);
        sizes.put("f", (6 << 20) + 1);
        return sizes;
    }
}
