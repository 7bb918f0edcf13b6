package dev.wisca.sdk;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link Wisca#inspect} finds in a checkpoint: its files, tensors and totals.
 *
 * @param path          what was opened (file or folder)
 * @param modelType     config.json's {@code model_type}, or empty when there is no config
 * @param adapter       a PEFT adapter folder
 * @param files         the weight files (shards) in order
 * @param tensors       every tensor, shard by shard in file order
 * @param metadata      {@code __metadata__} of the first file
 * @param sideFiles     non-weight files of the folder (config.json, tokenizer files, ...)
 * @param totalBytes    sum of tensor bytes (the index's {@code total_size})
 * @param totalElements sum of element counts (the index's {@code total_parameters})
 * @param bytesByDtype  tensor bytes per dtype name
 */
public record CheckpointSummary(Path path, String modelType, boolean adapter, List<FileSummary> files,
                                List<TensorSummary> tensors, Map<String, String> metadata, List<String> sideFiles,
                                long totalBytes, long totalElements, Map<String, Long> bytesByDtype) {

    /** One weight file. */
    public record FileSummary(String name, long fileBytes, long headerBytes, int tensorCount) {}

    /** One tensor: name, dtype, shape, bytes, and the file that holds it. */
    public record TensorSummary(String name, String dtype, long[] shape, long bytes, String file) {}
}
