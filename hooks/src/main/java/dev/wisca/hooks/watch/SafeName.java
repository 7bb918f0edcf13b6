package dev.wisca.hooks.watch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Names the watcher reads from a checkpoint folder (journal entries, staged files, the staging
 * folder) before it moves or deletes anything by them: a planted journal must not make it touch a
 * file outside the folder. A safe name is one plain file name (no separator, no {@code .}/{@code ..},
 * no NUL or control character, not absolute) and resolves to a direct child of the folder.
 */
final class SafeName {
    private SafeName() {}

    /** Whether {@code name} is one plain file name. */
    static boolean isPlain(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) return false;
        }
        return !Path.of(name).isAbsolute();
    }

    /** {@code folder/name} for a plain {@code name}, else INVALID_ARGUMENT naming the note it came from. */
    static Path child(Path folder, String name, String from) {
        if (!isPlain(name)) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, folder, from + " names '" + printable(name)
                + "', not a plain file name inside the checkpoint: refused, nothing moved");
        }
        Path child = folder.resolve(name).normalize();
        if (!folder.equals(child.getParent())) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, folder, from + " names '" + printable(name) + "', outside the checkpoint: refused");
        }
        return child;
    }

    /** {@code folder/name} if it is a real folder or absent; a symbolic link (or a file) there is refused. */
    static Path realFolder(Path folder, String name) {
        Path child = child(folder, name, "the watcher");
        if (Files.isSymbolicLink(child)) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, child, "is a symbolic link; the watcher stages only into a real folder inside"
                + " the checkpoint: remove it");
        }
        if (Files.exists(child, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, child, "is not a folder; the watcher stages into it: remove it");
        }
        return child;
    }

    /** The name with control characters escaped, for a one-line message. */
    static String printable(String name) {
        if (name == null) return "null";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }
}
