package dev.wisca.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognizes a Git LFS pointer file (a clone without {@code git lfs pull}): a few lines of text
 * where the checkpoint should be. Read as safetensors, its first 8 bytes give an absurd header
 * length, so without this check users would only see HeaderTooLarge.
 */
public final class LfsPointer {
    private static final byte[] PREFIX = "version https://git-lfs".getBytes(StandardCharsets.US_ASCII);
    /** Pointer files are about 130 bytes; the size line is near the start. */
    private static final int MAX_POINTER_BYTES = 1024;
    private static final Pattern SIZE_LINE = Pattern.compile("(?m)^size (\\d{1,19})$");

    private LfsPointer() {}

    /** Whether the file's first bytes are those of a Git LFS pointer. */
    public static boolean matches(MemorySegment fileStart) {
        if (fileStart.byteSize() < PREFIX.length) return false;
        return MemorySegment.mismatch(fileStart, 0, PREFIX.length, MemorySegment.ofArray(PREFIX), 0, PREFIX.length) == -1;
    }

    /** The error for a pointer file: what it is and how to fetch the real file. */
    public static WiscaException error(Path file, MemorySegment fileStart) {
        String size = declaredSize(fileStart).map(bytes -> " (the real file has " + bytes + " bytes)").orElse("");
        return new WiscaException(ErrorKind.GIT_LFS_POINTER, file, null,
            "this is a Git LFS pointer file, not the checkpoint itself" + size
                + "; run `git lfs pull` in the repository to download the tensors");
    }

    private static Optional<String> declaredSize(MemorySegment fileStart) {
        long length = Math.min(fileStart.byteSize(), MAX_POINTER_BYTES);
        byte[] text = fileStart.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        Matcher m = SIZE_LINE.matcher(new String(text, StandardCharsets.ISO_8859_1));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
