package dev.wisca.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.io.inplace.Recovery;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A Hugging Face checkpoint presented as one tensor collection: a single {@code .safetensors} file,
 * a folder with {@code model.safetensors}, a sharded folder with {@code model.safetensors.index.json},
 * or a PEFT adapter folder ({@code adapter_model.safetensors}). Each shard is mapped once; tensors
 * stay valid until {@link #close()}.
 */
public final class Checkpoint implements TensorSource {
    /** Weight base names tried in a folder, in order: transformers' model, then PEFT's adapter. */
    private static final List<String> BASE_NAMES = List.of("model", "adapter_model");

    private final Path folder;
    private final Optional<Path> file;
    private final String baseName;
    private final Optional<ShardIndex> index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> shardByTensor;
    private final List<TensorInfo> tensors;
    private Optional<JsonNode> config;

    private Checkpoint(Path folder, Optional<Path> file, String baseName, Optional<ShardIndex> index,
                       List<SafetensorsFile> shards, Map<String, SafetensorsFile> shardByTensor) {
        this.folder = folder;
        this.file = file;
        this.baseName = baseName;
        this.index = index;
        this.shards = List.copyOf(shards);
        this.shardByTensor = shardByTensor;
        List<TensorInfo> all = new ArrayList<>();
        for (SafetensorsFile shard : shards) all.addAll(shard.tensors());
        this.tensors = List.copyOf(all);
    }

    /** Opens a {@code .safetensors} file, a checkpoint folder (see the class comment) or its index file. */
    public static Checkpoint open(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        String fileName = absolute.getFileName() == null ? "" : absolute.getFileName().toString();
        recover(absolute, fileName);
        if (Files.isRegularFile(absolute) && fileName.endsWith(ShardNames.INDEX_SUFFIX)) {
            return sharded(absolute.getParent(), fileName.substring(0, fileName.length() - ShardNames.INDEX_SUFFIX.length()), absolute);
        }
        if (Files.isRegularFile(absolute)) {
            SafetensorsFile only = SafetensorsFile.open(absolute);
            return single(absolute.getParent(), Optional.of(absolute), stem(absolute), only);
        }
        if (!Files.isDirectory(absolute)) {
            throw WiscaException.of(ErrorKind.IO, absolute, "no such file or folder");
        }
        for (String base : BASE_NAMES) {
            Path single = absolute.resolve(ShardNames.single(base));
            if (Files.isRegularFile(single)) return single(absolute, Optional.empty(), base, SafetensorsFile.open(single));
            Path indexFile = absolute.resolve(ShardNames.index(base));
            if (Files.isRegularFile(indexFile)) return sharded(absolute, base, indexFile);
        }
        throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, absolute,
            "no model.safetensors, model.safetensors.index.json or adapter_model.safetensors here; pass a checkpoint folder or a .safetensors file");
    }

    /** An in-place rewrite killed on this checkpoint is rolled back or forward before anything is read. */
    private static void recover(Path absolute, String fileName) {
        if (Files.isDirectory(absolute)) {
            Recovery.recoverIfNeeded(absolute, BASE_NAMES);
        } else if (absolute.getParent() != null && Files.isRegularFile(absolute)) {
            String base = fileName.endsWith(ShardNames.INDEX_SUFFIX)
                ? fileName.substring(0, fileName.length() - ShardNames.INDEX_SUFFIX.length()) : stem(absolute);
            Recovery.recoverIfNeeded(absolute.getParent(), List.of(base));
        }
    }

    private static Checkpoint single(Path folder, Optional<Path> file, String base, SafetensorsFile only) {
        Map<String, SafetensorsFile> byTensor = new HashMap<>();
        for (TensorInfo t : only.tensors()) byTensor.put(t.name(), only);
        return new Checkpoint(folder, file, base, Optional.empty(), List.of(only), byTensor);
    }

    private static Checkpoint sharded(Path folder, String base, Path indexFile) {
        ShardIndex index = ShardIndex.read(indexFile);
        if (index.weightMap().isEmpty()) throw WiscaException.of(ErrorKind.INVALID_INDEX, indexFile, "the weight_map lists no tensors");
        // Plain loops, not streams or lambdas: 5,000 tensors run through here interpreted on a cold JVM.
        List<String> shardNames = new ArrayList<>(new HashSet<>(index.weightMap().values()));
        Collections.sort(shardNames);
        // One stat per shard, not per tensor (5,000 tensors name 100 shards); the first tensor whose shard is missing is named.
        Set<String> missing = new HashSet<>();
        for (String name : shardNames) if (!Files.isRegularFile(folder.resolve(name))) missing.add(name);
        if (!missing.isEmpty()) {
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                if (missing.contains(e.getValue())) {
                    throw new WiscaException(ErrorKind.INVALID_INDEX, indexFile, e.getKey(), "its shard " + e.getValue() + " does not exist");
                }
            }
        }
        List<SafetensorsFile> opened = openAll(folder, shardNames);
        try {
            Map<String, SafetensorsFile> byName = new HashMap<>();
            for (SafetensorsFile shard : opened) byName.put(shard.path().getFileName().toString(), shard);
            return new Checkpoint(folder, Optional.empty(), base, Optional.of(index), opened, ShardChecks.byTensor(index, byName, indexFile));
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /**
     * Opens (reads and validates the headers of) the shards {@code names}, in parallel: header parsing is
     * most of a 100-shard open. Fails as a loop in name order would: with the first failing shard's error,
     * after closing every shard that opened.
     */
    private static List<SafetensorsFile> openAll(Path folder, List<String> names) {
        SafetensorsFile[] opened = new SafetensorsFile[names.size()];
        RuntimeException[] failed = new RuntimeException[names.size()];
        IntStream.range(0, names.size()).parallel().forEach(i -> {
            try {
                opened[i] = SafetensorsFile.open(folder.resolve(names.get(i)));
            } catch (RuntimeException e) {
                failed[i] = e;
            }
        });
        for (RuntimeException e : failed) {
            if (e == null) continue;
            for (SafetensorsFile f : opened) if (f != null) f.close();
            throw e;
        }
        return List.of(opened);
    }

    /**
     * Runs {@code work}, which may read this checkpoint through its mapping. A shard truncated underneath
     * a mapped read makes the JVM throw an {@link InternalError} ("a fault occurred in an unsafe memory
     * access"); that becomes {@link ErrorKind#FILE_CHANGED} naming the shard that changed. Any other
     * error, or one with every shard unchanged, passes through as it is.
     */
    public static <T> T guarded(List<Checkpoint> checkpoints, Supplier<T> work) {
        try {
            return work.get();
        } catch (InternalError e) {
            for (Checkpoint c : checkpoints) for (SafetensorsFile f : c.shards) f.checkUnchanged();
            throw e;
        }
    }

    /** The checkpoint folder (for a single file: the folder holding it). */
    public Path folder() { return folder; }

    /** The file when a single {@code .safetensors} file was opened rather than a folder. */
    public Optional<Path> file() { return file; }

    /** {@code model}, {@code adapter_model}, or the opened file's name without {@code .safetensors}. */
    public String baseName() { return baseName; }

    public boolean isAdapter() { return file.isEmpty() && baseName.equals("adapter_model"); }

    /** The index of a sharded folder. */
    public Optional<ShardIndex> index() { return index; }

    /** Shard files in name order. */
    public List<Path> shards() { return shards.stream().map(SafetensorsFile::path).toList(); }

    /** The open shard files in name order (headers and data); owned and closed by this checkpoint. */
    public List<SafetensorsFile> shardFiles() { return List.copyOf(shards); }

    /** The shard holding {@code name}; throws {@link ErrorKind#TENSOR_NOT_FOUND} if none does. */
    public Path shardOf(String name) {
        return shardFile(name).path();
    }

    /**
     * What writing commands must never write over, into or around: the folder of a folder checkpoint;
     * for a single file, the file and the config.json beside it that describes it.
     */
    public List<Path> inputs() {
        if (file.isEmpty()) return List.of(folder);
        Path config = folder.resolve("config.json");
        return Files.exists(config) ? List.of(file.get(), config) : List.of(file.get());
    }

    /** Files copied unchanged when this checkpoint is rewritten; none for a single file. */
    public List<Path> sideFiles() { return file.isPresent() ? List.of() : SideFiles.list(folder); }

    /** {@code config.json} of the folder (beside the file for a single file), parsed. */
    public synchronized Optional<JsonNode> configJson() {
        if (config == null) config = readConfig(folder.resolve("config.json"));
        return config;
    }

    /** Every tensor, shard by shard, each shard in file order. */
    @Override
    public List<TensorInfo> tensors() { return tensors; }

    @Override
    public Optional<Tensor> find(String name) {
        SafetensorsFile shard = shardByTensor.get(name);
        return shard == null ? Optional.empty() : shard.find(name);
    }

    @Override
    public Tensor tensor(String name) {
        return shardFile(name).tensor(name);
    }

    @Override
    public void read(String name, long offset, MemorySegment dst) {
        shardFile(name).read(name, offset, dst);
    }

    /** {@code __metadata__} of the first shard. */
    @Override
    public Map<String, String> metadata() { return shards.getFirst().metadata(); }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }

    private SafetensorsFile shardFile(String name) {
        SafetensorsFile shard = shardByTensor.get(name);
        if (shard == null) {
            throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, file.orElse(folder), name,
                "no such tensor in this checkpoint (it holds " + tensors.size() + ")");
        }
        return shard;
    }

    private static Optional<JsonNode> readConfig(Path configFile) {
        if (!Files.isRegularFile(configFile)) return Optional.empty();
        try {
            JsonNode node = new ObjectMapper().readTree(configFile.toFile());
            if (node == null || !node.isObject()) throw WiscaException.of(ErrorKind.INVALID_CONFIG, configFile, "expected a JSON object");
            return Optional.of(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw WiscaException.of(ErrorKind.INVALID_CONFIG, configFile, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, configFile, null, "cannot read: " + e, e);
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(ShardNames.SUFFIX) ? name.substring(0, name.length() - ShardNames.SUFFIX.length()) : name;
    }
}
