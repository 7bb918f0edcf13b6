package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import java.lang.foreign.MemorySegment;

/**
 * Reads and writes the elements of one float dtype in a little-endian segment, at any byte alignment.
 * Indices count elements from the segment's start ({@code long}: no 2 GiB limit). Writing rounds once
 * from the given value, to nearest with ties to even, with the overflow rule of the dtype's format.
 * Get one from {@link Codecs#of(Dtype)}. Bounds are checked by the segment.
 */
public sealed interface ElementCodec
        permits Float64Codec, Float32Codec, TwoByteCodec, ByteFloatCodec {

    Dtype dtype();

    /** Whether {@link #set} and {@code encode} are available (false for decode-only dtypes such as F8_E8M0). */
    boolean canEncode();

    double get(MemorySegment segment, long index);

    void set(MemorySegment segment, long index, double value);

    /** Decodes {@code count} elements starting at {@code fromIndex} into {@code dst[dstOffset …]}. */
    void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count);

    void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count);

    /** Encodes {@code src[srcOffset … srcOffset+count)} into elements {@code toIndex …} of {@code dst}. */
    void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex);

    void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex);

    default void decode(MemorySegment src, long fromIndex, float[] dst, int count) {
        decode(src, fromIndex, dst, 0, count);
    }

    default void decode(MemorySegment src, long fromIndex, double[] dst, int count) {
        decode(src, fromIndex, dst, 0, count);
    }

    default void encode(double[] src, int count, MemorySegment dst, long toIndex) {
        encode(src, 0, count, dst, toIndex);
    }

    default void encode(float[] src, int count, MemorySegment dst, long toIndex) {
        encode(src, 0, count, dst, toIndex);
    }
}
