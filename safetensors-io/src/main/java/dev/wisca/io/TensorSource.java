package dev.wisca.io;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A named collection of tensors: one safetensors file, or all shards of a checkpoint. */
public interface TensorSource extends AutoCloseable {
    /** Header entries of every tensor, in a stable order (file order; shard by shard). */
    List<TensorInfo> tensors();

    /** The tensor, or empty. */
    Optional<Tensor> find(String name);

    /** The tensor; throws {@link WiscaException} with {@link ErrorKind#TENSOR_NOT_FOUND} if absent. */
    Tensor tensor(String name);

    /** {@code __metadata__} of the (first) file. */
    Map<String, String> metadata();

    @Override
    void close();
}
