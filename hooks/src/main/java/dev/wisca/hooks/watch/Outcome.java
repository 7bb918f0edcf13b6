package dev.wisca.hooks.watch;

import java.nio.file.Path;

/**
 * What a look at one checkpoint folder found or did.
 *
 * @param step   the N of {@code checkpoint-N}
 * @param detail one line for the log (why it waits, what failed, the plan hash)
 */
public record Outcome(Path checkpoint, long step, Status status, String detail) {
    public enum Status {
        /** Files are missing (index entries, trainer_state.json): the trainer is still writing. */
        INCOMPLETE,
        /** Complete, but sizes changed since the previous look (or this is the first look). */
        SETTLING,
        /** Rescaled now. */
        RESCALED,
        /** A rescale interrupted earlier (watcher killed mid-swap) was finished. */
        RESUMED,
        /** Marked as rescaled: never processed twice. */
        DONE,
        /** Could not be rescaled (bad checkpoint, unknown architecture, vanished): not retried; every later report repeats why. */
        FAILED,
        /** Not a checkpoint the watcher may touch (a step past 64 bits, a symbolic link): left alone, with the reason. */
        SKIPPED,
        /** Another watcher is looking at the same folder (the watched folder's lock is held): nothing was done. */
        BUSY
    }
}
