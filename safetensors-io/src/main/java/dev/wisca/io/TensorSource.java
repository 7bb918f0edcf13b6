package dev.wisca.io;

import java.lang.foreign.MemorySegment;
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

    /**
     * Copies bytes {@code [offset, offset + dst.byteSize())} of tensor {@code name}'s data into
     * {@code dst}. File-backed sources read with positional reads, so a file truncated underneath
     * is a {@link ErrorKind#FILE_CHANGED}, not a fault; this default copies from {@link #tensor}.
     */
    default void read(String name, long offset, MemorySegment dst) {
        dst.copyFrom(tensor(name).data().asSlice(offset, dst.byteSize()));
    }

    /** {@code __metadata__} of the (first) file. */
    Map<String, String> metadata();

    @Override
    void close();
}
