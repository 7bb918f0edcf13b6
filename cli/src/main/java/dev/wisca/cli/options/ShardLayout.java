package dev.wisca.cli.options;

import dev.wisca.io.Dtype;
import dev.wisca.io.hf.ByteSize;
import picocli.CommandLine.Option;

import java.util.Optional;

/** How a written checkpoint is laid out: {@code --max-shard-size} and the float {@code --dtype} (reshard, bench). */
public final class ShardLayout {
    @Option(names = "--max-shard-size", paramLabel = "SIZE", defaultValue = "5GB", description = "Largest shard of the checkpoint"
        + " written, e.g. 5GB, 500MB, 2GiB (default: ${DEFAULT-VALUE}). One shard is written as model.safetensors without an index.")
    String maxShardSize;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "Float dtype of the tensors written: f32, f16, bf16, f64,"
        + " f8_e4m3 or f8_e5m2 (reshard converts every float tensor, default: each keeps its own; bench generates bf16, f16 or"
        + " f32, default bf16).")
    String dtype;

    /** {@code --max-shard-size} in bytes. */
    public long maxShardBytes() { return ByteSize.parse(maxShardSize); }

    /** {@code --dtype}, if given. */
    public Optional<Dtype> dtype() { return Optional.ofNullable(dtype).map(Dtype::parseUser); }
}
