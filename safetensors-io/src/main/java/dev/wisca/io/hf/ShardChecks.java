package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Checks that an index and its shards agree, tensor by tensor. */
final class ShardChecks {
    private ShardChecks() {}

    /**
     * Tensor name → shard, after checking that every listed tensor is in its shard and that the
     * shards hold nothing the index does not list (such a tensor would be silently lost on rewrite).
     */
    static Map<String, SafetensorsFile> byTensor(ShardIndex index, Map<String, SafetensorsFile> shardsByFileName, Path indexFile) {
        Map<String, SafetensorsFile> byTensor = new HashMap<>();
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            SafetensorsFile shard = shardsByFileName.get(e.getValue());
            if (!shard.holds(e.getKey())) {
                throw new WiscaException(ErrorKind.INVALID_INDEX, indexFile, e.getKey(),
                    "the index puts it in " + e.getValue() + ", which does not hold it");
            }
            byTensor.put(e.getKey(), shard);
        }
        for (Map.Entry<String, SafetensorsFile> e : shardsByFileName.entrySet()) {
            for (TensorInfo t : e.getValue().tensors()) {
                String listed = index.weightMap().get(t.name());
                if (listed == null) {
                    throw new WiscaException(ErrorKind.INVALID_INDEX, indexFile, t.name(),
                        "shard " + e.getKey() + " holds it but the weight_map does not list it");
                }
                if (!listed.equals(e.getKey())) {
                    throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, indexFile, t.name(),
                        "it is in both " + e.getKey() + " and " + listed);
                }
            }
        }
        return byTensor;
    }
}
