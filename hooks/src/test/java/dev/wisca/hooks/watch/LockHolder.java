package dev.wisca.hooks.watch;

import java.nio.file.Path;

/** A second watcher process for {@link WatchConfinementTest}: holds the watched folder's lock until its stdin closes. */
public final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws Exception {
        try (WatchLock lock = WatchLock.tryAcquire(Path.of(args[0]))) {
            System.out.println(lock == null ? "busy" : "locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes the pipe
            }
        }
    }
}
