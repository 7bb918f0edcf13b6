package dev.wisca.sdk.bench;

import dev.wisca.sdk.ModelInternals;
import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.Progress;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCheckpointTest {
    @TempDir Path dir;

    @Test
    void writesALlamaCheckpointThatOpensWithTheShapesAndSizeOfItsShape() {
        LlamaShape shape = LlamaShape.forSize(3_000_000L, Dtype.BF16);
        Path ckpt = BenchCheckpoint.write(shape, dir.resolve("a"), 1_000_000L, 7, Progress.NONE);
        try (Model model = Wisca.open(ckpt)) {
            assertEquals("llama", model.architecture());
            Checkpoint c = ModelInternals.checkpoint(model);
            assertTrue(c.shards().size() > 1, "sharded at 1 MB");
            assertEquals(shape.byteSize(), c.tensors().stream().mapToLong(TensorInfo::byteLength).sum());
            for (LlamaShape.Member m : shape.tensors()) {
                Tensor t = c.tensor(m.spec().name());
                assertArrayEquals(m.spec().shape(), t.shape());
                assertEquals(Dtype.BF16, t.dtype());
                double[] v = values(t);
                for (double x : v) {
                    if (m.normGain()) assertTrue(x >= 0.5 && x <= 1.5, m.spec().name() + " " + x);
                    else assertTrue(Math.abs(x) <= 0.02 * Math.pow(2, 1.5) * 2.45 * 1.01, m.spec().name() + " " + x);
                }
                if (!m.normGain()) {
                    double mean = Arrays.stream(v).average().orElseThrow();
                    double rms = Math.sqrt(Arrays.stream(v).map(x -> x * x).average().orElseThrow());
                    assertTrue(Math.abs(mean) < 0.1 * rms, "centred: " + m.spec().name());
                    assertTrue(rms > 0.003 && rms < 0.06, "magnitude: " + m.spec().name() + " " + rms);
                }
            }
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        LlamaShape shape = LlamaShape.forSize(1_000_000L, Dtype.F32);
        BenchCheckpoint.write(shape, dir.resolve("a"), Long.MAX_VALUE, 1, Progress.NONE);
        BenchCheckpoint.write(shape, dir.resolve("b"), Long.MAX_VALUE, 1, Progress.NONE);
        BenchCheckpoint.write(shape, dir.resolve("c"), Long.MAX_VALUE, 2, Progress.NONE);
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/model.safetensors")));
        assertFalse(Arrays.equals(a, Files.readAllBytes(dir.resolve("c/model.safetensors"))));
    }

    @Test
    void reportsEveryByteAndTensorAsGenerateProgress() {
        LlamaShape shape = LlamaShape.forSize(1_000_000L, Dtype.F16);
        long[] seen = new long[3];
        BenchCheckpoint.write(shape, dir.resolve("a"), Long.MAX_VALUE, 1, new Progress() {
            @Override public void start(String phase, long totalBytes, int totalTensors) {
                assertEquals("generate", phase);
                seen[0] = totalBytes;
            }

            @Override public void advance(long bytes, int tensors) {
                seen[1] += bytes;
                seen[2] += tensors;
            }

            @Override public void finish() {}
        });
        assertEquals(shape.byteSize(), seen[0]);
        assertEquals(shape.byteSize(), seen[1]);
        assertEquals(shape.tensors().size(), seen[2]);
    }

    private static double[] values(Tensor t) {
        double[] v = new double[Math.toIntExact(t.elementCount())];
        Codecs.of(t.dtype()).decode(t.data(), 0, v, v.length);
        return v;
    }
}
