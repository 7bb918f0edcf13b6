package dev.wisca.rescale.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ProcStatus;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSpec;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The content digest of a stored tensor: SHA-256 over its byte length and 64 evenly spaced 1 KiB windows
 * (every byte of a small tensor), recomputed here from the bytes written; read without mapping the file's
 * pages into this process.
 */
class TensorFingerprintTest {
    @TempDir Path dir;

    @Test
    void theDigestIsTheLengthAndWindowsHashedAndNoPageStaysMapped() throws Exception {
        byte[] big = new byte[(40 << 20) + 12_345];
        byte[] small = new byte[5_000];
        SplittableRandom random = new SplittableRandom(3);
        random.nextBytes(big);
        random.nextBytes(small);
        Path file = write(Map.of("big", big, "small", small));
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            Tensor t = in.tensor("big");
            long before = ProcStatus.selfRequired(ProcStatus.RSS_FILE);
            String digest = TensorFingerprint.digest(in, t);
            long grown = ProcStatus.selfRequired(ProcStatus.RSS_FILE) - before;
            assertEquals(expected(big), digest);
            assertEquals(expected(small), TensorFingerprint.digest(in, in.tensor("small")));
            // Through the mapping, each window had the kernel map the folios around it: megabytes of this file.
            assertTrue(grown < 1 << 20, "the digest's reads left " + grown + " bytes of mapped pages resident");
        }
        big[(int) (10 * ((big.length - 1024L) / 63)) + 5] ^= 1;  // one bit inside the eleventh window
        try (SafetensorsFile in = SafetensorsFile.open(write(Map.of("big", big, "small", small)))) {
            String changed = TensorFingerprint.digest(in, in.tensor("big"));
            assertEquals(expected(big), changed);
            try (SafetensorsFile first = SafetensorsFile.open(file)) {
                assertNotEquals(TensorFingerprint.digest(first, first.tensor("big")), changed);
            }
        }
    }

    /** The digest as its documentation defines it, from the bytes themselves. */
    private static String expected(byte[] bytes) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long n = bytes.length;
        for (int i = 0; i < 8; i++) sha.update((byte) (n >>> (8 * i)));
        if (n <= 64 * 1024) {
            sha.update(bytes);
        } else {
            long stride = (n - 1024) / 63;
            for (int w = 0; w < 64; w++) sha.update(Arrays.copyOfRange(bytes, (int) (w * stride), (int) (w * stride) + 1024));
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private Path write(Map<String, byte[]> tensors) throws IOException {
        Path file = Files.createTempFile(dir, "t", ".safetensors");
        Files.delete(file);
        List<TensorSpec> specs = tensors.entrySet().stream().sorted(Map.Entry.comparingByKey())
            .map(e -> new TensorSpec(e.getKey(), Dtype.U8, new long[] {e.getValue().length})).toList();
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, Map.of())) {
            for (TensorSpec spec : writer.fileOrder()) writer.write(spec.name(), MemorySegment.ofArray(tensors.get(spec.name())));
            writer.commit();
        }
        return file;
    }

}
