package dev.wisca.rescale.apply;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.WriteAhead;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.Supplier;

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
     * The buffer planned tensors are read into, a part of a chunk at a time: one of the writer's blocks
     * (4 MiB, {@code BlockOutput}), so that each block of a scaled tensor is one read and one parallel
     * scaling. It was 1 MiB (four of each per block) when fresh memory was what cost most on the
     * development VM (an 8 MiB buffer once took 0.47 s to fault in under load); measured again with
     * today's write path, 2 GB rescale, 6 alternating rounds: the writer's loop 0.72 against 0.80 s,
     * the process 1.94 against 2.07 s (medians).
     */
    static final long READ_BYTES = 4L << 20;

    private Apply() {}

    /** Writes {@code in} rescaled by {@code plan} to {@code out} (a file for a file, a folder for a folder). */
    public static void run(Checkpoint in, Plan plan, Path out, RescaleSettings settings) {
        plan.checkMatches(in);
        stream(in, plan.factors(), out, AppliedStamp.of(plan), settings);
    }

    /**
     * Plans with {@code planner} and writes {@code in} rescaled by that plan to {@code out}: the same file bytes
     * as {@link #run(Checkpoint, Plan, Path, RescaleSettings)} after the plan, but while {@code planner} reads
     * statistics, a thread already writes the blocks of every shard that hold only tensors outside
     * {@code siteTensors} (the tensors any factor can be for), laid out with {@code provisionalStamp} in place
     * of the plan's stamp ({@link WriteAhead}). Nothing is published before the plan exists; a planner that
     * throws leaves no file behind.
     */
    public static Plan planAndRun(Checkpoint in, Set<String> siteTensors, String provisionalStamp, Supplier<Plan> planner, Path out,
                                  RescaleSettings settings) {
        List<Path> targets = targets(in, out);
        List<WriteAhead> aheads = new ArrayList<>();
        ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "wisca-write-ahead");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int s = 0; s < targets.size(); s++) {
                SafetensorsFile shard = in.shardFiles().get(s);
                aheads.add(WriteAhead.open(targets.get(s), specs(shard), metadata(shard, provisionalStamp), HeaderStamp.RESERVE_BYTES,
                    shard, siteTensors::contains));
            }
            // The last shard first: the writers go on from the first, each shard front to back, towards the head start.
            Future<?> written = thread.submit(() -> aheads.reversed().forEach(WriteAhead::run));
            try {
                Plan plan = planner.get();
                plan.checkMatches(in);
                write(in, plan.factors(), targets, AppliedStamp.of(plan), settings, aheads);
                return plan;
            } finally {
                aheads.forEach(WriteAhead::finish);
                join(written);
            }
        } finally {
            thread.shutdown();
            aheads.forEach(WriteAhead::close);
        }
    }

    /** Writes {@code in} to {@code out} with {@code factors} applied; the core of apply, undo and moments. */
    public static void stream(Checkpoint in, Map<String, TensorFactors> factors, Path out, String summary, RescaleSettings settings) {
        write(in, factors, targets(in, out), summary, settings, List.of());
    }

    /**
     * The file each shard of {@code in} is written to: {@code out} itself (or {@code out/<name>} when it is a
     * folder) for a single file, else {@code out/<shard name>} in the folder {@code out}, created here.
     */
    private static List<Path> targets(Checkpoint in, Path out) {
        if (in.file().isPresent()) {
            return List.of(Files.isDirectory(out) ? out.resolve(in.file().get().getFileName()) : out);
        }
        Path folder = out.toAbsolutePath().normalize();
        Outputs.checkApart(folder, in.inputs());  // by identity, also for callers that bypass the SDK's gate
        createFolder(folder);
        return in.shardFiles().stream().map(shard -> folder.resolve(shard.path().getFileName())).toList();
    }

    /** Writes every shard to its target (going on with its head start, if {@code aheads} has one), then a folder's index and side files. */
    private static void write(Checkpoint in, Map<String, TensorFactors> factors, List<Path> targets, String summary,
                              RescaleSettings settings, List<WriteAhead> aheads) {
        Progress progress = settings.progress();
        Backend backend = settings.backend();
        progress.start("write", in.tensors().stream().mapToLong(TensorInfo::byteLength).sum(), in.tensors().size());
        try (ForkJoinPool pool = new ForkJoinPool(settings.parallelism()); Arena arena = Arena.ofShared()) {
            MemorySegment input = arena.allocate(READ_BYTES, 64);
            for (int s = 0; s < targets.size(); s++) {
                writeShard(in.shardFiles().get(s), targets.get(s), factors, summary, backend, progress, pool, input,
                    aheads.isEmpty() ? null : aheads.get(s));
            }
            if (in.file().isPresent()) return;
            Path folder = targets.getFirst().getParent();
            Path index = in.folder().resolve(ShardNames.index(in.baseName()));
            if (Files.isRegularFile(index)) copy(index, folder.resolve(index.getFileName()));
            for (Path side : in.sideFiles()) copy(side, folder.resolve(side.getFileName()));
        } finally {
            progress.finish();
        }
    }

    private static List<TensorSpec> specs(SafetensorsFile shard) {
        return shard.tensors().stream().map(TensorSpec::of).toList();
    }

    /** The shard's metadata, kept, with the stamp. */
    private static Map<String, String> metadata(SafetensorsFile shard, String summary) {
        Map<String, String> metadata = new LinkedHashMap<>(shard.metadata());
        metadata.put(METADATA_KEY, summary);
        return metadata;
    }

    private static void writeShard(SafetensorsFile shard, Path target, Map<String, TensorFactors> factors, String summary,
                                   Backend backend, Progress progress, ForkJoinPool pool, MemorySegment input, WriteAhead ahead) {
        // Room for an in-place rewrite to replace the stamp later without moving a tensor byte, and the
        // input's page offsets kept, so that untouched tensors are written from its pages without a copy.
        try (SafetensorsWriter writer = SafetensorsWriter.create(target, specs(shard), metadata(shard, summary), HeaderStamp.RESERVE_BYTES,
                shard, ahead)) {
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

    /** Waits for the head start's thread; it reports no failure of its own (see {@link WriteAhead}). */
    private static void join(Future<?> written) {
        try {
            written.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the write-ahead thread failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WiscaException(ErrorKind.IO, null, null, "interrupted while waiting for the write-ahead thread", e);
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
