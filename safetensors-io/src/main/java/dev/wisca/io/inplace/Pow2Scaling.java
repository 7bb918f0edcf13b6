package dev.wisca.io.inplace;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A power-of-two scaling of one 16-bit float tensor (bf16 or f16), as the exponent of each row's and
 * each column's factor: element {@code (r, c)} is multiplied by {@code 2^(rowExponents[r] + colExponents[c])}.
 * The tensor is seen as stacked matrices, as the plan's factors see it: element {@code i} is in global
 * row {@code r = i / colsPerRow} and global column {@code (r / rowsPerBatch) * colsPerRow + i % colsPerRow}.
 *
 * <p>Such a scaling is exact, and exactly undone by the negated exponents, for every element that is
 * ±0 or a normal number staying normal: the product is representable, so the correctly rounded result
 * a scaling engine computes is the exponent field plus {@code e}, bit for bit. {@link #scale} checks
 * exactly that and reports any other element (subnormal, Inf/NaN, a result that would underflow or
 * overflow), so a journal can rely on the inverse plan alone for tensors where it returned true.
 *
 * @param mantissaBits 7 (bf16) or 10 (f16)
 */
public record Pow2Scaling(int mantissaBits, long rowsPerBatch, long colsPerRow, int[] rowExponents, int[] colExponents) {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Pow2Scaling {
        if (mantissaBits != 7 && mantissaBits != 10) throw new IllegalArgumentException("not a 16-bit float layout: " + mantissaBits);
        if (rowsPerBatch < 1 || colsPerRow < 1 || rowExponents.length % rowsPerBatch != 0
            || (long) rowExponents.length / rowsPerBatch * colsPerRow != colExponents.length) {
            throw new IllegalArgumentException("exponent counts " + rowExponents.length + "/" + colExponents.length
                + " do not fit " + rowsPerBatch + " rows x " + colsPerRow + " columns per batch");
        }
    }

    /** Bytes per element (both layouts are 16-bit). */
    public static final int ELEMENT_BYTES = 2;

    /** Elements of the tensor. */
    public long elements() { return rowExponents.length * colsPerRow; }

    /**
     * Writes the elements of {@code src} (the first being element {@code first} of the tensor) scaled
     * into {@code dst} (the same size; may be {@code src}), or unscaled when {@code inverse}. Returns
     * whether every element was scaled exactly (see the class comment); where not, {@code dst} holds
     * unusable values for those elements and the caller must not rely on them.
     */
    public boolean scale(MemorySegment src, long first, MemorySegment dst, boolean inverse) {
        int count = Math.toIntExact(src.byteSize() / ELEMENT_BYTES);
        short[] values = count <= SCRATCH_ELEMENTS ? SCRATCH.get() : new short[count];
        MemorySegment.copy(src, U16, 0, values, 0, count);
        int sign = inverse ? -1 : 1;
        int width = Math.toIntExact(colsPerRow);
        short[] lowest = new short[width];
        short[] highest = new short[width];
        short[] add = new short[width];
        long tablesFor = -1;                 // (batch, row shift) the tables hold, packed
        int bad = 0;                         // negative once an element is not exact
        for (int at = 0; at < count; ) {
            long i = first + at;
            long row = i / colsPerRow;
            int col = (int) (i % colsPerRow);
            int run = Math.min(width - col, count - at);
            long batch = row / rowsPerBatch;
            int rowShift = sign * rowExponents[(int) row];
            long key = batch << 32 | (rowShift & 0xFFFFFFFFL);
            if (key != tablesFor) {
                tables(sign, rowShift, (int) (batch * colsPerRow), lowest, highest, add);
                tablesFor = key;
            }
            // Constant layouts per call site, so the compiler vectorizes each loop (a variable shift count it does not).
            bad |= mantissaBits == 7 ? shift(values, at, run, col, lowest, highest, add, 7, 0xFF)
                : shift(values, at, run, col, lowest, highest, add, 10, 0x1F);
            at += run;
        }
        MemorySegment.copy(values, 0, dst, U16, 0, count);
        return bad >= 0;
    }

    /**
     * Per column of a row: the exponent field range that scales exactly by that column's shift {@code e}
     * (normal before and after: {@code [max(1, 1 - e), min(emax - 1, emax - 1 - e)]}) and what adding
     * {@code e} adds to the bits.
     */
    private void tables(int sign, int rowShift, int colBase, short[] lowest, short[] highest, short[] add) {
        int emax = (1 << (15 - mantissaBits)) - 1;     // all exponent bits set: Inf/NaN
        for (int c = 0; c < add.length; c++) {
            int e = rowShift + sign * colExponents[colBase + c];
            lowest[c] = (short) Math.max(1, 1 - e);
            highest[c] = (short) Math.min(emax - 1, emax - 1 - e);     // below lowest when no exponent fits
            add[c] = (short) (e << mantissaBits);
        }
    }

    /** Shifts {@code values[from, from + run)}, columns from {@code col}; negative if an element is not exact. */
    private static int shift(short[] values, int from, int run, int col, short[] lowest, short[] highest, short[] add,
                             int m, int emax) {
        int k = 0;
        VectorMask<Short> inexact = LANES.maskAll(false);
        for (int bound = LANES.loopBound(run); k < bound; k += LANES.length()) {
            ShortVector bits = ShortVector.fromArray(LANES, values, from + k);
            ShortVector exp = bits.lanewise(VectorOperators.ASHR, m).and((short) emax);
            VectorMask<Short> nonZero = bits.and((short) 0x7FFF).compare(VectorOperators.NE, (short) 0);
            inexact = inexact.or(exp.compare(VectorOperators.LT, ShortVector.fromArray(LANES, lowest, col + k))
                .or(exp.compare(VectorOperators.GT, ShortVector.fromArray(LANES, highest, col + k))).and(nonZero));
            bits.add(ShortVector.fromArray(LANES, add, col + k), nonZero).intoArray(values, from + k);
        }
        int bad = inexact.anyTrue() ? -1 : 0;
        for (; k < run; k++) {     // no branches but selects: the loop compiles to straight-line code
            short bits = values[from + k];
            int exp = (bits >> m) & emax;
            boolean nonZero = (bits & 0x7FFF) != 0;                 // ±0 scales to itself
            bad |= ((exp - lowest[col + k]) | (highest[col + k] - exp)) & (nonZero ? -1 : 0);
            values[from + k] = (short) (bits + (nonZero ? add[col + k] : 0));
        }
        return bad;
    }

    private static final VectorSpecies<Short> LANES = ShortVector.SPECIES_PREFERRED;
    private static final int SCRATCH_ELEMENTS = 1 << 19;
    private static final ThreadLocal<short[]> SCRATCH = ThreadLocal.withInitial(() -> new short[SCRATCH_ELEMENTS]);

    /** The exponent of {@code factor} when it is a positive normal power of two, else {@code Integer.MIN_VALUE}. */
    public static int exponentOf(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor) || factor < Double.MIN_NORMAL) return Integer.MIN_VALUE;
        int e = Math.getExponent(factor);
        return Math.scalb(1.0, e) == factor ? e : Integer.MIN_VALUE;
    }
}
