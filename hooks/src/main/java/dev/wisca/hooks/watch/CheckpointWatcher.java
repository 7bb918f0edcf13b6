package dev.wisca.hooks.watch;

import dev.wisca.hooks.watch.Outcome.Status;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.OutputFiles;
import dev.wisca.sdk.Wisca;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Follows a Hugging Face Trainer output folder and rescales each {@code checkpoint-<step>/} once it
 * is complete and its file sizes were equal in two consecutive looks. A checkpoint is processed at
 * most once: the marker file (and the {@code wisca.plan} metadata of rescaled shards) says it is
 * done; a rescale interrupted by a kill is finished or redone by the next watcher (see
 * {@link Journal}). Not thread-safe (one thread per watcher); watchers of the same folder, in any
 * process, exclude each other through an advisory lock on {@link #LOCK} ({@link OutputFiles#tryLock}).
 */
public final class CheckpointWatcher {
    /** The lock file in the watched folder, held for one look. */
    static final String LOCK = ".wisca-watch.lock";

    private final Path root;
    private final WatchOptions options;
    private final CheckpointRescaler rescaler;
    private final Map<Path, Map<String, Long>> lastSizes = new HashMap<>();
    /** Checkpoints that failed, with the reason: repeated in every later report, never retried. */
    private final Map<Path, String> failed = new HashMap<>();

    public CheckpointWatcher(Path root, WatchOptions options) {
        this(root, options, CheckpointRescaler.Faults.NONE);
    }

    CheckpointWatcher(Path root, WatchOptions options, CheckpointRescaler.Faults faults) {
        if (!Files.isDirectory(root)) throw WiscaException.of(ErrorKind.IO, root, "no such folder to watch");
        // Start the settings' device now: one that cannot run here (gpu without a GPU) is refused before
        // anything is watched, with the error rescale gives, instead of failing every checkpoint later.
        options.settings().backend();
        this.root = root.toAbsolutePath().normalize();
        this.options = options;
        this.rescaler = new CheckpointRescaler(options, faults);
    }

    /**
     * One look at every checkpoint, in step order: rescales those that are ready. While another
     * watcher (any process) looks at the same folder, this one only reports {@link Status#BUSY}.
     */
    @SuppressWarnings("try")  // the lock is held for the body, never called in it
    public List<Outcome> poll() {
        Path file = root.resolve(LOCK);
        if (Files.isSymbolicLink(file)) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, file, "is a symbolic link: remove it");
        Optional<OutputFiles.Lock> held = OutputFiles.tryLock(file);
        if (held.isEmpty()) return List.of(new Outcome(root, -1, Status.BUSY, "another watcher holds " + LOCK + " in this folder; not looking"));
        try (OutputFiles.Lock lock = held.get()) {
            List<Outcome> out = new ArrayList<>();
            for (CheckpointFolders.Entry e : CheckpointFolders.list(root)) {
                out.add(e.skipped() != null ? new Outcome(e.folder(), e.step(), Status.SKIPPED, e.skipped()) : look(e.folder(), e.step()));
            }
            return out;
        }
    }

    /** {@code --once}: two looks {@code poll} apart (stability needs both); what is ready is rescaled. */
    public List<Outcome> once() throws InterruptedException {
        poll();
        Thread.sleep(options.poll().toMillis());
        return poll();
    }

    /** Polls until {@code stop} says so (checked between looks); each change of a checkpoint's status goes to {@code log}. */
    public void run(BooleanSupplier stop, Consumer<Outcome> log) throws InterruptedException {
        Map<Path, Status> reported = new HashMap<>();
        while (!stop.getAsBoolean()) {
            for (Outcome o : poll()) {
                if (reported.put(o.checkpoint(), o.status()) != o.status()) log.accept(o);
            }
            Thread.sleep(options.poll().toMillis());
        }
    }

    private Outcome look(Path folder, long step) {
        String failure = failed.get(folder);
        if (failure != null) return new Outcome(folder, step, Status.FAILED, failure + " (failed earlier; not retried)");
        try {
            if (Journal.marker(folder).isPresent()) return new Outcome(folder, step, Status.DONE, "marked " + Journal.MARKER);
            Optional<Journal.Entry> journal = Journal.read(folder);
            if (journal.isPresent() && journal.get().phase() == Journal.Phase.SWAPPING) {
                return new Outcome(folder, step, Status.RESUMED, rescaler.resume(folder, journal.get()));
            }
            String missing = Completeness.missing(folder);
            if (missing != null) return new Outcome(folder, step, Status.INCOMPLETE, missing);
            Map<String, Long> sizes = Completeness.sizes(folder);
            if (!sizes.equals(lastSizes.put(folder, sizes))) return new Outcome(folder, step, Status.SETTLING, "waiting for sizes to settle");
            if (journal.isEmpty() && alreadyRescaled(folder)) {
                Journal.mark(folder, new Journal.Marker("", -1, folder.toString(), ""));
                return new Outcome(folder, step, Status.DONE, "shards carry " + Wisca.PLAN_STAMP + ": marked");
            }
            return new Outcome(folder, step, Status.RESCALED, rescaler.rescale(folder));
        } catch (WiscaException e) {
            if (!Files.isDirectory(folder)) return new Outcome(folder, step, Status.FAILED, "removed while being processed");
            failed.put(folder, e.getMessage());
            return new Outcome(folder, step, Status.FAILED, e.getMessage());
        }
    }

    /** Rescaled by someone else ({@code wisca rescale}) or marker lost: the shards say so. */
    private static boolean alreadyRescaled(Path folder) {
        return Wisca.appliedStamp(folder).isPresent();   // a side stamp (in-place run on a file without header room) counts too
    }
}
