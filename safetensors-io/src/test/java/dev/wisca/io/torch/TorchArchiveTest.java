package dev.wisca.io.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real torch.save archive (golden/torch/adamw_named.pt, see its README) read, and rewritten in only the entries asked for. */
class TorchArchiveTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    @TempDir Path dir;

    private Path golden() throws Exception {
        Path copy = dir.resolve("optimizer.pt");
        try (InputStream in = getClass().getResourceAsStream("/golden/torch/adamw_named.pt")) {
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    private static JsonNode values() throws Exception {
        try (InputStream in = TorchArchiveTest.class.getResourceAsStream("/golden/torch/adamw_named.values.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static StoredTensor field(OptimizerStateDict state, long index, String field) {
        return (StoredTensor) state.state().get(index).get(field);
    }

    @Test
    void readsTheStateDictAsTorchWroteIt() throws Exception {
        try (TorchArchive archive = TorchArchive.open(golden())) {
            OptimizerStateDict state = OptimizerStateDict.of(archive.root(), archive.path());
            assertEquals(1, state.groups().size());
            assertEquals(List.of(0L, 1L, 2L), state.groups().getFirst().params());
            assertEquals(List.of("a.weight", "a.bias", "b.weight"), state.groups().getFirst().names().orElseThrow());
            StoredTensor m = field(state, 0, "exp_avg");
            assertArrayEquals(new long[] {3, 4}, m.shape());
            assertEquals(Dtype.F32, m.dtype().orElseThrow());
            assertTrue(m.isWholeStorage());
            assertEquals(0, field(state, 0, "step").shape().length);
            MemorySegment bytes = archive.storage(m);
            JsonNode expected = values().get("a.weight.exp_avg");
            for (int i = 0; i < 12; i++) assertEquals(expected.get(i).floatValue(), bytes.getAtIndex(F32, i), "element " + i);
            assertEquals("", archive.comment());
        }
    }

    @Test
    void rewritesOnlyTheNamedStoragesAndTheirCrcs() throws Exception {
        Path out = dir.resolve("out.pt");
        String key;
        try (TorchArchive archive = TorchArchive.open(golden())) {
            StoredTensor v = field(OptimizerStateDict.of(archive.root(), archive.path()), 2, "exp_avg_sq");
            key = v.storageKey();
            archive.rewrite(out, Map.of(key, (src, dst) -> {
                for (long i = 0; i < 6; i++) dst.setAtIndex(F32, i, src.getAtIndex(F32, i) * 4f);
            }), "wisca.plan test");
        }
        JsonNode expected = values().get("b.weight.exp_avg_sq");
        try (TorchArchive back = TorchArchive.open(out)) {
            StoredTensor v = field(OptimizerStateDict.of(back.root(), back.path()), 2, "exp_avg_sq");
            for (int i = 0; i < 6; i++) assertEquals(expected.get(i).floatValue() * 4f, back.storage(v).getAtIndex(F32, i));
            assertEquals("wisca.plan test", back.comment());
        }
        try (ZipFile a = new ZipFile(golden().toFile()); ZipFile b = new ZipFile(out.toFile())) {
            int changed = 0;
            for (Enumeration<? extends ZipEntry> e = a.entries(); e.hasMoreElements(); ) {
                ZipEntry x = e.nextElement();
                ZipEntry y = b.getEntry(x.getName());
                byte[] bx = a.getInputStream(x).readAllBytes();
                byte[] by = b.getInputStream(y).readAllBytes();
                CRC32 crc = new CRC32();
                crc.update(by);
                assertEquals(crc.getValue(), y.getCrc(), x.getName() + ": recorded CRC-32");
                if (x.getName().endsWith("/data/" + key)) {
                    changed++;
                } else {
                    assertArrayEquals(bx, by, x.getName() + " is byte-identical");
                }
            }
            assertEquals(1, changed);
            assertEquals(a.size(), b.size());
        }
        assertEquals(Files.size(golden()) + "wisca.plan test".length(), Files.size(out), "only the comment grew the file");
    }

    @Test
    void refusesWhatIsNotATorchArchive() throws Exception {
        Path text = Files.writeString(dir.resolve("optimizer.pt"), "not a zip at all, not even close.");
        WiscaException e = assertThrows(WiscaException.class, () -> TorchArchive.open(text));
        assertEquals(ErrorKind.INVALID_OPTIMIZER_STATE, e.kind());
        assertEquals(text.toAbsolutePath(), e.path().orElseThrow());
    }

    @Test
    void corruptArchivesFailOnlyWithTypedErrors() throws Exception {
        byte[] good = Files.readAllBytes(golden());
        Random random = new Random(14);
        for (int trial = 0; trial < 150; trial++) {
            byte[] bad = good.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                // mostly the pickle and the zip structures, where a flip changes what is parsed
                int at = random.nextBoolean() ? random.nextInt(Math.min(bad.length, 1100)) : bad.length - 1 - random.nextInt(Math.min(bad.length, 1500));
                bad[at] = (byte) random.nextInt(256);
            }
            Path file = dir.resolve("bad-" + trial + ".pt");
            Files.write(file, random.nextInt(10) == 0 ? java.util.Arrays.copyOf(bad, random.nextInt(bad.length)) : bad);
            try (TorchArchive archive = TorchArchive.open(file)) {
                OptimizerStateDict.of(archive.root(), archive.path());
            } catch (WiscaException expected) {
                assertEquals(ErrorKind.INVALID_OPTIMIZER_STATE, expected.kind(), expected.getMessage());
            }
            Files.delete(file);
        }
    }
}
