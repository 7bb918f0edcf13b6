package dev.wisca.hooks.watch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A journal read back from a checkpoint folder is input like any other: someone may have planted
 * it. Before a swap moves files by its names, every name must be one the watcher could have staged
 * (a plain {@code .safetensors} file name, once each) and the phase and hash must be present.
 */
final class JournalCheck {
    private JournalCheck() {}

    static Journal.Entry check(Path folder, Journal.Entry entry) {
        Path journal = folder.resolve(Journal.JOURNAL);
        if (entry.phase() == null) throw invalid(journal, "has no phase");
        if (entry.files() == null) throw invalid(journal, "has no file list");
        if (entry.phase() == Journal.Phase.SWAPPING && (entry.planHash() == null || !entry.planHash().matches("[0-9a-zA-Z]{1,128}"))) {
            throw invalid(journal, "a swapping journal needs the plan's hash (letters and digits), got '" + SafeName.printable(entry.planHash()) + "'");
        }
        Set<String> seen = new HashSet<>();
        for (String name : entry.files()) {
            SafeName.child(folder, name, Journal.JOURNAL);
            if (!name.endsWith(".safetensors")) throw invalid(journal, "names '" + SafeName.printable(name) + "', not a staged .safetensors file: refused");
            if (!seen.add(name)) throw invalid(journal, "names '" + SafeName.printable(name) + "' twice: refused");
        }
        return entry;
    }

    private static WiscaException invalid(Path journal, String detail) {
        return WiscaException.of(ErrorKind.INVALID_ARGUMENT, journal, detail + " (the watcher writes it whole; remove it if it is not ours)");
    }
}
