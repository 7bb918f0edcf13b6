package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.forward.LoraAdapter;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.TensorValues;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Role weights as NDArrays of the compute type, logical [out, in], fused tensors sliced, LoRA merged.
 * Stored F16/F32/F64 tensors enter DJL as zero-copy views of the mapped file, then convert;
 * other float dtypes are decoded. Arrays belong to the given manager (one per layer, so memory
 * stays at one layer's weights).
 */
final class DjlWeights {
    private final ModelSource source;
    private final NDManager manager;
    private final DataType type;
    private final Map<String, NDArray> logical = new HashMap<>();

    DjlWeights(ModelSource source, NDManager manager, DataType type) {
        this.source = source;
        this.manager = manager;
        this.type = type;
    }

    NDArray matrix(String role, int layer, int expert) {
        return optional(role, layer, expert).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, null,
            "the forward pass needs role '" + role + "'" + (layer >= 0 ? " in layer " + layer : "") + ", which spec "
                + source.binding().spec().name() + " does not bind"));
    }

    Optional<NDArray> optional(String role, int layer, int expert) {
        if (!source.binding().spec().roles().contains(role)) return Optional.empty();
        return source.binding().role(role, layer).map(b -> slice(b, expert));
    }

    private NDArray slice(BoundRole role, int expert) {
        NDArray whole = whole(role.tensor(), expert);
        if (!role.isSlice()) return whole;
        long[] rows = new long[(int) role.logicalRows()];
        for (int i = 0; i < rows.length; i++) rows[i] = role.rows().physical(i);
        return whole.get(new NDIndex("{}", manager.create(rows)));
    }

    /** The stored tensor of one expert in logical orientation, LoRA merged; cached per name. */
    private NDArray whole(BoundTensor bt, int expert) {
        if (bt.perHead()) return perHead(bt);
        String name = bt.name(expert);
        String key = bt.batched() ? name + "#" + expert : name;
        NDArray hit = logical.get(key);
        if (hit != null) return hit;
        NDArray stored = load(source.weights().tensor(name));
        if (bt.batched()) stored = stored.get(expert);
        NDArray w = bt.inOut() ? stored.transpose() : stored;
        if (bt.matrixRank() == 2 && !bt.batched()) w = merge(w, name);
        logical.put(key, w);
        return w;
    }

    /** A vector stored as one tensor per head, concatenated head 0 first; cached under its template. */
    private NDArray perHead(BoundTensor bt) {
        NDArray hit = logical.get(bt.template());
        if (hit != null) return hit;
        NDList pieces = new NDList();
        for (int h = 0; h < bt.heads(); h++) pieces.add(load(source.weights().tensor(bt.name(h))));
        NDArray v = NDArrays.concat(pieces, 0);
        logical.put(bt.template(), v);
        return v;
    }

    private NDArray merge(NDArray w, String name) {
        if (source.adapter().isEmpty()) return w;
        LoraAdapter adapter = source.adapter().get();
        Optional<LoraAdapter.Factors> f = adapter.factors(name);
        if (f.isEmpty()) return w;
        NDArray a = load(adapter.tensors().tensor(f.get().a()));
        NDArray b = load(adapter.tensors().tensor(f.get().b()));
        if (a.getShape().get(1) != w.getShape().get(1) || b.getShape().get(0) != w.getShape().get(0)) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, f.get().a(), "LoRA factors do not fit " + name + " " + w.getShape());
        }
        return w.add(b.matMul(a).mul(f.get().scaling()));
    }

    /** A stored tensor as an array of the compute type. */
    NDArray load(Tensor t) {
        Shape shape = new Shape(t.shape());
        DataType storedType = switch (t.dtype()) {
            case F64 -> DataType.FLOAT64;
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            // BF16 is decoded in Java: DJL 0.36's PyTorch JNI aborts the JVM creating a bfloat16 array from a buffer
            default -> null;
        };
        if (storedType == null || t.data().byteSize() > Integer.MAX_VALUE || t.elementCount() == 0) return decoded(t, shape);
        NDArray view = manager.create(t.data().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, storedType);
        return view.toType(type, false);
    }

    /** Decodes in Java (FP8, or tensors past one ByteBuffer): rows at a time for big tensors. */
    private NDArray decoded(Tensor t, Shape shape) {
        long n = t.elementCount();
        long rowLength = shape.dimension() == 0 ? 1 : n / Math.max(shape.get(0), 1);
        long rowsPerChunk = Math.max(1, (1L << 26) / Math.max(rowLength, 1));
        if (n <= rowsPerChunk * rowLength || shape.dimension() == 0) {
            return manager.create(TensorValues.read(t, 0, Math.toIntExact(n)), shape).toType(type, false);
        }
        NDArray out = null;
        for (long row = 0; row < shape.get(0); row += rowsPerChunk) {
            long rows = Math.min(rowsPerChunk, shape.get(0) - row);
            long[] chunkShape = shape.getShape();
            chunkShape[0] = rows;
            NDArray chunk = manager.create(TensorValues.read(t, row * rowLength, Math.toIntExact(rows * rowLength)), new Shape(chunkShape))
                .toType(type, false);
            out = out == null ? chunk : out.concat(chunk, 0);
        }
        return out;
    }
}
