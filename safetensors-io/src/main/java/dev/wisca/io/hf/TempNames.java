package dev.wisca.io.hf;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * wisca's own temp names: {@code .<target name>.tmp-<16 hex digits>} beside the target (the pattern
 * {@link dev.wisca.io.SafetensorsWriter} uses too). Only names of this shape are ever cleaned up.
 */
public final class TempNames {
    private static final Pattern OURS = Pattern.compile("\\..+\\.tmp-[0-9a-f]{16}");

    private TempNames() {}

    /** A fresh temp path beside {@code target}. */
    public static Path beside(Path target) {
        Path absolute = target.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + ".tmp-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
    }

    /** Whether {@code fileName} is one of our temp names (for any target). */
    public static boolean isOurs(String fileName) {
        return OURS.matcher(fileName).matches();
    }

    /** Whether {@code fileName} is one of our temp names for a target called {@code targetName}. */
    public static boolean isOursFor(String fileName, String targetName) {
        String prefix = "." + targetName + ".tmp-";
        return fileName.startsWith(prefix) && fileName.length() == prefix.length() + 16
            && fileName.substring(prefix.length()).chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
