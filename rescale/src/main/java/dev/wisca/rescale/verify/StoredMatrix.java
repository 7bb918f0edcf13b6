package dev.wisca.rescale.verify;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.IndexMap;
import dev.wisca.io.WiscaException;

import java.util.Arrays;

/**
 * A role's logical matrix (rows = outputs, cols = inputs) or vector in one checkpoint, read in
 * place from the mapped tensor: fused slices through the role's row map, Conv1D [in, out] storage
 * transposed, one expert of a batched 3-D tensor. Values are decoded to double on access.
 */
final class StoredMatrix {
    private final Tensor tensor;
    private final ElementCodec codec;
    private final IndexMap rowMap;
    private final long rows;
    private final long cols;
    private final boolean inOut;
    private final long base;
    private final long storedCols;

    private StoredMatrix(Tensor tensor, IndexMap rowMap, long rows, long cols, boolean inOut, long base, long storedCols) {
        this.tensor = tensor;
        this.codec = Codecs.of(tensor.dtype());
        this.rowMap = rowMap;
        this.rows = rows;
        this.cols = cols;
        this.inOut = inOut;
        this.base = base;
        this.storedCols = storedCols;
    }

    /**
     * The role's matrix (or vector) for {@code expert} (ignored unless the role is per expert or batched); for a
     * per-head vector, the stored tensor of head {@code expert} (head 0 for −1).
     */
    static StoredMatrix of(TensorSource source, BoundRole role, int expert) {
        BoundTensor t = role.tensor();
        Tensor tensor = source.tensor(t.name(Math.max(expert, 0)));
        if (t.perHead()) return vector(source, tensor.name(), -1, t.pieceRows());
        long[] shape = t.shape();
        long storedCols = t.matrixRank() == 2 ? shape[shape.length - 1] : 1;
        return new StoredMatrix(tensor, role.rows(), role.logicalRows(), t.logicalCols(), t.inOut(), t.expertOffset(expert), storedCols);
    }

    /** A plain 2-D [out, in] tensor by name (LoRA factors). */
    static StoredMatrix plain(TensorSource source, String name) {
        Tensor tensor = source.tensor(name);
        long[] shape = tensor.shape();
        if (shape.length != 2) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, tensor.file(), name, "expected a 2-D tensor, got shape " + Arrays.toString(shape));
        }
        return new StoredMatrix(tensor, IndexMap.whole(shape[0]), shape[0], shape[1], false, 0, shape[1]);
    }

    /** A whole 1-D tensor, or row {@code batch} of a 2-D one when {@code batch >= 0}. */
    static StoredMatrix vector(TensorSource source, String name, int batch, long length) {
        Tensor tensor = source.tensor(name);
        long base = batch >= 0 ? batch * length : 0;
        return new StoredMatrix(tensor, IndexMap.whole(length), length, 1, false, base, 1);
    }

    String tensorName() { return tensor.name(); }

    long rows() { return rows; }

    long cols() { return cols; }

    /** Element (i, j) of the logical matrix; for a vector, j = 0. */
    double get(long i, long j) {
        long p = rowMap.physical(i);
        long index = inOut ? j * storedCols + p : p * storedCols + j;
        return codec.get(tensor.data(), base + index);
    }

    double get(long i) { return get(i, 0); }

    /** Logical row i into {@code out[0 .. cols)}. */
    void row(long i, double[] out) {
        if (inOut) {
            for (long j = 0; j < cols; j++) out[(int) j] = get(i, j);
        } else {
            codec.decode(tensor.data(), base + rowMap.physical(i) * storedCols, out, 0, (int) cols);
        }
    }

    /** Every element, row-major [rows · cols] (a vector's values; Cohere's per-head QK-norm gains [heads, head_dim]). */
    double[] elements() {
        double[] v = new double[Math.toIntExact(rows * cols)];
        double[] row = new double[Math.toIntExact(cols)];
        for (long i = 0; i < rows; i++) {
            row(i, row);
            System.arraycopy(row, 0, v, Math.toIntExact(i * cols), row.length);
        }
        return v;
    }

    /** The whole vector (or matrix column 0). */
    double[] values() {
        double[] v = new double[Math.toIntExact(rows)];
        for (int i = 0; i < v.length; i++) v[i] = get(i);
        return v;
    }
}
