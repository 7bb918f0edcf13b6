package dev.wisca.io.inplace;

import dev.wisca.io.codec.ExponentShift;
import dev.wisca.io.codec.PackedShift;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A power-of-two scaling of one 16-bit float tensor (bf16 or f16), as the exponent of each row's and
 * each column's factor: element {@code (r, c)} is multiplied by {@code 2^(rowExponents[r] + colExponents[c])}.
 * The tensor is seen as stacked matrices, as the plan's factors see it: element {@code i} is in global
 * row {@code r = i / colsPerRow} and global column {@code (r / rowsPerBatch) * colsPerRow + i % colsPerRow}.
 *
 * <p>Such a scaling is exact, and exactly undone by the negated exponents, for every element that
 * {@link ExponentShift} shifts exactly (±0 or a normal number staying normal); {@link #scale} reports
 * any other element, so a journal can rely on the inverse plan alone for tensors where it returned true.
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
        if (columnsShareTheirExponent()) return scaleByRows(src, first, dst, inverse ? -1 : 1, count);
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
            bad |= field().shift(values, at, run, lowest, highest, add, col);
            at += run;
        }
        MemorySegment.copy(values, 0, dst, U16, 0, count);
        return bad >= 0;
    }

    /** Whether each batch's columns all have one exponent: then every row is one shift (the paper defaults). */
    private boolean columnsShareTheirExponent() {
        int width = Math.toIntExact(colsPerRow);
        for (int base = 0; base < colExponents.length; base += width) {
            for (int c = base + 1; c < base + width; c++) if (colExponents[c] != colExponents[base]) return false;
        }
        return true;
    }

    /** {@link #scale} where each row has one exponent: four elements at a time ({@link PackedShift}), no copies. */
    private boolean scaleByRows(MemorySegment src, long first, MemorySegment dst, int sign, int count) {
        if (dst.byteSize() < src.byteSize()) throw new IndexOutOfBoundsException("dst holds fewer bytes than src");
        ExponentShift field = field();
        long bad = 0;
        for (int at = 0; at < count; ) {
            long i = first + at;
            long row = i / colsPerRow;
            int run = (int) Math.min(colsPerRow - i % colsPerRow, count - at);
            int k = sign * (rowExponents[(int) row] + colExponents[(int) (row / rowsPerBatch * colsPerRow)]);
            bad |= PackedShift.shift(src, dst, (long) at * ELEMENT_BYTES, run, field, k);
            at += run;
        }
        return bad == 0;
    }

    /**
     * Per column of a row: the {@link ExponentShift} tables for that column's shift {@code e}.
     */
    private void tables(int sign, int rowShift, int colBase, short[] lowest, short[] highest, short[] add) {
        ExponentShift field = field();
        for (int c = 0; c < add.length; c++) {
            int e = rowShift + sign * colExponents[colBase + c];
            lowest[c] = (short) field.lowest(e);
            highest[c] = (short) field.highest(e);
            add[c] = (short) field.add(e);
        }
    }

    private ExponentShift field() { return mantissaBits == 7 ? ExponentShift.BF16 : ExponentShift.F16; }

    private static final int SCRATCH_ELEMENTS = 1 << 19;
    private static final ThreadLocal<short[]> SCRATCH = ThreadLocal.withInitial(() -> new short[SCRATCH_ELEMENTS]);
}
