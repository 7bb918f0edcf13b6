package dev.wisca.rescale.forward;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tensors held in memory, stored in one dtype, for tests. */
final class InMemorySource implements TensorSource {
    private static final Path FILE = Path.of("in-memory.safetensors");
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    InMemorySource(List<TinyTensor> values, Dtype dtype) {
        long offset = 0;
        for (TinyTensor t : values) {
            long bytes = (long) t.values().length * dtype.byteSize();
            MemorySegment seg = Arena.ofAuto().allocate(Math.max(bytes, 1), 8).asSlice(0, bytes);
            Codecs.of(dtype).encode(t.values(), t.values().length, seg, 0);
            TensorInfo info = new TensorInfo(t.name(), dtype, t.shape(), offset, offset + bytes);
            tensors.put(t.name(), new Tensor(info, seg.asReadOnly(), FILE));
            offset += bytes;
        }
    }

    /** Values as a dtype would store them (rounded). */
    static double[] stored(double[] values, Dtype dtype) {
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * dtype.byteSize(), 8);
        Codecs.of(dtype).encode(values, values.length, seg, 0);
        double[] out = new double[values.length];
        Codecs.of(dtype).decode(seg, 0, out, values.length);
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
        if (t == null) throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, FILE, name, "absent");
        return t;
    }

    @Override
    public Map<String, String> metadata() { return Map.of(); }

    @Override
    public void close() { }
}
