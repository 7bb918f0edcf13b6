package dev.wisca.sdk;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Reshard;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The wisca SDK: every operation on a checkpoint starts here.
 *
 * <pre>{@code
 * CheckpointSummary s = Wisca.inspect(Path.of("Llama-3.2-1B"));
 * System.out.println(s.tensors().size() + " tensors, " + s.totalBytes() + " bytes");
 * Wisca.reshard(Path.of("Llama-3.2-1B"), Path.of("out"), 2_000_000_000L, Optional.of(Dtype.BF16));
 * }</pre>
 *
 * Every method throws {@link dev.wisca.io.WiscaException} (with a kind, the file and the tensor)
 * for bad input, and nothing else.
 */
public final class Wisca {
    private Wisca() {}

    /** Reads the headers (not the data) of a file, checkpoint folder, sharded checkpoint or adapter. */
    public static CheckpointSummary inspect(Path path) {
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            List<CheckpointSummary.FileSummary> files = new ArrayList<>();
            List<CheckpointSummary.TensorSummary> tensors = new ArrayList<>();
            Map<String, Long> byDtype = new TreeMap<>();
            long bytes = 0;
            long elements = 0;
            for (Path shard : ckpt.shards()) {
                try (SafetensorsFile f = SafetensorsFile.open(shard)) {
                    files.add(new CheckpointSummary.FileSummary(shard.getFileName().toString(), f.fileSize(),
                        f.header().headerLength(), f.tensors().size()));
                    for (TensorInfo t : f.tensors()) {
                        tensors.add(new CheckpointSummary.TensorSummary(t.name(), t.dtype().headerName(), t.shape(),
                            t.byteLength(), shard.getFileName().toString()));
                        byDtype.merge(t.dtype().headerName(), t.byteLength(), Long::sum);
                        bytes += t.byteLength();
                        elements += t.elementCount();
                    }
                }
            }
            String modelType = ckpt.configJson().map(c -> c.path("model_type").asText("")).orElse("");
            List<String> side = ckpt.sideFiles().stream().map(p -> p.getFileName().toString()).toList();
            return new CheckpointSummary(path, modelType, ckpt.isAdapter(), files, tensors,
                new LinkedHashMap<>(ckpt.metadata()), side, bytes, elements, byDtype);
        }
    }

    /**
     * Rewrites a checkpoint through the streaming writer: new shard size and, optionally, a new
     * float dtype (rounded to nearest even). A file gives a file, a folder a folder (side files copied).
     */
    public static Reshard.Result reshard(Path in, Path out, long maxShardBytes, Optional<Dtype> dtype) {
        return Reshard.run(in, out, maxShardBytes, dtype);
    }
}
