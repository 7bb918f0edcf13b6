package dev.wisca.hooks.watch;

import dev.wisca.sdk.OutputFiles;
import java.nio.file.Path;

/** A second watcher process for {@link WatchConfinementTest}: holds the watched folder's lock until its stdin closes. */
public final class LockHolder {
    private LockHolder() {}

    @SuppressWarnings("try")  // the lock is held until the pipe closes
    public static void main(String[] args) throws Exception {
        var held = OutputFiles.tryLock(Path.of(args[0]).resolve(CheckpointWatcher.LOCK));
        System.out.println(held.isEmpty() ? "busy" : "locked");
        System.out.flush();
        if (held.isEmpty()) return;
        try (OutputFiles.Lock lock = held.get()) {
            while (System.in.read() >= 0) {
                // hold until the parent closes the pipe
            }
        }
    }
}
