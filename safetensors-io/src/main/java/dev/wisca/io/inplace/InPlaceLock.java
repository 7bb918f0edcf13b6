package dev.wisca.io.inplace;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The exclusive advisory lock of one checkpoint's in-place rewrites: held by a rewrite from before its
 * journal is written until after the journal is gone, and by a recovery while it rolls back or
 * forward. A second holder, in another process or this one, is refused: CHECKPOINT_BUSY. The
 * operating system drops the lock when its process dies, so a killed rewrite never blocks the next.
 */
public final class InPlaceLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private InPlaceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of the checkpoint {@code baseName} in {@code folder}, or throws CHECKPOINT_BUSY. */
    public static InPlaceLock acquire(Path folder, String baseName) {
        Path file = InPlaceNames.lock(folder, baseName);
        return tryLock(file).orElseThrow(() -> WiscaException.of(ErrorKind.CHECKPOINT_BUSY, file,
            "another wisca process is rewriting this checkpoint in place (it holds this lock); run again once it finished"));
    }

    /**
     * Takes the exclusive advisory lock on {@code file} (created if absent, never through a symbolic link), or
     * empty while another holder has it, in another process or this one. The one lock of wisca: in-place
     * rewrites take it per checkpoint, the watcher per watched folder.
     */
    public static Optional<InPlaceLock> tryLock(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot open the lock file: " + e, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) return Optional.of(new InPlaceLock(channel, lock));
        } catch (OverlappingFileLockException sameJvm) {
            // Held by another thread of this process: as busy as another process.
        } catch (IOException e) {
            closeQuietly(channel);
            throw new WiscaException(ErrorKind.IO, file, null, "cannot take the lock: " + e, e);
        }
        closeQuietly(channel);
        return Optional.empty();
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }
}
