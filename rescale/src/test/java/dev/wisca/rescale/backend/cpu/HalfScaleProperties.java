package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.MatrixView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random shapes, runs, bit patterns and factors: the bf16/f16 vector scaling equals the scalar reference
 * byte for byte. Factors are never NaN (plans hold finite factors): a NaN times a NaN has no defined
 * payload in Java, so not even the scalar loop repeats itself there once the JIT swaps operands.
 */
class HalfScaleProperties {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Property(tries = 300)
    void vectorScaleEqualsScalarReference(@ForAll("dtypes") Dtype dtype,
                                          @ForAll @IntRange(min = 1, max = 3) int batches,
                                          @ForAll @IntRange(min = 1, max = 6) int rows,
                                          @ForAll @IntRange(min = 1, max = 80) int cols,
                                          @ForAll("patterns") short[] patterns,
                                          @ForAll("factors") double[] rowFactors,
                                          @ForAll("factors") double[] colFactors,
                                          @ForAll @IntRange(min = 0, max = 40) int skip) {
        int n = batches * rows * cols;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(2L * n);
            for (int e = 0; e < n; e++) data.setAtIndex(I16, e, patterns[e % patterns.length]);
            MatrixView m = new MatrixView(data, dtype, batches, rows, cols);
            double[] rf = cycle(rowFactors, batches * rows);
            double[] cf = cycle(colFactors, batches * cols);
            long first = Math.min(skip, n - 1);
            HalfScaleTest.assertSameBytes(arena, m, first, n - first, rf, cf);
        }
    }

    private static double[] cycle(double[] values, int length) {
        if (values.length == 0) return null;
        double[] out = new double[length];
        for (int k = 0; k < length; k++) out[k] = values[k % values.length];
        return out;
    }

    @Provide
    Arbitrary<Dtype> dtypes() { return Arbitraries.of(Dtype.BF16, Dtype.F16); }

    @Provide
    Arbitrary<short[]> patterns() {
        Arbitrary<Short> any = Arbitraries.shorts();
        Arbitrary<Short> special = Arbitraries.of((short) 0x7F80, (short) 0xFF80, (short) 0x7FC1, (short) 0x7C00,
            (short) 0xFC00, (short) 0x7E01, (short) 0x0001, (short) 0x8001, (short) 0x03FF, (short) 0x7BFF,
            (short) 0x7F7F, (short) 0x0000, (short) 0x8000, (short) 0x0080, (short) 0x0400);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, any), net.jqwik.api.Tuple.of(1, special))
            .array(short[].class).ofMinSize(1).ofMaxSize(200);
    }

    @Provide
    Arbitrary<double[]> factors() {
        Arbitrary<Double> factor = Arbitraries.oneOf(
            Arbitraries.doubles().between(-4, 4).ofScale(15),
            Arbitraries.integers().between(-30, 30).map(k -> Math.scalb(1.0, k)),
            Arbitraries.doubles().between(-60, 60).ofScale(9).map(Math::exp),
            Arbitraries.of(0.0, -0.0, 1.0, Double.POSITIVE_INFINITY, Double.MIN_VALUE, 65520.0, 1.0 + 0x1p-30));
        return factor.array(double[].class).ofMinSize(0).ofMaxSize(12);
    }
}
