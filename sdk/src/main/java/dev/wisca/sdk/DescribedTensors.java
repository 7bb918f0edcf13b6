package dev.wisca.sdk;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The parameters a loop described: names, dtypes and shapes, but no bytes (those stay in the loop). */
record DescribedTensors(List<TensorInfo> tensors) implements TensorSource {
    DescribedTensors {
        tensors = List.copyOf(tensors);
    }

    @Override
    public Optional<Tensor> find(String name) { return Optional.empty(); }

    @Override
    public Tensor tensor(String name) {
        throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "a described parameter has no bytes on the server");
    }

    @Override
    public Map<String, String> metadata() { return Map.of(); }

    @Override
    public void close() {}
}
