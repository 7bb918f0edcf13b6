package dev.wisca.sdk;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Wisca#reshard} wrote.
 *
 * @param output           the file or folder written
 * @param weightFiles      its safetensors files, in order
 * @param copiedFiles      side files copied unchanged (config.json, tokenizer, ...)
 * @param convertedTensors tensors whose dtype was converted
 */
public record ReshardResult(Path output, List<Path> weightFiles, List<Path> copiedFiles, int convertedTensors) {
    public ReshardResult {
        weightFiles = List.copyOf(weightFiles);
        copiedFiles = List.copyOf(copiedFiles);
    }
}
