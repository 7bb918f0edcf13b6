package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import dev.wisca.io.Elements;
import java.lang.foreign.MemorySegment;

/** F32: the JDK's double-to-float cast is IEEE round-to-nearest-even, overflow to ±Inf. */
final class Float32Codec implements ElementCodec {
    static final Float32Codec INSTANCE = new Float32Codec();

    private Float32Codec() {}

    @Override public Dtype dtype() { return Dtype.F32; }

    @Override public boolean canEncode() { return true; }

    @Override
    public double get(MemorySegment segment, long index) {
        return segment.getAtIndex(Elements.F32, index);
    }

    @Override
    public void set(MemorySegment segment, long index, double value) {
        segment.setAtIndex(Elements.F32, index, (float) value);
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count) {
        MemorySegment.copy(src, Elements.F32, fromIndex * Float.BYTES, dst, dstOffset, count);
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = src.getAtIndex(Elements.F32, fromIndex + i);
        }
    }

    @Override
    public void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        for (int i = 0; i < count; i++) {
            dst.setAtIndex(Elements.F32, toIndex + i, (float) src[srcOffset + i]);
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        MemorySegment.copy(src, srcOffset, dst, Elements.F32, toIndex * Float.BYTES, count);
    }
}
