package dev.wisca.cli;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {
    @TempDir Path dir;

    static Path writeF32(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes) {
        List<TensorSpec> specs = tensors.keySet().stream().map(n -> new TensorSpec(n, Dtype.F32, shapes.get(n))).toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs); Arena arena = Arena.ofConfined()) {
            for (TensorSpec s : w.fileOrder()) {
                float[] v = tensors.get(s.name());
                MemorySegment seg = arena.allocate(4L * v.length);
                for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v[i]);
                w.write(s.name(), seg);
            }
            w.commit();
        }
        return file;
    }

    @Test
    void listsTensorsAndTotals() {
        Path f = writeF32(dir.resolve("m.safetensors"),
            Map.of("a.weight", new float[6], "b.bias", new float[3]),
            Map.of("a.weight", new long[] {2, 3}, "b.bias", new long[] {3}));
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("a.weight"), r.out());
        assertTrue(r.out().contains("[2, 3]"), r.out());
        assertTrue(r.out().contains("2 tensors, 9 parameters, 36 B in 1 file"), r.out());
        assertTrue(r.out().contains("metadata: {format=pt}"), r.out());
    }

    @Test
    void jsonHasExactTotals() {
        Path f = writeF32(dir.resolve("m.safetensors"), Map.of("w", new float[10]), Map.of("w", new long[] {10}));
        Cli r = Cli.run("inspect", "--json", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\"totalBytes\" : 40"), r.out());
        assertTrue(r.out().contains("\"totalElements\" : 10"), r.out());
    }

    @Test
    void truncatedFileIsOneLineWithKindAndExit2() throws IOException {
        Path f = writeF32(dir.resolve("m.safetensors"), Map.of("w", new float[10]), Map.of("w", new long[] {10}));
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 4));
        Cli r = Cli.run("inspect", cut.toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().startsWith("wisca: MetadataIncompleteBuffer: " + cut), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void gitLfsPointerIsNamed() throws IOException {
        Path f = dir.resolve("model.safetensors");
        Files.writeString(f, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123456\n", StandardCharsets.US_ASCII);
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("Git LFS pointer"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void missingPathIsAUserError() {
        Cli r = Cli.run("inspect", dir.resolve("nope").toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().startsWith("wisca: "), r.err());
    }

    @Test
    void reshardConvertsToBf16AndKeepsValues() {
        float[] v = {1.0f, -2.5f, 1.00390625f /* 1 + 2^-8: ties to even -> 1.0 in bf16 */, 3.0e38f};
        Path f = writeF32(dir.resolve("m.safetensors"), Map.of("w", v), Map.of("w", new long[] {4}));
        Path out = dir.resolve("m-bf16.safetensors");
        Cli r = Cli.run("reshard", f.toString(), out.toString(), "--dtype", "bf16");
        assertEquals(0, r.exitCode(), r.err());
        try (SafetensorsFile sf = SafetensorsFile.open(out)) {
            assertEquals(Dtype.BF16, sf.tensor("w").dtype());
            MemorySegment d = sf.tensor("w").data();
            short[] expected = {(short) 0x3F80, (short) 0xC020, (short) 0x3F80, (short) 0x7F62};
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], d.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), "element " + i);
            }
        }
    }

    @Test
    void badShardSizeIsAUserError() {
        Path f = writeF32(dir.resolve("m.safetensors"), Map.of("w", new float[1]), Map.of("w", new long[] {1}));
        Cli r = Cli.run("reshard", f.toString(), dir.resolve("o").toString(), "--max-shard-size", "lots");
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("lots"), r.err());
    }
}
