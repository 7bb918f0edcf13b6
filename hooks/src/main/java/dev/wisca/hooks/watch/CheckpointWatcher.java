package dev.wisca.hooks.watch;

import dev.wisca.hooks.watch.Outcome.Status;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.apply.Apply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Follows a Hugging Face Trainer output folder and rescales each {@code checkpoint-<step>/} once it
 * is complete and its file sizes were equal in two consecutive looks. A checkpoint is processed at
 * most once: the marker file (and the {@code wisca.plan} metadata of rescaled shards) says it is
 * done; a rescale interrupted by a kill is finished or redone by the next watcher (see
 * {@link Journal}). Not thread-safe: one watcher per folder.
 */
public final class CheckpointWatcher {
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

    private final Path root;
    private final WatchOptions options;
    private final CheckpointRescaler rescaler;
    private final Map<Path, Map<String, Long>> lastSizes = new HashMap<>();
    private final Set<Path> failed = new HashSet<>();

    public CheckpointWatcher(Path root, WatchOptions options) {
        this(root, options, CheckpointRescaler.Faults.NONE);
    }

    CheckpointWatcher(Path root, WatchOptions options, CheckpointRescaler.Faults faults) {
        if (!Files.isDirectory(root)) throw WiscaException.of(ErrorKind.IO, root, "no such folder to watch");
        this.root = root.toAbsolutePath().normalize();
        this.options = options;
        this.rescaler = new CheckpointRescaler(options, faults);
    }

    /** One look at every checkpoint, in step order: rescales those that are ready. */
    public List<Outcome> poll() {
        List<Outcome> out = new ArrayList<>();
        for (Path folder : checkpoints()) out.add(look(folder));
        return out;
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

    private Outcome look(Path folder) {
        long step = Long.parseLong(matcher(folder).group(1));
        if (failed.contains(folder)) return new Outcome(folder, step, Status.FAILED, "failed earlier; not retried");
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
                Journal.mark(folder, new Journal.Marker("", -1, folder.toString()));
                return new Outcome(folder, step, Status.DONE, "shards carry " + Apply.METADATA_KEY + ": marked");
            }
            return new Outcome(folder, step, Status.RESCALED, rescaler.rescale(folder));
        } catch (WiscaException e) {
            if (!Files.isDirectory(folder)) return new Outcome(folder, step, Status.FAILED, "removed while being processed");
            failed.add(folder);
            return new Outcome(folder, step, Status.FAILED, e.getMessage());
        }
    }

    /** Rescaled by someone else ({@code wisca rescale}) or marker lost: the shards say so. */
    private static boolean alreadyRescaled(Path folder) {
        try (Checkpoint ckpt = Checkpoint.open(folder)) {
            return ckpt.metadata().containsKey(Apply.METADATA_KEY);
        }
    }

    private List<Path> checkpoints() {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> Files.isDirectory(p) && matcher(p).matches())
                .sorted(Comparator.comparingLong(p -> Long.parseLong(matcher(p).group(1))))
                .toList();
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, root, null, "cannot list the watched folder: " + e, e);
        }
    }

    private static Matcher matcher(Path folder) {
        Matcher m = CHECKPOINT.matcher(folder.getFileName().toString());
        m.matches();
        return m;
    }
}
