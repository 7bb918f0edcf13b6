package dev.wisca.rescale.backend;

import dev.wisca.io.Dtype;
import java.lang.foreign.MemorySegment;

/**
 * A tensor's bytes seen as {@code batches} stacked row-major matrices of {@code rows × cols}
 * elements: 1-D tensors are {@code [n, 1]}, 2-D {@code [r, c]}, 3-D {@code [E, a, b]} is E
 * matrices {@code a × b}. A <em>global row</em> {@code g = batch·rows + i} indexes the row factors,
 * and the column factors of that row's matrix start at {@code batch·cols}.
 *
 * @param data    the tensor's bytes, little-endian
 * @param dtype   stored element type
 * @param batches number of stacked matrices (1 unless 3-D)
 * @param rows    rows per matrix
 * @param cols    columns per matrix
 */
public record MatrixView(MemorySegment data, Dtype dtype, long batches, long rows, long cols) {
    public MatrixView {
        if (batches < 1 || rows < 0 || cols < 0) throw new IllegalArgumentException("bad matrix shape");
    }

    /** Views a tensor of rank 1, 2 or 3. */
    public static MatrixView of(MemorySegment data, Dtype dtype, long[] shape) {
        return switch (shape.length) {
            case 1 -> new MatrixView(data, dtype, 1, shape[0], 1);
            case 2 -> new MatrixView(data, dtype, 1, shape[0], shape[1]);
            case 3 -> new MatrixView(data, dtype, shape[0], shape[1], shape[2]);
            default -> throw new IllegalArgumentException("rank " + shape.length + " cannot be scaled");
        };
    }

    public long elementCount() { return batches * rows * cols; }

    public long globalRows() { return batches * rows; }

    /** The single matrix {@code batch} (the whole view for batch -1 or a 1-/2-D tensor). */
    public MatrixView batch(long batch) {
        if (batch < 0) return this;
        long bytes = rows * cols * dtype.byteSize();
        return new MatrixView(data.asSlice(batch * bytes, bytes), dtype, 1, rows, cols);
    }
}
