package dev.wisca.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Makes a rename durable by fsyncing the folder that holds it. */
public final class DirectorySync {
    private DirectorySync() {}

    public static void sync(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Windows cannot open a folder as a channel and some file systems refuse fsync on one;
            // the rename itself already happened, only its durability across a crash is weaker.
        }
    }
}
