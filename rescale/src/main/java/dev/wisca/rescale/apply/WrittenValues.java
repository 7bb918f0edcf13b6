package dev.wisca.rescale.apply;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.ElementAccess;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Map;

/**
 * Checks scaled values before they are published: a scale that pushes a weight past its dtype's range
 * rounds it to ±Inf or NaN (bf16/f16/fp8 overflow), which no inverse can undo. An element that is not
 * finite where its source was finite refuses the output (the writer then discards its temp file).
 * Runs on each written chunk while streaming; the common dtypes test exponent bits without decoding.
 */
final class WrittenValues {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WrittenValues() {}

    /** @param byteOffset where {@code chunk} starts in the tensor (element-aligned) */
    static void requireInRange(Tensor source, MemorySegment chunk, long byteOffset) {
        Dtype dtype = source.dtype();
        int size = dtype.byteSize();
        long count = chunk.byteSize() / size;
        long[] lanes = LANE_MASKS.get(dtype);
        // Eight bytes at a time where a long holds whole lanes (bf16, f16, f32); only a word with a lane
        // whose exponent bits are all set is looked at element by element.
        int perWord = lanes == null ? 1 : 8 / size;
        long words = lanes == null ? 0 : count / perWord;
        for (long w = 0; w < words; w++) {
            if (!allFinite(chunk.get(U64, w * 8), lanes)) {
                for (long i = w * perWord; i < (w + 1) * perWord; i++) requireFinite(source, chunk, byteOffset, i);
            }
        }
        for (long i = words * perWord; i < count; i++) requireFinite(source, chunk, byteOffset, i);
    }

    private static void requireFinite(Tensor source, MemorySegment chunk, long byteOffset, long i) {
        Dtype dtype = source.dtype();
        if (finite(chunk, dtype, i)) return;
        long element = byteOffset / dtype.byteSize() + i;
        if (!finite(source.data(), dtype, element)) return;   // already Inf/NaN in the input: copied as it was
        double before = ElementAccess.get(source.data(), dtype, element);
        throw new WiscaException(ErrorKind.VALUE_OUT_OF_RANGE, source.file(), source.name(), String.format(Locale.ROOT,
            "element %d (%s) becomes %s after scaling: beyond the range of %s (max %s); nothing was published."
                + " Use a narrower --clamp", element, before, ElementAccess.get(chunk, dtype, i), dtype.headerName(),
            ElementAccess.maxFinite(dtype)));
    }

    /** Per dtype: {exponent bits of every lane of a long, the lowest bit of every lane, the highest bit of every lane}. */
    private static final Map<Dtype, long[]> LANE_MASKS = Map.of(
        Dtype.BF16, new long[] {0x7F807F807F807F80L, 0x0001000100010001L, 0x8000800080008000L},
        Dtype.F16, new long[] {0x7C007C007C007C00L, 0x0001000100010001L, 0x8000800080008000L},
        Dtype.F32, new long[] {0x7F8000007F800000L, 0x0000000100000001L, 0x8000000080000000L});

    /**
     * Whether no lane of {@code word} is Inf/NaN: a lane is non-finite when its exponent bits are all
     * set, i.e. when {@code (lane & exponent) ^ exponent} is zero, and the classic zero-lane test
     * {@code (v - low) & ~v & high} is non-zero exactly when some lane of {@code v} is zero.
     */
    private static boolean allFinite(long word, long[] m) {
        long v = (word & m[0]) ^ m[0];
        return ((v - m[1]) & ~v & m[2]) == 0;
    }

    private static boolean finite(MemorySegment seg, Dtype dtype, long index) {
        return switch (dtype) {
            case BF16 -> (seg.getAtIndex(U16, index) & 0x7F80) != 0x7F80;
            case F16 -> (seg.getAtIndex(U16, index) & 0x7C00) != 0x7C00;
            case F32 -> (seg.getAtIndex(U32, index) & 0x7F800000) != 0x7F800000;
            case F64 -> (seg.getAtIndex(U64, index) & 0x7FF0000000000000L) != 0x7FF0000000000000L;
            default -> Double.isFinite(ElementAccess.get(seg, dtype, index));
        };
    }
}
