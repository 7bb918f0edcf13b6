package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test checkpoint in memory: values encoded once (round to nearest even) into the given dtype. */
final class MemorySource implements TensorSource {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    MemorySource(Map<String, long[]> shapes, Map<String, double[]> values, Dtype dtype) {
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            double[] v = values.get(e.getKey());
            MemorySegment data = Arena.ofAuto().allocate((long) v.length * dtype.byteSize());
            Codecs.of(dtype).encode(v, v.length, data, 0);
            TensorInfo info = new TensorInfo(e.getKey(), dtype, e.getValue(), offset, offset + data.byteSize());
            offset += data.byteSize();
            tensors.put(e.getKey(), new Tensor(info, data, null));
        }
    }

    /** The decoded values of every tensor. */
    Map<String, double[]> values() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            double[] v = new double[Math.toIntExact(t.elementCount())];
            Codecs.of(t.dtype()).decode(t.data(), 0, v, v.length);
            out.put(t.name(), v);
        }
        return out;
    }

    @Override
    public List<TensorInfo> tensors() {
        List<TensorInfo> out = new ArrayList<>();
        for (Tensor t : tensors.values()) out.add(t.info());
        return out;
    }

    @Override
    public Optional<Tensor> find(String name) { return Optional.ofNullable(tensors.get(name)); }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "not in test source");
        return t;
    }

    @Override
    public Map<String, String> metadata() { return Map.of(); }

    @Override
    public void close() {}
}
