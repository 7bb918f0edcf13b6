package dev.wisca.io.inplace;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@code Checkpoint.open} before it reads anything: a journal left by an in-place rewrite that
 * was killed is rolled back (or forward, when it holds its commit record) under the lock, so every
 * command sees the original or the finished result. While the rewrite is still running (its lock is
 * held) the open is refused with CHECKPOINT_BUSY naming the journal. One {@code exists} check per
 * candidate base name when there is nothing to do.
 */
public final class Recovery {
    private Recovery() {}

    /** Recovers the checkpoints {@code baseNames} of {@code folder} that have a journal. */
    public static void recoverIfNeeded(Path folder, List<String> baseNames) {
        for (String base : baseNames) {
            Path journal = InPlaceNames.journal(folder, base);
            if (!UndoJournal.present(folder, base)) {
                removeStaleTemps(folder, base, journal);
                continue;
            }
            InPlaceLock lock;
            try {
                lock = InPlaceLock.acquire(folder, base);
            } catch (WiscaException e) {
                if (e.kind() != ErrorKind.CHECKPOINT_BUSY) {
                    throw new WiscaException(ErrorKind.UNFINISHED_JOURNAL, journal, null, "an in-place rewrite was interrupted and"
                        + " cannot be recovered here (" + e.detail() + "); run any wisca command on it where it can be written", e);
                }
                throw WiscaException.of(ErrorKind.CHECKPOINT_BUSY, journal,
                    "an in-place rescale is rewriting this checkpoint right now; open it once it finished");
            }
            try (lock) {
                UndoJournal.recoverLocked(folder, journal);
            }
        }
    }

    /**
     * A rewrite killed while it wrote its journal leaves a temp file and an intact checkpoint: removed
     * under the lock, and left alone while a live rewrite holds it (the temp may be that rewrite's).
     */
    private static void removeStaleTemps(Path folder, String base, Path journal) {
        if (!UndoJournal.hasTemps(folder, journal)) return;
        InPlaceLock lock;
        try {
            lock = InPlaceLock.acquire(folder, base);
        } catch (WiscaException busyOrReadOnly) {
            return;   // the checkpoint itself is intact either way
        }
        try (lock) {
            UndoJournal.removeTemps(folder, journal);
        }
    }

    /** As {@link #recoverIfNeeded} for a caller that holds the lock of {@code baseName} already. */
    public static void recoverLocked(Path folder, String baseName) {
        Path journal = InPlaceNames.journal(folder, baseName);
        if (UndoJournal.present(folder, baseName)) UndoJournal.recoverLocked(folder, journal);
        else UndoJournal.removeTemps(folder, journal);
    }
}
