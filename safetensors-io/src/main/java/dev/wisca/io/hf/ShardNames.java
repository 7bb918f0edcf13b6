package dev.wisca.io.hf;

import java.util.regex.Pattern;

/** File names of a Hugging Face checkpoint with base name {@code model}, {@code adapter_model}, ... */
public final class ShardNames {
    public static final String SUFFIX = ".safetensors";
    public static final String INDEX_SUFFIX = ".safetensors.index.json";

    private ShardNames() {}

    /** {@code model.safetensors} when alone, else {@code model-00002-of-00005.safetensors}. */
    public static String shard(String baseName, int number, int count) {
        return count == 1 ? baseName + SUFFIX : String.format("%s-%05d-of-%05d%s", baseName, number, count, SUFFIX);
    }

    public static String single(String baseName) { return baseName + SUFFIX; }

    public static String index(String baseName) { return baseName + INDEX_SUFFIX; }

    /** Whether {@code fileName} is one of the numbered shards of {@code baseName}. */
    public static boolean isNumberedShard(String baseName, String fileName) {
        return fileName.startsWith(baseName + "-")
            && NUMBERED.matcher(fileName.substring(baseName.length())).matches();
    }

    private static final Pattern NUMBERED = Pattern.compile("-\\d{5,}-of-\\d{5,}\\.safetensors");
}
