package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CodecsTest {

    private static final Set<Dtype> WITH_CODEC = EnumSet.of(Dtype.F64, Dtype.F32, Dtype.F16, Dtype.BF16,
            Dtype.F8_E4M3, Dtype.F8_E5M2, Dtype.F8_E4M3FNUZ, Dtype.F8_E5M2FNUZ, Dtype.F8_E8M0);

    @Test
    void everyWholeByteFloatDtypeHasItsOwnCodec() {
        for (Dtype dtype : WITH_CODEC) {
            ElementCodec codec = Codecs.of(dtype);
            assertEquals(dtype, codec.dtype());
            assertSame(codec, Codecs.of(dtype));
            assertTrue(Codecs.hasCodec(dtype));
            assertEquals(dtype != Dtype.F8_E8M0, codec.canEncode(), dtype.name());
        }
    }

    @Test
    void rejectsIntegerBoolComplexAndPackedSubByteDtypes() {
        for (Dtype dtype : EnumSet.complementOf(EnumSet.copyOf(WITH_CODEC))) {
            WiscaException e = assertThrows(WiscaException.class, () -> Codecs.of(dtype));
            assertEquals(ErrorKind.UNSUPPORTED_DTYPE, e.kind());
            assertTrue(e.getMessage().contains(dtype.name()), e.getMessage());
            assertFalse(Codecs.hasCodec(dtype));
        }
    }

    @Test
    void largestFiniteValues() {
        assertEquals(Double.MAX_VALUE, Codecs.maxFinite(Dtype.F64));
        assertEquals(Float.MAX_VALUE, Codecs.maxFinite(Dtype.F32));
        assertEquals(65504.0, Codecs.maxFinite(Dtype.F16));
        assertEquals(0x1.FEp127, Codecs.maxFinite(Dtype.BF16));
        assertEquals(448.0, Codecs.maxFinite(Dtype.F8_E4M3));
        assertEquals(57344.0, Codecs.maxFinite(Dtype.F8_E5M2));
        assertEquals(240.0, Codecs.maxFinite(Dtype.F8_E4M3FNUZ));
        assertEquals(57344.0, Codecs.maxFinite(Dtype.F8_E5M2FNUZ));
        assertEquals(0x1p127, Codecs.maxFinite(Dtype.F8_E8M0));
        assertEquals(6.0, Codecs.maxFinite(Dtype.F4));
        assertEquals(7.5, Codecs.maxFinite(Dtype.F6_E2M3));
        assertEquals(28.0, Codecs.maxFinite(Dtype.F6_E3M2));
        WiscaException e = assertThrows(WiscaException.class, () -> Codecs.maxFinite(Dtype.I32));
        assertEquals(ErrorKind.UNSUPPORTED_DTYPE, e.kind());
    }

    @Test
    void storageNarrowMeansFloatsBelowThirtyTwoBits() {
        for (Dtype dtype : Dtype.values()) {
            if (!dtype.isFloat()) {
                assertThrows(WiscaException.class, () -> Codecs.isStorageNarrow(dtype));
                continue;
            }
            boolean wide = dtype == Dtype.F32 || dtype == Dtype.F64;
            assertEquals(!wide, Codecs.isStorageNarrow(dtype), dtype.name());
        }
    }
}
