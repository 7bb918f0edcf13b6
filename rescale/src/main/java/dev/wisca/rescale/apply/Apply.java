package dev.wisca.rescale.apply;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.HeaderStamp;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.ShardNames;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Streams a checkpoint through the writer shard by shard, keeping the shard layout, index and side
 * files: planned tensors are read chunk by chunk into one reused buffer and scaled (parallel within
 * a chunk) into the writer's blocks, all others written by the writer from the input's pages
 * ({@link SafetensorsWriter#transfer}). Every shard's metadata is kept and gains {@code wisca.plan}.
 * The input is read with positional reads (or by the device from its pages), never through its
 * mappings in Java code, and each shard is checked unchanged before its output is committed: a
 * shard truncated or rewritten meanwhile is a FILE_CHANGED and nothing is published for it.
 */
public final class Apply {
    public static final String METADATA_KEY = AppliedStamp.KEY;
    /**
     * The buffer planned tensors are read into, a part of a chunk at a time. Small on purpose: memory
     * a process touches for the first time is what costs here (on the development VM, faulting in a
     * fresh 8 MiB buffer took 0.47 s of the main thread's time under load, sampled with JFR).
     */
    static final long READ_BYTES = 1L << 20;

    private Apply() {}

    /** Writes {@code in} rescaled by {@code plan} to {@code out} (a file for a file, a folder for a folder). */
    public static void run(Checkpoint in, Plan plan, Path out, RescaleSettings settings) {
        plan.checkMatches(in);
        stream(in, plan.factors(), out, AppliedStamp.of(plan), settings);
    }

    /** Writes {@code in} to {@code out} with {@code factors} applied; the core of apply, undo and moments. */
    public static void stream(Checkpoint in, Map<String, TensorFactors> factors, Path out, String summary, RescaleSettings settings) {
        Progress progress = settings.progress();
        Backend backend = settings.backend();
        progress.start("write", in.tensors().stream().mapToLong(TensorInfo::byteLength).sum(), in.tensors().size());
        try (ForkJoinPool pool = new ForkJoinPool(settings.parallelism()); Arena arena = Arena.ofShared()) {
            MemorySegment input = arena.allocate(READ_BYTES, 64);
            if (in.file().isPresent()) {
                Path file = Files.isDirectory(out) ? out.resolve(in.file().get().getFileName()) : out;
                writeShard(in.shardFiles().getFirst(), file, factors, summary, backend, progress, pool, input);
                return;
            }
            Path folder = out.toAbsolutePath().normalize();
            Outputs.checkApart(folder, in.inputs());  // by identity, also for callers that bypass the SDK's gate
            createFolder(folder);
            for (SafetensorsFile shard : in.shardFiles()) {
                writeShard(shard, folder.resolve(shard.path().getFileName()), factors, summary, backend, progress, pool, input);
            }
            Path index = in.folder().resolve(ShardNames.index(in.baseName()));
            if (Files.isRegularFile(index)) copy(index, folder.resolve(index.getFileName()));
            for (Path side : in.sideFiles()) copy(side, folder.resolve(side.getFileName()));
        } finally {
            progress.finish();
        }
    }

    private static void writeShard(SafetensorsFile shard, Path target, Map<String, TensorFactors> factors, String summary,
                                   Backend backend, Progress progress, ForkJoinPool pool, MemorySegment input) {
        List<TensorSpec> specs = shard.tensors().stream().map(TensorSpec::of).toList();
        Map<String, String> metadata = new LinkedHashMap<>(shard.metadata());
        metadata.put(METADATA_KEY, summary);
        // Room for an in-place rewrite to replace the stamp later without moving a tensor byte, and the
        // input's page offsets kept, so that untouched tensors are written from its pages without a copy.
        try (SafetensorsWriter writer = SafetensorsWriter.create(target, specs, metadata, HeaderStamp.RESERVE_BYTES, shard)) {
            for (TensorSpec spec : writer.fileOrder()) {
                TensorFactors f = factors.get(spec.name());
                if (f == null) {
                    writer.transfer(spec.name(), shard);
                    progress.advance(spec.byteLength(), 1);
                } else {
                    Tensor tensor = shard.tensor(spec.name());
                    TensorScaler scaler = new TensorScaler(tensor, f, backend, pool, shard, input);
                    writer.write(spec.name(), (chunk, offset) -> {
                        scaler.fill(chunk, offset, (piece, at) -> WrittenValues.requireInRange(tensor, piece, at));
                        progress.advance(chunk.byteSize(), 0);
                    });
                    progress.advance(0, 1);
                }
            }
            shard.checkUnchanged();
            writer.commit();
        }
    }

    private static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot create the output folder: " + e, e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, to, null, "cannot copy " + from + ": " + e, e);
        }
    }
}
