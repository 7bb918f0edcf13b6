package dev.wisca.io.inplace;

import java.nio.file.Path;

/**
 * The files an in-place rewrite keeps beside a checkpoint, all hidden and named after the
 * checkpoint's base name ({@code model}, {@code adapter_model}, or a single file's stem) so two
 * checkpoints sharing a folder never share them: the journal, the lock, and per shard the side
 * stamp written when the shard's header has no room for the {@code wisca.plan} stamp.
 */
public final class InPlaceNames {
    static final String JOURNAL_SUFFIX = ".wisca-journal";
    static final String LOCK_SUFFIX = ".wisca-lock";
    static final String STAMP_SUFFIX = ".wisca-stamp.json";

    private InPlaceNames() {}

    /** {@code .<base>.wisca-journal}: present only between a complete journal and the end of its cleanup. */
    public static Path journal(Path folder, String baseName) { return folder.resolve("." + baseName + JOURNAL_SUFFIX); }

    /** {@code .<base>.wisca-lock}: an advisory lock file, kept (deleting a lock file races with its next taker). */
    public static Path lock(Path folder, String baseName) { return folder.resolve("." + baseName + LOCK_SUFFIX); }

    /** {@code .<shard file name>.wisca-stamp.json} beside the shard. */
    public static Path stamp(Path shard) { return shard.resolveSibling("." + shard.getFileName() + STAMP_SUFFIX); }

    /** Whether a folder entry is one of these (never copied as a side file of the checkpoint). */
    public static boolean isOurs(String fileName) {
        return fileName.startsWith(".") && (fileName.endsWith(JOURNAL_SUFFIX) || fileName.endsWith(LOCK_SUFFIX)
            || fileName.endsWith(STAMP_SUFFIX));
    }
}
