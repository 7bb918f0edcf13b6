package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Writes a Hugging Face checkpoint folder: shards planned by {@link ShardPlanner}, each written
 * through its own {@link SafetensorsWriter} (temp file + rename), then the index, last and atomically,
 * then the removal of shard files of an earlier save that the new index no longer names. A crash
 * leaves whole files only; the index is never ahead of its shards.
 */
public final class CheckpointWriter {
    /** Supplies each tensor's bytes: call {@code writer.write(spec.name(), ...)} exactly once. */
    @FunctionalInterface
    public interface TensorFeed {
        void write(TensorSpec spec, SafetensorsWriter writer);
    }

    private final Path folder;
    private final String baseName;
    private final List<ShardPlanner.PlannedShard> shards;
    private final Map<String, String> metadata;

    private CheckpointWriter(Path folder, String baseName, List<ShardPlanner.PlannedShard> shards, Map<String, String> metadata) {
        this.folder = folder;
        this.baseName = baseName;
        this.shards = shards;
        this.metadata = Map.copyOf(metadata);
    }

    /**
     * Plans a checkpoint in {@code folder} named after {@code baseName} ({@code model}; {@code adapter_model}
     * for a PEFT adapter). {@code specs} are in tensor order, which decides the packing; every shard
     * gets {@code metadata} as its {@code __metadata__}.
     */
    public static CheckpointWriter plan(Path folder, String baseName, List<TensorSpec> specs, long maxShardBytes, Map<String, String> metadata) {
        if (baseName.isEmpty() || baseName.contains("/") || baseName.contains("\\")) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, folder, "invalid checkpoint base name '" + baseName + "'");
        }
        return new CheckpointWriter(folder.toAbsolutePath().normalize(), baseName, ShardPlanner.plan(specs, maxShardBytes, baseName), metadata);
    }

    public Path folder() { return folder; }

    public List<ShardPlanner.PlannedShard> shards() { return shards; }

    /** The index this checkpoint gets; empty when it fits one shard (plain {@code model.safetensors}). */
    public Optional<ShardIndex> index() {
        if (shards.size() == 1) return Optional.empty();
        Map<String, String> weightMap = new HashMap<>();
        long bytes = 0;
        long parameters = 0;
        for (ShardPlanner.PlannedShard shard : shards) {
            for (TensorSpec spec : shard.tensors()) {
                weightMap.put(spec.name(), shard.fileName());
                parameters += spec.elementCount();
            }
            bytes += shard.tensorBytes();
        }
        return Optional.of(new ShardIndex(weightMap, OptionalLong.of(bytes), OptionalLong.of(parameters)));
    }

    /** Copies {@code files} into the folder unchanged (each atomically); a file already there is skipped. */
    public void copySideFiles(List<Path> files) {
        createFolder();
        for (Path source : files) {
            Path target = folder.resolve(source.getFileName().toString());
            if (isSameFile(source, target)) continue;
            AtomicFiles.copy(source, target);
        }
    }

    /** Writes every shard, then the index, then removes stale shards of the same base name. */
    public void write(TensorFeed feed) {
        createFolder();
        for (ShardPlanner.PlannedShard shard : shards) {
            try (SafetensorsWriter writer = SafetensorsWriter.create(folder.resolve(shard.fileName()), shard.tensors(), metadata)) {
                // A feed that skips or repeats a tensor trips the writer's order check or its commit.
                for (TensorSpec spec : writer.fileOrder()) feed.write(spec, writer);
                writer.commit();
            }
        }
        index().ifPresent(i -> i.write(folder.resolve(ShardNames.index(baseName))));
        removeStale();
    }

    private void removeStale() {
        Set<String> keep = new HashSet<>();
        for (ShardPlanner.PlannedShard shard : shards) keep.add(shard.fileName());
        if (shards.size() > 1) keep.add(ShardNames.index(baseName));
        boolean removed = false;
        try (var entries = Files.list(folder)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                boolean ours = name.equals(ShardNames.single(baseName)) || name.equals(ShardNames.index(baseName))
                    || ShardNames.isNumberedShard(baseName, name);
                if (ours && !keep.contains(name)) {
                    Files.deleteIfExists(p);
                    removed = true;
                }
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot remove shards of an earlier save: " + e, e);
        }
        if (removed) DirectorySync.sync(folder);
    }

    private void createFolder() {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot create the output folder: " + e, e);
        }
    }

    private static boolean isSameFile(Path a, Path b) {
        try {
            return Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
