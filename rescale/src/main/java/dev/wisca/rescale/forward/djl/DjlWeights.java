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
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.rescale.forward.LoraAdapter;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.TensorValues;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Role weights as NDArrays of the compute type, logical [out, in], fused tensors sliced, LoRA merged.
 * Stored F16/F32/F64 tensors enter DJL as zero-copy views of the mapped file, then convert;
 * other float dtypes are decoded a chunk of rows at a time off the Java heap (inChunks). Arrays
 * belong to the given manager (one per layer, so memory stays at one layer's weights).
 */
final class DjlWeights {
    private final ModelSource source;
    private final NDManager manager;
    private final DataType type;
    private final Map<String, NDArray> logical = new HashMap<>();
    /** Elements per chunk of a tensor loaded in parts: 64 MiB as f32, a few rows even of a vocabulary-sized matrix. */
    private static final long CHUNK_ELEMENTS = 1L << 24;
    /** Elements decoded per step into the Java array that the off-heap chunk is filled from. */
    private static final int STAGING_ELEMENTS = 1 << 16;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /**
     * The stored tensor of a matrix role that can be loaded a range of rows at a time ({@link #rows}): stored
     * [out, in] whole in one tensor, without LoRA factors on it (the embedding and LM head of every family);
     * empty for any other binding, whose callers load it whole. Those two are the largest tensors of a model
     * and need not be held whole in the compute type. Asked once per use: a source may make the tensor anew
     * on each request (the perturbed tensors of verify's measured tolerance).
     */
    Optional<Tensor> plain(String role, int layer) {
        if (!source.binding().spec().roles().contains(role)) return Optional.empty();
        Optional<BoundRole> bound = source.binding().role(role, layer);
        if (bound.isEmpty()) return Optional.empty();
        BoundTensor bt = bound.get().tensor();
        if (bound.get().isSlice() || bt.perHead() || bt.batched() || bt.inOut() || bt.shape().length != 2) return Optional.empty();
        String name = bt.name(0);
        if (source.adapter().flatMap(a -> a.factors(name)).isPresent()) return Optional.empty();
        return Optional.of(source.weights().tensor(name));
    }

    /** Rows {@code [from, to)} of {@code t} (a tensor {@link #plain} gave), loaded alone. */
    NDArray rows(Tensor t, long from, long to) {
        long cols = t.shape()[1];
        long rowBytes = cols * t.dtype().byteSize();
        Tensor part = new Tensor(new TensorInfo(t.name(), t.dtype(), new long[] {to - from, cols}, 0, (to - from) * rowBytes),
            t.data().asSlice(from * rowBytes, (to - from) * rowBytes), t.file());
        return load(part);
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
    NDArray load(Tensor t) { return load(t, CHUNK_ELEMENTS, Integer.MAX_VALUE); }

    /**
     * As {@link #load(Tensor)}, in chunks of about {@code chunkElements} when it is not one buffer of at most
     * {@code maxBufferBytes} that DJL can read.
     */
    NDArray load(Tensor t, long chunkElements, long maxBufferBytes) {
        Shape shape = new Shape(t.shape());
        DataType storedType = switch (t.dtype()) {
            case F64 -> DataType.FLOAT64;
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            // BF16 is decoded in Java: DJL 0.36's PyTorch JNI aborts the JVM creating a bfloat16 array from a buffer
            default -> null;
        };
        if (t.elementCount() == 0 || shape.dimension() == 0) {
            return manager.create(TensorValues.read(t, 0, Math.toIntExact(t.elementCount())), shape).toType(type, false);
        }
        if (storedType != null && t.data().byteSize() <= maxBufferBytes) {
            NDArray view = manager.create(t.data().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), shape, storedType);
            return view.toType(type, false);
        }
        return inChunks(t, shape, storedType, chunkElements);
    }

    /**
     * A tensor DJL cannot take as one buffer (BF16 and the FP8 formats, or one past 2 GiB), a chunk of
     * rows at a time. Views of the file where DJL reads the dtype; else the elements
     * are decoded into an off-heap f32 buffer reused for every chunk (every such dtype's values are exact
     * in f32; F64 always takes the first way). Nothing of the tensor's size goes through the Java heap: a
     * whole bf16 matrix decoded into a double[] and handed to DJL (which copied it into a direct buffer of
     * its own) left gigabytes of garbage to the collector, and a full verify of a 2 GB bf16 llama peaked at
     * 8.4 GB of anonymous memory.
     */
    private NDArray inChunks(Tensor t, Shape shape, DataType storedType, long chunkElements) {
        long n = t.elementCount();
        long rowLength = n / shape.get(0);
        long rowsPerChunk = Math.max(1, chunkElements / Math.max(rowLength, 1));
        long chunkLength = Math.min(n, rowsPerChunk * rowLength);
        // filled a chunk at a time, each freed once copied in: the tensor's size plus one chunk, not twice its size
        NDArray whole = rowsPerChunk >= shape.get(0) ? null : manager.zeros(shape, type);
        try (Arena arena = Arena.ofConfined()) {
            ElementCodec codec = storedType == null ? TensorValues.codec(t) : null;
            MemorySegment f32 = storedType == null ? arena.allocate(chunkLength * Float.BYTES, 64) : null;
            float[] staging = storedType == null ? new float[(int) Math.min(chunkLength, STAGING_ELEMENTS)] : null;
            for (long row = 0; row < shape.get(0); row += rowsPerChunk) {
                long rows = Math.min(rowsPerChunk, shape.get(0) - row);
                long from = row * rowLength;
                long count = rows * rowLength;
                long[] chunkShape = shape.getShape().clone();   // getShape() is the Shape's own array
                chunkShape[0] = rows;
                NDArray chunk;
                if (storedType != null) {
                    long size = t.dtype().byteSize();
                    ByteBuffer bytes = t.data().asSlice(from * size, count * size).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    chunk = manager.create(bytes, new Shape(chunkShape), storedType);
                } else {
                    for (long done = 0; done < count; done += staging.length) {
                        int part = (int) Math.min(staging.length, count - done);
                        codec.decode(t.data(), from + done, staging, part);
                        MemorySegment.copy(staging, 0, f32, LE_FLOAT, done * Float.BYTES, part);
                    }
                    chunk = manager.create(f32.asSlice(0, count * Float.BYTES).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN),
                        new Shape(chunkShape), DataType.FLOAT32);
                }
                if (whole != null) {
                    NDArray converted = chunk.toType(type, false);
                    whole.set(new NDIndex(row + ":" + (row + rows)), converted);
                    if (converted != chunk) converted.close();
                    chunk.close();
                } else {
                    // the only chunk, copied out of the buffer before it is freed: toType to the view's own type returns
                    // the view (DJL 0.36 passes no copy flag to torch), so it is duplicated instead; file views may stay
                    whole = storedType != null ? chunk.toType(type, false)
                        : chunk.getDataType() == type ? chunk.duplicate() : chunk.toType(type, false);
                    if (whole != chunk) chunk.close();
                }
            }
        }
        return whole;
    }
}
