package dev.wisca.rescale.synth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.rescale.spec.ArchSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small in-memory checkpoint: config.json and tensors with their values (row-major, f64).
 *
 * @param spec    the spec it was generated from
 * @param example the spec example (config) used
 * @param config  config.json
 * @param tensors tensors in spec resolution order
 */
public record TinyModel(ArchSpec spec, String example, JsonNode config, List<TinyTensor> tensors) {
    public TinyModel {
        tensors = List.copyOf(tensors);
    }

    /** One tensor: the writer's spec (dtype F32) and its values. */
    public record TinyTensor(TensorSpec spec, double[] values) {
        public String name() { return spec.name(); }

        public long[] shape() { return spec.shape(); }
    }

    public Map<String, TinyTensor> byName() {
        Map<String, TinyTensor> m = new LinkedHashMap<>();
        for (TinyTensor t : tensors) m.put(t.name(), t);
        return m;
    }

    /** Header entries as a safetensors file of these tensors (F32, contiguous) would list them. */
    public List<TensorInfo> infos() { return infos(tensors); }

    public static List<TensorInfo> infos(List<TinyTensor> tensors) {
        List<TensorInfo> out = new ArrayList<>();
        long offset = 0;
        for (TinyTensor t : tensors) {
            long bytes = t.spec().byteLength();
            out.add(new TensorInfo(t.name(), Dtype.F32, t.shape(), offset, offset + bytes));
            offset += bytes;
        }
        return out;
    }

    @Override
    public String toString() { return spec.name() + "/" + example; }
}
