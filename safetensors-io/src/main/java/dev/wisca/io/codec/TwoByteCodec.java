package dev.wisca.io.codec;

import dev.wisca.io.Elements;
import java.lang.foreign.MemorySegment;

/**
 * The element loops of the two-byte float dtypes (F16, BF16), little-endian; a subclass says only how
 * one element's bits decode and how a float or a double encodes (each rounded once, from its own precision).
 */
abstract sealed class TwoByteCodec implements ElementCodec permits Float16Codec, BFloat16Codec {
    abstract float toFloat(int bits);

    abstract int encodeFloat(float value);

    abstract int encodeDouble(double value);

    @Override public final boolean canEncode() { return true; }

    @Override
    public final double get(MemorySegment segment, long index) {
        return toFloat(segment.getAtIndex(Elements.I16, index));
    }

    @Override
    public final void set(MemorySegment segment, long index, double value) {
        segment.setAtIndex(Elements.I16, index, (short) encodeDouble(value));
    }

    @Override
    public final void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = toFloat(src.getAtIndex(Elements.I16, fromIndex + i));
        }
    }

    @Override
    public final void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = toFloat(src.getAtIndex(Elements.I16, fromIndex + i));
        }
    }

    @Override
    public final void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.I16, toIndex + i, (short) encodeDouble(src[srcOffset + i]));
        }
    }

    @Override
    public final void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.I16, toIndex + i, (short) encodeFloat(src[srcOffset + i]));
        }
    }
}
