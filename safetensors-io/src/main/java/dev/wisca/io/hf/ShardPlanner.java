package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits tensors into shards as transformers does: greedily, in the given tensor order, counting
 * tensor bytes only (headers excluded), starting a new shard when the next tensor would push the
 * current one past the limit; a tensor larger than the limit fills a shard of its own.
 */
public final class ShardPlanner {
    private ShardPlanner() {}

    /** One output file and the tensors it holds, in the caller's tensor order. */
    public record PlannedShard(String fileName, List<TensorSpec> tensors, long tensorBytes) {
        public PlannedShard {
            tensors = List.copyOf(tensors);
        }
    }

    /**
     * Plans the shards of {@code specs}. With one shard the file is {@code <baseName>.safetensors},
     * otherwise {@code <baseName>-00001-of-0000N.safetensors}. No tensors still gives one (empty) shard.
     */
    public static List<PlannedShard> plan(List<TensorSpec> specs, long maxShardBytes, String baseName) {
        if (maxShardBytes <= 0) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "max shard size must be positive, got " + maxShardBytes);
        }
        List<List<TensorSpec>> groups = new ArrayList<>();
        List<TensorSpec> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorSpec spec : specs) {
            long bytes = spec.byteLength();
            if (!current.isEmpty() && bytes > maxShardBytes - currentBytes) {
                groups.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(spec);
            currentBytes += bytes;
        }
        groups.add(current);

        List<PlannedShard> shards = new ArrayList<>(groups.size());
        for (int i = 0; i < groups.size(); i++) {
            List<TensorSpec> group = groups.get(i);
            long bytes = group.stream().mapToLong(TensorSpec::byteLength).sum();
            shards.add(new PlannedShard(ShardNames.shard(baseName, i + 1, groups.size()), group, bytes));
        }
        return List.copyOf(shards);
    }
}
