package dev.wisca.rescale.apply;

import dev.wisca.io.FileChannels;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.HeaderStamp;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.inplace.EarlyWriteback;
import dev.wisca.io.inplace.FaultPoint;
import dev.wisca.io.inplace.InPlaceLock;
import dev.wisca.io.inplace.InPlaceNames;
import dev.wisca.io.inplace.PlanStamps;
import dev.wisca.io.inplace.Recovery;
import dev.wisca.io.inplace.UndoJournal;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.TensorFactors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Applies factors to a checkpoint in place: only the bytes of the planned tensors are rewritten (and
 * each shard's header, whose {@code wisca.plan} stamp is replaced within its reserved padding, or a
 * side stamp where the header has no room). Crash-safe through an {@link UndoJournal}, under the
 * checkpoint's {@link InPlaceLock}; see the journal for the ordering argument.
 *
 * <p>What the journal holds of a tensor: where the plan scales it by exact powers of two and a
 * pre-pass finds every element stays normal ({@link ExactScalings}, {@link ShiftedTensors}), only the
 * scaling and two checksums per 4 KiB page of its original bytes, so its changed bytes reach the disk
 * once (the recovery tells original, rescaled and torn pages apart by those checksums and undoes the
 * exponent shift); any other tensor (real scales, offset gains, subnormals, f32) gets a before-image
 * copied in the kernel, and is scaled by the same {@link TensorScaler} as {@link Apply}. Either way
 * the bytes written are identical to an out-of-place apply's.
 */
public final class InPlaceApply {
    private InPlaceApply() {}

    /** What one shard's rewrite touches: the tensors scaled by the engine, those shifted exactly, the new header. */
    private record ShardWork(SafetensorsFile shard, List<TensorInfo> scaled, List<ShiftedTensors.Shifted> shifted,
                             Optional<byte[]> header) {}

    /**
     * Rewrites {@code ckpt} with {@code factors} applied and every shard stamped {@code stamp}. The
     * caller has checked the plan against {@code ckpt}; shards changed since {@code ckpt} was opened are
     * refused (FILE_CHANGED), a second concurrent run is refused (CHECKPOINT_BUSY), values out of the
     * dtype's range are VALUE_OUT_OF_RANGE with everything rolled back.
     */
    @SuppressWarnings("try")  // the lock is held for the body, never called in it
    public static void run(Checkpoint ckpt, Map<String, TensorFactors> factors, String stamp, RescaleSettings options) {
        Path folder = ckpt.folder();
        try (InPlaceLock lock = InPlaceLock.acquire(folder, ckpt.baseName());
             ForkJoinPool pool = new ForkJoinPool(options.parallelism())) {
            Set<String> inexact = new HashSet<>();
            while (true) {
                try {
                    attempt(ckpt, factors, stamp, options, pool, inexact);
                    return;
                } catch (ShiftedTensors.NotExact e) {
                    // Rolled back already; those tensors get before-images.
                    boolean any = false;
                    for (ShiftedTensors.Shifted t : e.tensors) any |= inexact.add(key(t.shard(), t.tensor()));
                    if (!any) throw e;
                }
            }
        }
    }

    /** One rewrite, journaled; the tensors named in {@code inexact} are journaled by their before-images. */
    private static void attempt(Checkpoint ckpt, Map<String, TensorFactors> factors, String stamp, RescaleSettings options,
                                ForkJoinPool pool, Set<String> inexact) {
        Path folder = ckpt.folder();
        Recovery.recoverLocked(folder, ckpt.baseName());
        // A retry follows our own roll back, which restored the bytes but not the modification times.
        if (inexact.isEmpty()) for (SafetensorsFile shard : ckpt.shardFiles()) shard.checkUnchanged();
        List<ShardWork> work = plan(ckpt, factors, stamp, pool, inexact);
        UndoJournal journal = UndoJournal.prepare(folder, ckpt.baseName(), spans(work),
            work.stream().flatMap(w -> w.shifted().stream()).map(ShiftedTensors.Shifted::sums).toList(), stampNames(work));
        FaultPoint.at("journal-written");
        try {
            rewrite(work, factors, stamp, options, pool);
            DirectorySync.sync(folder);     // (2) side stamps' renames durable before the commit
            FaultPoint.at("before-commit");
            journal.commit();
        } catch (RuntimeException | Error e) {
            try {
                journal.rollBack();
            } catch (RuntimeException r) {
                e.addSuppressed(r);         // the journal stays; the next open rolls back
            }
            throw e;
        }
        FaultPoint.at("committed");
        journal.cleanup();
        FaultPoint.at("cleaned");
    }

    /** Sorts each shard's planned tensors into shifted (powers of two) and scaled by the engine. */
    private static List<ShardWork> plan(Checkpoint ckpt, Map<String, TensorFactors> factors, String stamp, ForkJoinPool pool,
                                        Set<String> inexact) {
        List<ShardWork> work = new ArrayList<>();
        List<ShiftedTensors.Shifted> candidates = new ArrayList<>();
        for (SafetensorsFile shard : ckpt.shardFiles()) {
            long dataStart = shard.header().dataStart();
            for (TensorInfo t : shard.tensors()) {
                if (!factors.containsKey(t.name()) || inexact.contains(key(shard, t.name()))) continue;
                ExactScalings.of(t, factors.get(t.name()), dataStart + t.begin()).ifPresent(scaling ->
                    candidates.add(new ShiftedTensors.Shifted(shard, t.name(), dataStart + t.begin(), t.byteLength(), scaling, null)));
            }
        }
        List<int[]> sums = ShiftedTensors.sums(candidates, pool);
        Map<String, ShiftedTensors.Shifted> exact = new HashMap<>();
        for (int i = 0; i < candidates.size(); i++) {
            ShiftedTensors.Shifted c = candidates.get(i);
            exact.put(key(c.shard(), c.tensor()), c.withSums(sums.get(i)));
        }
        for (SafetensorsFile shard : ckpt.shardFiles()) {
            List<TensorInfo> touched = shard.tensors().stream().filter(t -> factors.containsKey(t.name()))
                .sorted(Comparator.comparingLong(TensorInfo::begin)).toList();
            List<ShiftedTensors.Shifted> shifted = touched.stream().map(t -> exact.get(key(shard, t.name()))).filter(Objects::nonNull).toList();
            List<TensorInfo> scaled = touched.stream().filter(t -> !exact.containsKey(key(shard, t.name()))).toList();
            work.add(new ShardWork(shard, scaled, shifted, HeaderStamp.withEntry(shard.header(), AppliedStamp.KEY, stamp)));
        }
        return work;
    }

    private static String key(SafetensorsFile shard, String tensor) { return shard.path() + "\0" + tensor; }

    private static List<UndoJournal.FileSpans> spans(List<ShardWork> work) {
        List<UndoJournal.FileSpans> files = new ArrayList<>();
        for (ShardWork w : work) {
            List<UndoJournal.Span> spans = new ArrayList<>();
            if (w.header().isPresent()) spans.add(new UndoJournal.Span(8, w.shard().header().headerLength()));
            long dataStart = w.shard().header().dataStart();
            for (TensorInfo t : w.scaled()) spans.add(new UndoJournal.Span(dataStart + t.begin(), t.byteLength()));
            List<UndoJournal.ShiftSpan> shifts = w.shifted().stream()
                .map(s -> new UndoJournal.ShiftSpan(s.tensor(), s.fileOffset(), s.length(), s.scaling())).toList();
            files.add(new UndoJournal.FileSpans(w.shard().path().getFileName().toString(), w.shard().fileSize(), spans, shifts));
        }
        return files;
    }

    /** Side stamps written (header without room) or removed (the header now holds the newer stamp). */
    private static List<String> stampNames(List<ShardWork> work) {
        List<String> names = new ArrayList<>();
        for (ShardWork w : work) {
            Path side = InPlaceNames.stamp(w.shard().path());
            if (w.header().isEmpty() || Files.exists(side, LinkOption.NOFOLLOW_LINKS)) names.add(side.getFileName().toString());
        }
        return names;
    }

    /** (2) Overwrites the journaled ranges and fsyncs each shard, then writes or removes the side stamps. */
    private static void rewrite(List<ShardWork> work, Map<String, TensorFactors> factors, String stamp, RescaleSettings options,
                                ForkJoinPool pool) {
        Progress progress = options.progress();
        List<ShiftedTensors.Shifted> inexact = new ArrayList<>();
        progress.start("write", work.stream().mapToLong(w -> w.scaled().stream().mapToLong(TensorInfo::byteLength).sum()
                + w.shifted().stream().mapToLong(ShiftedTensors.Shifted::length).sum()).sum(),
            work.stream().mapToInt(w -> w.scaled().size() + w.shifted().size()).sum());
        AtomicInteger written = new AtomicInteger();
        try (Arena arena = Arena.ofShared()) {   // shared: the pool scales pieces of a chunk
            MemorySegment input = arena.allocate(SafetensorsWriter.CHUNK_BYTES, 64);
            MemorySegment output = arena.allocate(SafetensorsWriter.CHUNK_BYTES, 64);
            for (ShardWork w : work) {
                SafetensorsFile shard = w.shard();
                try (FileChannel out = FileChannel.open(shard.path(), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                     EarlyWriteback writeback = new EarlyWriteback(out)) {
                    for (TensorInfo info : w.scaled()) {
                        Tensor tensor = shard.tensor(info.name());
                        TensorScaler scaler = new TensorScaler(tensor, factors.get(info.name()), options.backend(), pool, shard, input);
                        long base = shard.header().dataStart() + info.begin();
                        long step = SafetensorsWriter.CHUNK_BYTES - SafetensorsWriter.CHUNK_BYTES % info.dtype().byteSize();
                        for (long done = 0; done < info.byteLength(); done += step) {
                            MemorySegment chunk = output.asSlice(0, Math.min(step, info.byteLength() - done));
                            scaler.fill(chunk, done);                    // reads this chunk's original bytes first
                            WrittenValues.requireInRange(tensor, chunk, done);
                            writeFully(out, chunk.asByteBuffer(), base + done);
                            writeback.wrote(chunk.byteSize());
                            progress.advance(chunk.byteSize(), 0);
                        }
                        progress.advance(0, 1);
                        FaultPoint.at("tensors:" + written.incrementAndGet());
                    }
                    inexact.addAll(ShiftedTensors.rewrite(w.shifted(), pool, out, writeback, progress, written));
                    if (w.header().isPresent()) writeFully(out, ByteBuffer.wrap(w.header().get()), 8);
                    writeback.finish();
                    out.force(false);
                } catch (IOException e) {
                    throw new WiscaException(ErrorKind.IO, shard.path(), null, "cannot rewrite in place: " + e, e);
                }
                FaultPoint.at("synced:" + shard.path().getFileName());
            }
            if (!inexact.isEmpty()) throw new ShiftedTensors.NotExact(inexact);
            for (ShardWork w : work) writeStamp(w, stamp);
        } finally {
            progress.finish();
        }
    }

    private static void writeStamp(ShardWork w, String stamp) {
        Path side = InPlaceNames.stamp(w.shard().path());
        try {
            if (w.header().isPresent()) {
                Files.deleteIfExists(side);
            } else {
                UndoJournal.writeAtomically(side, PlanStamps.sideText(w.shard().path(), w.shard().header().dataStart(), AppliedStamp.KEY, stamp));
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, side, null, "cannot update the side stamp: " + e, e);
        }
    }

    /** Positional writes of {@code bytes} (from position 0) at {@code position} of the file. */
    private static void writeFully(FileChannel out, ByteBuffer bytes, long position) throws IOException {
        FileChannels.writeFully(out, bytes, position + bytes.position());
    }
}
