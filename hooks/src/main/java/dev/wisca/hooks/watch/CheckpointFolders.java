package dev.wisca.hooks.watch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code checkpoint-<step>} entries of a trainer's output folder. One whose step does not fit a
 * long, or that is a symbolic link (its files live elsewhere, so an in-place rescale would write
 * outside the watched tree), is listed as skipped with the reason instead of stopping the watcher.
 */
final class CheckpointFolders {
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

    /** A checkpoint to look at, or (with {@code skipped} set) one the watcher leaves alone. */
    record Entry(Path folder, long step, String skipped) {}

    private CheckpointFolders() {}

    /** Every entry named {@code checkpoint-<digits>}, by step (skipped ones last, by name). */
    static List<Entry> list(Path root) {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(p)) continue;
                out.add(entry(p, m.group(1)));
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, root, null, "cannot list the watched folder: " + e, e);
        }
        out.sort(Comparator.comparing((Entry e) -> e.skipped() != null).thenComparingLong(Entry::step)
            .thenComparing(e -> e.folder().getFileName().toString()));
        return out;
    }

    private static Entry entry(Path folder, String digits) {
        if (Files.isSymbolicLink(folder)) {
            return new Entry(folder, -1, "is a symbolic link: the watcher rescales only real folders inside " + folder.getParent());
        }
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) return new Entry(folder, -1, "is not a folder");
        try {
            return new Entry(folder, Long.parseLong(digits), null);
        } catch (NumberFormatException e) {
            return new Entry(folder, -1, "step " + digits + " does not fit a 64-bit integer: not a trainer checkpoint, skipped");
        }
    }
}
