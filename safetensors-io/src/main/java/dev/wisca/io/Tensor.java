package dev.wisca.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * One tensor of an open file: its header entry and a zero-copy, read-only slice of the mapped
 * file holding exactly its bytes (little-endian, row-major). Valid while its file is open.
 */
public record Tensor(TensorInfo info, MemorySegment data, Path file) {
    public String name() { return info.name(); }

    public Dtype dtype() { return info.dtype(); }

    public long[] shape() { return info.shape(); }

    public long elementCount() { return info.elementCount(); }
}
