package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.ElementAccess;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API scaling of bf16 and f16 runs, byte for byte what the codecs give: each element is
 * {@code (r · w) · c} in double, then rounded once to the 16-bit format the way
 * {@code BFloat16.encode(double)} / {@code Float16.encode(double)} do it: double to float with
 * round-to-odd (nearest float; if inexact, step toward zero when nearest went away from zero, then
 * set the last bit), then float to the 16-bit format to nearest even, which is exact rounding of the
 * double because float keeps at least 2 more bits. Every step is a lane operation on
 * {@link DoubleVector#length()} elements at a time; lanes that come out NaN are recomputed with the
 * scalar codec, so NaN payloads match too.
 */
final class HalfScaleKernel {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = DS.length();
    /** False where the shape is too narrow for a short vector of {@link #LANES} lanes (under 64 bits). */
    static final boolean SUPPORTED = LANES >= 4;
    private static final VectorSpecies<Float> FS = species(float.class, 32);
    private static final VectorSpecies<Integer> IS = species(int.class, 32);
    private static final VectorSpecies<Short> SS = species(short.class, 16);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Float bits of 2^-14, the smallest normal f16, and of 0.5f (whose ulp is f16's subnormal step). */
    private static final int F16_MIN_NORMAL_BITS = 0x3880_0000;
    private static final int HALF_BITS = 0x3F00_0000;
    /** Exponent bias difference float − f16, in place. */
    private static final int F16_REBIAS = (127 - 15) << 23;
    private static final int F16_INFINITY = 0x7C00;

    private HalfScaleKernel() {}

    private static <E> VectorSpecies<E> species(Class<E> type, int bits) {
        return SUPPORTED ? VectorSpecies.of(type, VectorShape.forBitSize(LANES * bits)) : null;
    }

    /** ElementAccess handled by the vector body of a run of {@code n}; the rest is the caller's tail. */
    static int bodyLength(int n) { return SUPPORTED ? DS.loopBound(n) : 0; }

    /**
     * Scales the body of a run of {@code n} bf16 or f16 elements: {@code dst_j = round((r · w_j) · c_j)}.
     *
     * @param colFactors array holding c_j at {@code colOffset + j}, or null
     */
    static void scale(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int n, Dtype dtype,
                      double rowFactor, double[] colFactors, int colOffset) {
        boolean f16 = dtype == Dtype.F16;
        int body = bodyLength(n);
        for (int j = 0; j < body; j += LANES) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(SS, src, srcByte + 2L * j, LE)
                .convertShape(VectorOperators.S2I, IS, 0);
            FloatVector w = f16 ? decodeF16(bits) : bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            DoubleVector d = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0)).mul(rowFactor);
            if (colFactors != null) d = d.mul(DoubleVector.fromArray(DS, colFactors, colOffset + j));
            IntVector odd = roundToOddFloatBits(d);
            IntVector half = f16 ? encodeF16(odd) : encodeBF16(odd);
            ((ShortVector) half.convertShape(VectorOperators.I2S, SS, 0)).intoMemorySegment(dst, dstByte + 2L * j, LE);
            VectorMask<Double> nan = d.test(VectorOperators.IS_NAN);
            if (nan.anyTrue()) {
                redoLanes(nan.toLong(), src, srcByte / 2 + j, dst, dstByte / 2 + j, dtype, rowFactor, colFactors, colOffset + j);
            }
        }
    }

    /** Float bits of {@code d} rounded to odd (not meaningful for NaN lanes). */
    private static IntVector roundToOddFloatBits(DoubleVector d) {
        FloatVector nearest = (FloatVector) d.convertShape(VectorOperators.D2F, FS, 0);
        DoubleVector back = (DoubleVector) nearest.convertShape(VectorOperators.F2D, DS, 0);
        VectorMask<Integer> inexact = back.compare(VectorOperators.NE, d).cast(IS);
        VectorMask<Integer> awayFromZero = back.abs().compare(VectorOperators.GT, d.abs()).cast(IS);
        return nearest.reinterpretAsInts()
            .lanewise(VectorOperators.SUB, 1, awayFromZero)
            .lanewise(VectorOperators.OR, 1, inexact);
    }

    /** bf16 to nearest even from float bits: {@code BFloat16.encode(float)} lane-wise. */
    private static IntVector encodeBF16(IntVector floatBits) {
        IntVector lsb = floatBits.lanewise(VectorOperators.LSHR, 16).and(1);
        return floatBits.add(0x7FFF).add(lsb).lanewise(VectorOperators.LSHR, 16);
    }

    /**
     * f16 to nearest even from float bits ({@code Float.floatToFloat16}) for non-NaN lanes: normal
     * results round the 13 dropped mantissa bits and rebias (a carry moves into the exponent, up to
     * Inf; larger results clamp to Inf); below 2^-14, adding 0.5f rounds the magnitude to a multiple
     * of 2^-24, the subnormal step, whose count is the f16 pattern.
     */
    private static IntVector encodeF16(IntVector floatBits) {
        IntVector sign = floatBits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector magnitude = floatBits.and(0x7FFF_FFFF);
        IntVector lsb = magnitude.lanewise(VectorOperators.LSHR, 13).and(1);
        IntVector normal = magnitude.sub(F16_REBIAS).add(0xFFF).add(lsb)
            .lanewise(VectorOperators.LSHR, 13).min(F16_INFINITY);
        IntVector subnormal = magnitude.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(HALF_BITS);
        return normal.blend(subnormal, magnitude.compare(VectorOperators.LT, F16_MIN_NORMAL_BITS)).or(sign);
    }

    /**
     * The exact float of each f16 pattern (sign-extended in the lanes): the 15 magnitude bits moved to
     * float's exponent/mantissa position are a float 2^112 too small (subnormals included), Inf and
     * NaN get the all-ones exponent.
     */
    private static FloatVector decodeF16(IntVector bits) {
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = bits.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = shifted.or(0x7F80_0000);
        return finite.blend(special, magnitude.compare(VectorOperators.GE, F16_INFINITY)).or(sign).reinterpretAsFloats();
    }

    private static void redoLanes(long lanes, MemorySegment src, long srcIndex, MemorySegment dst, long dstIndex,
                                  Dtype dtype, double rowFactor, double[] colFactors, int colIndex) {
        for (; lanes != 0; lanes &= lanes - 1) {
            int lane = Long.numberOfTrailingZeros(lanes);
            double c = colFactors == null ? 1.0 : colFactors[colIndex + lane];
            double w = ElementAccess.get(src, dtype, srcIndex + lane);
            ElementAccess.set(dst, dtype, dstIndex + lane, ScalarBackend.scaled(w, rowFactor, c, false));
        }
    }
}
