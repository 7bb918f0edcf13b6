package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import dev.wisca.io.Elements;
import java.lang.foreign.MemorySegment;

/** BF16 elements, two bytes little-endian. */
final class BFloat16Codec implements ElementCodec {
    static final BFloat16Codec INSTANCE = new BFloat16Codec();

    private BFloat16Codec() {}

    @Override public Dtype dtype() { return Dtype.BF16; }

    @Override public boolean canEncode() { return true; }

    @Override
    public double get(MemorySegment segment, long index) {
        return BFloat16.toFloat(segment.getAtIndex(Elements.I16, index));
    }

    @Override
    public void set(MemorySegment segment, long index, double value) {
        segment.setAtIndex(Elements.I16, index, (short) BFloat16.encode(value));
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = BFloat16.toFloat(src.getAtIndex(Elements.I16, fromIndex + i));
        }
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = BFloat16.toFloat(src.getAtIndex(Elements.I16, fromIndex + i));
        }
    }

    @Override
    public void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.I16, toIndex + i, (short) BFloat16.encode(src[srcOffset + i]));
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.I16, toIndex + i, (short) BFloat16.encode(src[srcOffset + i]));
        }
    }
}
