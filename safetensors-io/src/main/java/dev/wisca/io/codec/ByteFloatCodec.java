package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntToDoubleFunction;

/** One-byte float dtypes (the FP8 family): decoded through a 256-entry table, encoded by their format. */
final class ByteFloatCodec implements ElementCodec {
    private final Dtype dtype;
    private final float[] valueOfPattern = new float[256];
    private final FloatFormat encoder;

    /** {@code encoder} null makes the dtype decode-only. */
    ByteFloatCodec(Dtype dtype, IntToDoubleFunction decoder, FloatFormat encoder) {
        this.dtype = dtype;
        this.encoder = encoder;
        for (int bits = 0; bits < 256; bits++) {
            valueOfPattern[bits] = (float) decoder.applyAsDouble(bits);
        }
    }

    @Override public Dtype dtype() { return dtype; }

    @Override public boolean canEncode() { return encoder != null; }

    @Override
    public double get(MemorySegment segment, long index) {
        return valueOfPattern[segment.get(ValueLayout.JAVA_BYTE, index) & 0xFF];
    }

    @Override
    public void set(MemorySegment segment, long index, double value) {
        segment.set(ValueLayout.JAVA_BYTE, index, (byte) encoder().encode(value));
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, float[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = valueOfPattern[src.get(ValueLayout.JAVA_BYTE, fromIndex + i) & 0xFF];
        }
    }

    @Override
    public void decode(MemorySegment src, long fromIndex, double[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = valueOfPattern[src.get(ValueLayout.JAVA_BYTE, fromIndex + i) & 0xFF];
        }
    }

    @Override
    public void encode(double[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        FloatFormat format = encoder();
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, toIndex + i, (byte) format.encode(src[srcOffset + i]));
        }
    }

    @Override
    public void encode(float[] src, int srcOffset, int count, MemorySegment dst, long toIndex) {
        FloatFormat format = encoder();
        for (int i = 0; i < count; i++) {
            dst.set(ValueLayout.JAVA_BYTE, toIndex + i, (byte) format.encode(src[srcOffset + i]));
        }
    }

    private FloatFormat encoder() {
        if (encoder == null) {
            throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, null, null,
                    "writing " + dtype + " is not supported (decode only)");
        }
        return encoder;
    }
}
