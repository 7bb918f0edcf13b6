package dev.wisca.io.codec;

import dev.wisca.io.Dtype;

/** F16 elements, two bytes little-endian (the loops are {@link TwoByteCodec}'s). */
final class Float16Codec extends TwoByteCodec {
    static final Float16Codec INSTANCE = new Float16Codec();

    private Float16Codec() {}

    @Override public Dtype dtype() { return Dtype.F16; }

    @Override float toFloat(int bits) { return Float16.toFloat(bits); }

    @Override int encodeFloat(float value) { return Float16.encode(value); }

    @Override int encodeDouble(double value) { return Float16.encode(value); }
}
