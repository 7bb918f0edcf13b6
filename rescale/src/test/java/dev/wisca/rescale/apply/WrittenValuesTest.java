package dev.wisca.rescale.apply;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.fixtures.MemorySource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class WrittenValuesTest {
    private static final int N = 23;  // not a multiple of any word's lanes: a tail after the words

    @Test
    void aNonFiniteValueAnywhereInAChunkIsRefusedAndNamed() {
        for (Dtype dtype : List.of(Dtype.BF16, Dtype.F16, Dtype.F32, Dtype.F64)) {
            try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
                double[] values = new double[N];
                for (int i = 0; i < N; i++) values[i] = (i - 11) * 0.25;
                src.add("w", dtype, new long[] {N}, values);
                Tensor t = src.tensor("w");
                for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
                    for (int at = 0; at < N; at++) {
                        MemorySegment chunk = arena.allocate(t.data().byteSize());
                        chunk.copyFrom(t.data());
                        assertDoesNotThrow(() -> WrittenValues.requireInRange(t, chunk, 0), dtype + " all finite");
                        Codecs.of(dtype).set(chunk, at, bad);
                        WiscaException e = assertThrows(WiscaException.class, () -> WrittenValues.requireInRange(t, chunk, 0));
                        assertEquals(ErrorKind.VALUE_OUT_OF_RANGE, e.kind());
                        assertTrue(e.getMessage().contains("element " + at + " "), dtype + " " + bad + " at " + at + ": " + e.getMessage());
                    }
                }
            }
        }
    }

    @Test
    void aValueAlreadyNonFiniteInTheInputPasses() {
        try (MemorySource src = new MemorySource()) {
            double[] values = new double[N];
            values[5] = Double.POSITIVE_INFINITY;
            values[17] = Double.NaN;
            src.add("w", Dtype.BF16, new long[] {N}, values);
            Tensor t = src.tensor("w");
            assertDoesNotThrow(() -> WrittenValues.requireInRange(t, t.data(), 0));
            // A chunk later in the tensor: its element k is the tensor's element offset/2 + k.
            assertDoesNotThrow(() -> WrittenValues.requireInRange(t, t.data().asSlice(10), 10));
        }
    }

    @Test
    void largestFiniteValuesAreNotMistakenForInfinity() {
        try (MemorySource src = new MemorySource()) {
            for (Dtype dtype : List.of(Dtype.BF16, Dtype.F16, Dtype.F32)) {
                double max = Codecs.maxFinite(dtype);
                double[] values = new double[N];
                for (int i = 0; i < N; i++) values[i] = i % 2 == 0 ? max : -max;
                src.add("m" + dtype, dtype, new long[] {N}, values);
                Tensor t = src.tensor("m" + dtype);
                assertDoesNotThrow(() -> WrittenValues.requireInRange(t, t.data(), 0), dtype.toString());
            }
        }
    }
}
