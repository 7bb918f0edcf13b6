package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a file system that shares extents ({@code $WISCA_REFLINK_DIR}: bin/test mounts a small XFS image
 * there), a page-matched rewrite makes its untouched whole blocks share the input's extents instead of
 * writing them, in the writer and in a head start: the file is byte for byte the one written where
 * nothing can be shared (this test's temp folder, ext4), and the kernel itself ({@code filefrag -v}: FIEMAP)
 * reports shared extents in it and none in the other. Refusals (another file system, an unaligned range)
 * are answered, and final: the bytes are then written.
 */
class ReflinkTest {
    private static final Map<String, Integer> SIZES = sizes();
    private static final Set<String> CHANGED = Set.of("b");
    private static final int EXDEV = 18;
    private static final int EINVAL = 22;

    @TempDir Path plain;
    private Path sharing;
    private final Map<String, byte[]> values = new LinkedHashMap<>();

    @BeforeEach
    void folders() throws IOException {
        String root = System.getenv("WISCA_REFLINK_DIR");
        assertTrue(root != null && Files.isDirectory(Path.of(root)),
            "WISCA_REFLINK_DIR must name a folder on a file system that shares extents (bin/test mounts an XFS image there)");
        assertTrue(Files.getFileStore(Path.of(root)).type().matches("xfs|btrfs"),
            root + " is on " + Files.getFileStore(Path.of(root)).type() + ", not a file system that shares extents");
        sharing = Files.createTempDirectory(Path.of(root), "reflink-test-");
        values.putAll(U8Tensors.random(SIZES, 11));
    }

    @AfterEach
    void removeSharingFolder() throws IOException {
        if (sharing == null) return;
        try (var files = Files.list(sharing)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(sharing);
    }

    @Test
    void aRewriteSharesItsUntouchedWholeBlocksAndIsTheFileWrittenWhereNothingIsShared() throws IOException {
        Path sharedIn = writeSource(sharing);
        Path plainIn = writeSource(plain);
        long shared = rewrite(sharedIn, sharing.resolve("out.safetensors"), null);
        long notShared = rewrite(plainIn, plain.resolve("out.safetensors"), null);
        assertTrue(shared >= 6, shared + " blocks shared");  // a: 3 of its 4 MiB blocks at least, c: 5, f: 1
        assertEquals(0, notShared, "ext4 shares nothing");
        assertArrayEquals(Files.readAllBytes(plain.resolve("out.safetensors")), Files.readAllBytes(sharing.resolve("out.safetensors")));
        assertTrue(sharedExtents(sharing.resolve("out.safetensors")), "the kernel reports shared extents");
        assertFalse(sharedExtents(plain.resolve("out.safetensors")), "none where the blocks were written");
        checkValues(sharing.resolve("out.safetensors"));
    }

    @Test
    void aHeadStartSharesItsBlocksAndTheWriterKeepsThem() throws IOException {
        Path in = writeSource(sharing);
        Path out = sharing.resolve("ahead.safetensors");
        try (SafetensorsFile source = SafetensorsFile.open(in);
             WriteAhead ahead = WriteAhead.open(out, specs(), stamp(), HeaderStamp.RESERVE_BYTES, source, CHANGED::contains)) {
            ahead.run();
            assertTrue(ahead.blocksWritten() >= 6, ahead.blocksWritten() + " blocks done ahead");
            try (SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), stamp(), HeaderStamp.RESERVE_BYTES, source, ahead)) {
                writeAll(writer, source);
                writer.commit();
                assertEquals(ahead.blocksWritten(), writer.blocksKeptFromAhead(), "every block done ahead is kept");
            }
        }
        rewrite(writeSource(plain), plain.resolve("out.safetensors"), null);
        assertArrayEquals(Files.readAllBytes(plain.resolve("out.safetensors")), Files.readAllBytes(out));
        assertTrue(sharedExtents(out), "the head start's blocks share the input's extents");
    }

    @Test
    void refusalsAreAnsweredAndFinal() throws IOException {
        Path here = writeSource(sharing);
        Path elsewhere = writeSource(plain);
        Path target = Files.createFile(sharing.resolve("target.bin"));
        try (Reflink across = Reflink.open(elsewhere, target).orElseThrow()) {
            assertFalse(across.share(0, 4096, 0), "another file system");
            assertEquals(EXDEV, across.refusal());
        }
        try (Reflink within = Reflink.open(here, target).orElseThrow()) {
            assertFalse(within.share(100, 4096, 0), "not aligned to the block");
            assertEquals(EINVAL, within.refusal());
            assertFalse(within.share(0, 4096, 0), "a refusal is final for the pair");
        }
        try (Reflink fresh = Reflink.open(here, target).orElseThrow()) {
            assertTrue(fresh.share(8192, 2 << 20, 4096), "aligned, on one XFS");
            assertEquals(0, fresh.refusal());
        }
        byte[] source = Files.readAllBytes(here);
        byte[] got = Files.readAllBytes(target);
        assertEquals(4096 + (2 << 20), got.length);
        for (int i = 0; i < 4096; i++) assertEquals(0, got[i], "the hole before the shared range");
        for (int i = 0; i < 2 << 20; i++) assertEquals(source[8192 + i], got[4096 + i], "byte " + i + " of the shared range");
        assertTrue(Reflink.open(here, plain.resolve("never")).isEmpty(), "a target on ext4 gets none");
    }

    private Path writeSource(Path folder) {
        Path file = folder.resolve("in.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs(), Map.of("format", "pt"))) {
            for (TensorSpec spec : writer.fileOrder()) writer.write(spec.name(), MemorySegment.ofArray(values.get(spec.name())));
            writer.commit();
        }
        return file;
    }

    /** The rewrite of {@code in}: unchanged tensors transferred, the changed one written flipped; the blocks shared. */
    private long rewrite(Path in, Path out, WriteAhead ahead) {
        try (SafetensorsFile source = SafetensorsFile.open(in);
             SafetensorsWriter writer = SafetensorsWriter.create(out, specs(), stamp(), HeaderStamp.RESERVE_BYTES, source, ahead)) {
            writeAll(writer, source);
            writer.commit();
            return writer.blocksShared();
        }
    }

    private void writeAll(SafetensorsWriter writer, SafetensorsFile source) {
        for (TensorSpec spec : writer.fileOrder()) {
            if (CHANGED.contains(spec.name())) writer.write(spec.name(), MemorySegment.ofArray(expected(spec.name())));
            else writer.transfer(spec.name(), source);
        }
    }

    private void checkValues(Path file) {
        try (SafetensorsFile reread = SafetensorsFile.open(file)) {
            for (TensorInfo t : reread.tensors()) {
                byte[] got = new byte[(int) t.byteLength()];
                reread.read(t.name(), 0, MemorySegment.ofArray(got));
                assertArrayEquals(expected(t.name()), got, t.name());
            }
        }
    }

    private byte[] expected(String name) {
        byte[] value = values.get(name).clone();
        if (CHANGED.contains(name)) for (int i = 0; i < value.length; i++) value[i] ^= (byte) 0xFF;
        return value;
    }

    /** Whether {@code filefrag -v} (the kernel's FIEMAP) flags any extent of {@code file} as shared. */
    private static boolean sharedExtents(Path file) throws IOException {
        Process p = new ProcessBuilder("filefrag", "-v", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            assertEquals(0, p.waitFor(), "filefrag -v (e2fsprogs) must run: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out.lines().anyMatch(l -> l.contains("shared"));
    }

    /** A rewrite stamp, so the header's length differs from the input's (the page matching pads it). */
    private static Map<String, String> stamp() {
        return Map.of("format", "pt", "wisca.plan", "{\"hash\":\"fedcba9876543210\"}");
    }

    private static List<TensorSpec> specs() {
        return U8Tensors.specs(SIZES);
    }

    private static Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("a", (14 << 20) + 333);
        sizes.put("b", (5 << 20) + 5);
        sizes.put("c", 22 << 20);
        sizes.put("f", (6 << 20) + 1);
        return sizes;
    }
}
