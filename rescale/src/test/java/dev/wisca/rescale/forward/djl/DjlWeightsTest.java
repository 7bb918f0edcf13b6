package dev.wisca.rescale.forward.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.forward.ForwardConfigs;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.TestModels;
import dev.wisca.rescale.spec.Roles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Stored tensors enter DJL with the values the codecs decode, whole or a chunk of rows at a time, and a
 * bf16 matrix is loaded without passing through the Java heap.
 */
class DjlWeightsTest {
    private static final Dtype[] DTYPES = {Dtype.BF16, Dtype.F16, Dtype.F32, Dtype.F64, Dtype.F8_E4M3, Dtype.F8_E5M2};

    @Test
    void everyDtypeLoadsItsDecodedValuesWholeAndInChunks() {
        try (NDManager manager = Engine.getEngine(DjlForward.ENGINE).newBaseManager(); Arena arena = Arena.ofConfined()) {
            for (Dtype dtype : DTYPES) {
                Tensor t = tensor(dtype, new long[] {37, 11}, arena, 7);
                double[] expected = new double[37 * 11];
                Codecs.of(dtype).decode(t.data(), 0, expected, expected.length);
                for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
                    DjlWeights weights = new DjlWeights(null, manager, type);
                    // whole; chunks of 4 rows (44 elements asked: the last chunk has one row); one row at a time
                    for (long[] limits : new long[][] {{1L << 24, Integer.MAX_VALUE}, {50, 0}, {1, 0}}) {
                        NDArray loaded = weights.load(t, limits[0], limits[1]);
                        String what = dtype + " as " + type + ", chunks of " + limits[0];
                        assertEquals(type, loaded.getDataType(), what);
                        assertArrayEquals(new long[] {37, 11}, loaded.getShape().getShape(), what);
                        double[] got = loaded.toType(DataType.FLOAT64, false).toDoubleArray();
                        for (int i = 0; i < expected.length; i++) {
                            double want = type == DataType.FLOAT32 ? (float) expected[i] : expected[i];
                            assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got[i]), what + ", element " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBf16MatrixDoesNotGoThroughTheJavaHeap() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (NDManager manager = Engine.getEngine(DjlForward.ENGINE).newBaseManager(); Arena arena = Arena.ofConfined()) {
            Tensor t = tensor(Dtype.BF16, new long[] {2048, 1024}, arena, 3);
            DjlWeights weights = new DjlWeights(null, manager, DataType.FLOAT64);
            weights.load(tensor(Dtype.BF16, new long[] {4, 4}, arena, 1)).close();   // DJL's and the codec's first use
            long before = threads.getCurrentThreadAllocatedBytes();
            NDArray loaded = weights.load(t);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // decoded into a double[] first, as before, it was 16 MiB (8 bytes per element) of heap
            assertTrue(allocated < 1 << 20, "loading 2M bf16 elements allocated " + allocated + " bytes of Java heap");
            assertEquals(Codecs.of(Dtype.BF16).get(t.data(), 2_000_000), loaded.toDoubleArray()[2_000_000]);
        }
    }

    @Test
    void theHeadMultipliedABlockOfRowsAtATimeGivesTheWholeMatricesLogits() {
        // llama's example ties no head; gpt2 ties it to the embedding
        for (String family : new String[] {"llama", "gpt2", "qwen3"}) {
            String example = TestModels.LIBRARY.get(family).orElseThrow().examples().keySet().iterator().next();
            ModelSource source = TestModels.source(TestModels.model(family, example, 5), Dtype.BF16);
            String role = ForwardConfigs.resolve(source.binding()).tied() ? Roles.EMBED : Roles.LM_HEAD;
            try (NDManager manager = Engine.getEngine(DjlForward.ENGINE).newBaseManager()) {
                DjlWeights weights = new DjlWeights(source, manager, DataType.FLOAT64);
                Tensor plain = weights.plain(role, -1).orElseThrow();
                long rows = plain.shape()[0];
                NDArray whole = weights.matrix(role, -1, 0);
                long hidden = whole.getShape().get(1);
                NDArray h = manager.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, hidden)).toType(DataType.FLOAT64, false);
                double[] expected = h.matMul(whole.transpose()).toDoubleArray();
                double[] blocked = DjlForward.headLogits(h, weights, role, 7 * hidden).toDoubleArray();   // blocks of 7 rows
                assertEquals(2 * 3 * rows, blocked.length, family);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], blocked[i], 1e-12 * (1 + Math.abs(expected[i])), family + " logit " + i);
                }
                assertArrayEquals(whole.get("3:9").toDoubleArray(), weights.rows(plain, 3, 9).toDoubleArray(), family + " rows 3..9");
            }
        }
    }

    /** A tensor of random values of {@code dtype}, each the dtype's rounding of a normal draw. */
    private static Tensor tensor(Dtype dtype, long[] shape, Arena arena, long seed) {
        long n = shape[0] * shape[1];
        MemorySegment data = arena.allocate(n * dtype.byteSize(), 8);
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[(int) n];
        for (int i = 0; i < n; i++) values[i] = random.nextGaussian() * (i % 5 == 0 ? 10 : 0.01);
        Codecs.of(dtype).encode(values, (int) n, data, 0);
        return new Tensor(new TensorInfo("w", dtype, shape, 0, n * dtype.byteSize()), data, Path.of("w.safetensors"));
    }
}
