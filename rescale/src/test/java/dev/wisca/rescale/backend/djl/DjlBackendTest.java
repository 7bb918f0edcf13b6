package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("slow")
class DjlBackendTest {
    static final DjlBackend CPU = DjlBackend.cpu();
    /** Tiles of 13 elements: rows split into column pieces, ranges into many tiles. */
    static final DjlBackend TINY_TILES = CPU.withMaxTileElements(13);

    @ParameterizedTest
    @CsvSource({"F32, false", "F32, true", "F64, false", "F64, true", "BF16, false", "BF16, true", "F16, false", "F16, true",
        "F8_E4M3, false", "F8_E5M2, true"})
    void statisticsMatchTheScalarReference(Dtype dtype, boolean offsetGain) {
        BackendComparison.assertStatsMatch(CPU, dtype, 9, 37, offsetGain, 1, 1e-12);
        BackendComparison.assertStatsMatch(TINY_TILES, dtype, 6, 29, offsetGain, 2, 1e-12);
        BackendComparison.assertStatsMatch(TINY_TILES, dtype, 7, 4, offsetGain, 3, 1e-12);
    }

    @ParameterizedTest
    @CsvSource({"F32, false", "F32, true", "F64, false", "F64, true", "BF16, false", "BF16, true", "F16, false", "F16, true",
        "F8_E4M3, false", "F8_E5M2, true"})
    void scaledBytesEqualTheScalarReference(Dtype dtype, boolean offsetGain) {
        BackendComparison.assertScaleMatches(CPU, dtype, 1, 8, 33, offsetGain, 4);
        BackendComparison.assertScaleMatches(CPU, dtype, 3, 5, 17, offsetGain, 5);
        BackendComparison.assertScaleMatches(TINY_TILES, dtype, 3, 5, 17, offsetGain, 6);
        BackendComparison.assertScaleMatches(TINY_TILES, dtype, 2, 3, 40, offsetGain, 7);
    }

    @ParameterizedTest
    @CsvSource({
        // w = 1, r = 1 + 2^-8 + 2^-30: through f32 it becomes the tie 1 + 2^-8 and rounds to even (1.0);
        // rounded once it is just above the tie: 1 + 2^-7
        "BF16, 0x3F81, 0x1p-8",
        "F16, 0x3C01, 0x1p-11"})
    void narrowDtypesAreRoundedOnceFromDouble(Dtype dtype, String expectedBits, double halfUlp) {
        try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
            src.add("w", dtype, new long[] {1, 1}, new double[] {1.0});
            MatrixView m = MatrixView.of(src.tensor("w").data(), dtype, new long[] {1, 1});
            MemorySegment out = arena.allocate(2);
            CPU.scale(m, 0, 1, out, new double[] {1.0 + halfUlp + 0x1p-30}, null, false);
            assertEquals(Integer.decode(expectedBits).shortValue(), out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        }
    }

    /** Element-misaligned and heap segments cannot be wrapped zero-copy: they take the copying path. */
    @ParameterizedTest
    @CsvSource({"F32, 2", "F64, 4", "F16, 1", "F32, -1"})
    void misalignedAndHeapDataGiveTheSameBytes(Dtype dtype, int byteShift) {
        int rows = 5, cols = 11, n = rows * cols;
        try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
            src.add("w", dtype, new long[] {rows, cols}, BackendComparison.values(new Random(9), n, false));
            MemorySegment aligned = src.tensor("w").data();
            MemorySegment moved = byteShift < 0
                ? MemorySegment.ofArray(new byte[(int) aligned.byteSize()])
                : arena.allocate(aligned.byteSize() + byteShift, 8).asSlice(byteShift);
            moved.copyFrom(aligned);
            double[] rf = BackendComparison.factors(new Random(10), rows);
            MemorySegment got = arena.allocate((long) n * dtype.byteSize());
            MemorySegment ref = arena.allocate((long) n * dtype.byteSize());
            MatrixView m = MatrixView.of(moved, dtype, new long[] {rows, cols});
            TINY_TILES.scale(m, 0, n, got, rf, null, false);
            ScalarBackend.INSTANCE.scale(m, 0, n, ref, rf, null, false);
            assertEquals(-1L, got.mismatch(ref));
            AxisStats stats = CPU.stats(m, 0, rows, Axis.ROWS, rf, null, false);
            AxisStats expected = ScalarBackend.INSTANCE.stats(m, 0, rows, Axis.ROWS, rf, null, false);
            BackendComparison.assertClose(expected.absSum(), stats.absSum(), 1e-12, "abs sum");
        }
    }

    @Test
    void nanReachesTheMaximumAndTheSums() {
        try (MemorySource src = new MemorySource()) {
            src.add("w", Dtype.F32, new long[] {2, 3}, new double[] {1, Double.NaN, -2, 3, 4, -5});
            MatrixView m = MatrixView.of(src.tensor("w").data(), Dtype.F32, new long[] {2, 3});
            AxisStats rows = CPU.stats(m, 0, 2, Axis.ROWS, null, null, false);
            assertTrue(Double.isNaN(rows.absMax()[0]) && Double.isNaN(rows.sum()[0]));
            assertEquals(5.0, rows.absMax()[1]);
            assertEquals(12.0, rows.absSum()[1]);
            AxisStats cols = CPU.stats(m, 0, 2, Axis.COLS, null, null, false);
            assertTrue(Double.isNaN(cols.absMax()[1]));
            assertEquals(3.0, cols.absMax()[0]);
            assertEquals(29.0, cols.sqSum()[2]);
        }
    }

    @Test
    void emptyRangesTouchNothing() {
        try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
            src.add("w", Dtype.F32, new long[] {2, 3}, new double[] {1, 2, 3, 4, 5, 6});
            MatrixView m = MatrixView.of(src.tensor("w").data(), Dtype.F32, new long[] {2, 3});
            AxisStats none = CPU.stats(m, 1, 1, Axis.COLS, null, null, false);
            assertEquals(3, none.length());
            assertEquals(0.0, none.absSum()[2]);
            MemorySegment out = arena.allocate(4).fill((byte) 7);
            CPU.scale(m, 2, 0, out.asSlice(0, 0), null, null, false);
            assertEquals(0x07070707, out.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void devicesByName() {
        assertEquals("djl-cpu", Backends.of("djl-cpu").name());
        Backend preferred = Backends.of("DJL");
        boolean gpu = DjlBackend.gpuAvailable();
        assertEquals(gpu ? "djl-gpu0" : "djl-cpu", preferred.name());
        if (gpu) {
            assertEquals("djl-gpu0", Backends.of("gpu").name());
        } else {
            WiscaException e = assertThrows(WiscaException.class, () -> Backends.of("gpu"));
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains("no GPU visible to DJL's PyTorch engine"), e.getMessage());
        }
        assertFalse(CPU.device().isGpu());
    }
}
