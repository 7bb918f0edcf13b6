package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.inplace.InPlaceNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Sorts the top-level files of a checkpoint folder: safetensors weights and their index (rewritten,
 * never copied), weights in other formats (not copied: they would contradict the rewritten
 * safetensors), and side files (config, tokenizer, generation config, adapter config, README, ...)
 * that are copied unchanged. Subfolders and our own unfinished temp files are ignored.
 */
public final class SideFiles {
    private static final Pattern OTHER_WEIGHTS = Pattern.compile(
        "(pytorch_model.*\\.bin|adapter_model\\.bin|.*\\.bin\\.index\\.json|tf_model\\.h5|flax_model\\.msgpack"
            + "|.*\\.gguf|consolidated.*\\.pth)");

    private SideFiles() {}

    /** The folder's side files, sorted by name. */
    public static List<Path> list(Path folder) {
        return regularFiles(folder).filter(p -> kind(p.getFileName().toString()) == Kind.SIDE).toList();
    }

    /** Weight files in formats other than safetensors, which a rewrite leaves behind. */
    public static List<Path> otherWeights(Path folder) {
        return regularFiles(folder).filter(p -> kind(p.getFileName().toString()) == Kind.OTHER_WEIGHTS).toList();
    }

    enum Kind { SAFETENSORS, OTHER_WEIGHTS, TEMP, SIDE }

    static Kind kind(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(ShardNames.SUFFIX) || lower.endsWith(ShardNames.INDEX_SUFFIX)) return Kind.SAFETENSORS;
        if (TempNames.isOurs(fileName) || InPlaceNames.isOurs(fileName)) return Kind.TEMP;
        if (OTHER_WEIGHTS.matcher(lower).matches()) return Kind.OTHER_WEIGHTS;
        return Kind.SIDE;
    }

    private static Stream<Path> regularFiles(Path folder) {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.filter(Files::isRegularFile).sorted().toList().stream();
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot list the folder: " + e, e);
        }
    }
}
