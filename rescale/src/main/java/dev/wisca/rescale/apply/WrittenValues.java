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
        for (long i = 0; i < count; i++) {
            if (finite(chunk, dtype, i)) continue;
            long element = byteOffset / size + i;
            if (!finite(source.data(), dtype, element)) continue;   // already Inf/NaN in the input: copied as it was
            double before = ElementAccess.get(source.data(), dtype, element);
            throw new WiscaException(ErrorKind.VALUE_OUT_OF_RANGE, source.file(), source.name(), String.format(Locale.ROOT,
                "element %d (%s) becomes %s after scaling: beyond the range of %s (max %s); nothing was published."
                    + " Use a narrower --clamp", element, before, ElementAccess.get(chunk, dtype, i), dtype.headerName(),
                ElementAccess.maxFinite(dtype)));
        }
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
