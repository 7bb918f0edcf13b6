package dev.wisca.io;

import java.lang.foreign.MemorySegment;

/**
 * Produces one tensor's bytes piece by piece for {@link SafetensorsWriter#write(String, ChunkFiller)}.
 * The writer calls it with consecutive chunks, so memory stays bounded whatever the tensor size.
 */
@FunctionalInterface
public interface ChunkFiller {
    /**
     * Fills all of {@code chunk} (writable, at most {@link SafetensorsWriter#CHUNK_BYTES} bytes) with
     * the tensor bytes starting at {@code byteOffset} within the tensor. Its contents on entry are
     * unspecified. An exception aborts the write; nothing reaches the target file.
     */
    void fill(MemorySegment chunk, long byteOffset);
}
