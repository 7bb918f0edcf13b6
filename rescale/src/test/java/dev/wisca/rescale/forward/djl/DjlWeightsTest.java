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
