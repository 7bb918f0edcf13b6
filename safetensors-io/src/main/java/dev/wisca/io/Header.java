package dev.wisca.io;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Collections;
import java.util.LinkedHashMap;

/**
 * A validated safetensors header.
 *
 * @param headerLength N, the JSON byte count; the data buffer starts at {@code 8 + N}
 * @param metadata     {@code __metadata__} entries in file order (empty when absent or null)
 * @param tensors      entries sorted by data offset
 */
public record Header(long headerLength, Map<String, String> metadata, List<TensorInfo> tensors) {
    public Header {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    public long dataStart() { return 8 + headerLength; }

    /** Bytes of tensor data (the last tensor's end offset). */
    public long dataLength() { return tensors.isEmpty() ? 0 : tensors.getLast().end(); }

    public Optional<TensorInfo> tensor(String name) {
        for (TensorInfo t : tensors) if (t.name().equals(name)) return Optional.of(t);
        return Optional.empty();
    }
}
