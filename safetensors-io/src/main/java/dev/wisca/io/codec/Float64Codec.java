package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import dev.wisca.io.Elements;
import java.lang.foreign.MemorySegment;

/** F64: stored as is. */
final class Float64Codec implements ElementCodec {
    static final Float64Codec INSTANCE = new Float64Codec();

    private Float64Codec() {}

    @Override public Dtype dtype() { return Dtype.F64; }

    @Override public boolean canEncode() { return true; }

    @Override
    public double get(MemorySegment segment, long index) {
        return segment.getAtIndex(Elements.F64, index);
    }

    @Override
    public void set(MemorySegment segment, long index, double value) {
        segment.setAtIndex(Elements.F64, index, value);
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = (float) src.getAtIndex(Elements.F64, fromIndex + i);
        }
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, Elements.F64, fromIndex * Double.BYTES, dst, dstOffset, count);
    }

    @Override
    public void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        MemorySegment.copy(src, srcOffset, dst, Elements.F64, toIndex * Double.BYTES, count);
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.F64, toIndex + i, src[srcOffset + i]);
        }
    }
}
