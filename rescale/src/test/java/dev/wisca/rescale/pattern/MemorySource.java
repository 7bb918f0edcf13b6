package dev.wisca.rescale.pattern;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tensors held in memory, encoded by hand (F32 as float bits, BF16 as the upper half of the float
 * bits after round-to-nearest-even, I32 as ints): independent of the codecs under test.
 */
final class MemorySource implements TensorSource {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** The value a BF16 tensor stores for {@code v}. */
    static double bf16(double v) {
        int bits = Float.floatToRawIntBits((float) v);
        if (Float.isNaN((float) v)) return v;
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }

    /** The value an F32 tensor stores for {@code v}. */
    static double f32(double v) { return (float) v; }

    MemorySource add(String name, Dtype dtype, long[] shape, double[] values) {
        int width = switch (dtype) {
            case F32, I32 -> 4;
            case BF16 -> 2;
            default -> throw new IllegalArgumentException("test source does not encode " + dtype);
        };
        MemorySegment seg = Arena.ofAuto().allocate((long) values.length * width);
        for (int i = 0; i < values.length; i++) {
            long at = (long) i * width;
            switch (dtype) {
                case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) values[i]);
                case I32 -> seg.set(ValueLayout.JAVA_INT_UNALIGNED, at, (int) values[i]);
                default -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) (Float.floatToRawIntBits((float) bf16(values[i])) >>> 16));
            }
        }
        long begin = tensors.values().stream().mapToLong(t -> t.info().end()).max().orElse(0);
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, begin + seg.byteSize());
        tensors.put(name, new Tensor(info, seg, null));
        return this;
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
        return find(name).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "not in memory source"));
    }

    @Override
    public Map<String, String> metadata() { return Map.of(); }

    @Override
    public void close() {}
}
