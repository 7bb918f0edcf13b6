package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Role weights as plain double arrays in logical orientation ([out, in] for matrices, whatever the
 * storage layout), fused tensors sliced, LoRA merged. Caches everything: tiny models only.
 */
final class ReferenceWeights {
    /** A row-major matrix. */
    record Mat(int rows, int cols, double[] v) {
        double get(int r, int c) { return v[r * cols + c]; }
    }

    private final ModelSource source;
    private final Map<String, Mat> cache = new HashMap<>();

    ReferenceWeights(ModelSource source) { this.source = source; }

    /** A matrix role of a layer (−1 or any layer for globals) and expert (ignored for dense roles). */
    Mat matrix(String role, int layer, int expert) {
        return optionalMatrix(role, layer, expert).orElseThrow(() -> missing(role, layer));
    }

    Optional<Mat> optionalMatrix(String role, int layer, int expert) {
        if (!source.binding().spec().roles().contains(role)) return Optional.empty();
        Optional<BoundRole> bound = source.binding().role(role, layer);
        if (bound.isEmpty()) return Optional.empty();
        String key = role + "@" + layer + "#" + expert;
        Mat hit = cache.get(key);
        if (hit == null) {
            hit = load(bound.get(), expert);
            cache.put(key, hit);
        }
        return Optional.of(hit);
    }

    /** A 1-D role (norm gain, bias) as its values. */
    double[] vector(String role, int layer) { return matrix(role, layer, 0).v(); }

    Optional<double[]> optionalVector(String role, int layer) { return optionalMatrix(role, layer, 0).map(Mat::v); }

    private Mat load(BoundRole role, int expert) {
        BoundTensor bt = role.tensor();
        if (bt.perHead()) return new Mat((int) bt.logicalRows(), 1, perHead(bt));
        String name = bt.name(expert);
        Tensor t = source.weights().tensor(name);
        int rows = (int) bt.logicalRows();
        int cols = (int) bt.logicalCols();
        double[] stored = TensorValues.read(t, bt.expertOffset(expert), Math.toIntExact(bt.matrixElements()));
        double[] logical = bt.inOut() ? transpose(stored, cols, rows) : stored;
        if (bt.matrixRank() == 2 && !bt.batched()) merge(logical, rows, cols, name);
        int outRows = (int) role.logicalRows();
        double[] out = new double[outRows * cols];
        for (int i = 0; i < outRows; i++) {
            System.arraycopy(logical, (int) role.rows().physical(i) * cols, out, i * cols, cols);
        }
        return new Mat(outRows, cols, out);
    }

    /** A vector stored as one tensor per head, concatenated head 0 first. */
    private double[] perHead(BoundTensor bt) {
        int n = Math.toIntExact(bt.pieceRows());
        double[] out = new double[bt.heads() * n];
        for (int h = 0; h < bt.heads(); h++) System.arraycopy(TensorValues.read(source.weights().tensor(bt.name(h)), 0, n), 0, out, h * n, n);
        return out;
    }

    /** W += scaling · B A when the adapter modifies this weight. */
    private void merge(double[] w, int rows, int cols, String name) {
        if (source.adapter().isEmpty()) return;
        LoraAdapter adapter = source.adapter().get();
        Optional<LoraAdapter.Factors> f = adapter.factors(name);
        if (f.isEmpty()) return;
        LoraAdapter.Factors factors = f.get();
        Tensor at = adapter.tensors().tensor(factors.a());
        Tensor btn = adapter.tensors().tensor(factors.b());
        int r = factors.rank();
        if (at.shape()[1] != cols || btn.shape()[0] != rows) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, at.file(), factors.a(), "LoRA factors do not fit " + name
                + " (" + rows + "×" + cols + ")");
        }
        double[] a = TensorValues.readAll(at);
        double[] b = TensorValues.readAll(btn);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) s += b[i * r + k] * a[k * cols + j];
                w[i * cols + j] += factors.scaling() * s;
            }
        }
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
        return t;
    }

    private WiscaException missing(String role, int layer) {
        return new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, null, "the forward pass needs role '" + role + "'"
            + (layer >= 0 ? " in layer " + layer : "") + ", which spec " + source.binding().spec().name() + " does not bind");
    }
}
