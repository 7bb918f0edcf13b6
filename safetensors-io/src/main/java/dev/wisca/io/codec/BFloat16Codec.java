package dev.wisca.io.codec;

import dev.wisca.io.Dtype;

/** BF16 elements, two bytes little-endian (the loops are {@link TwoByteCodec}'s). */
final class BFloat16Codec extends TwoByteCodec {
    static final BFloat16Codec INSTANCE = new BFloat16Codec();

    private BFloat16Codec() {}

    @Override public Dtype dtype() { return Dtype.BF16; }

    @Override float toFloat(int bits) { return BFloat16.toFloat(bits); }

    @Override int encodeFloat(float value) { return BFloat16.encode(value); }

    @Override int encodeDouble(double value) { return BFloat16.encode(value); }
}
