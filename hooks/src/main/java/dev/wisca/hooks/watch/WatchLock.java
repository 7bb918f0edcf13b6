package dev.wisca.hooks.watch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An advisory lock on the watched folder, held for one look: two watchers on the same folder (two
 * processes, or two in one JVM) never stage into or swap the same checkpoint at once.
 */
final class WatchLock implements AutoCloseable {
    static final String NAME = ".wisca-watch.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private WatchLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or null while another watcher holds it. */
    static WatchLock tryAcquire(Path root) {
        Path file = root.resolve(NAME);
        if (Files.isSymbolicLink(file)) throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, file, "is a symbolic link: remove it");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            FileLock lock = channel.tryLock();
            if (lock != null) return new WatchLock(channel, lock);
            channel.close();
            return null;
        } catch (OverlappingFileLockException sameJvm) {
            close(channel);
            return null;
        } catch (IOException e) {
            close(channel);
            throw new WiscaException(ErrorKind.IO, file, null, "cannot lock the watched folder: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        close(channel);
    }

    private static void close(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }
}
