package dev.wisca.hooks.watch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.Wisca;
import java.util.List;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Whether a trainer has finished writing a checkpoint folder: {@code trainer_state.json} (the
 * Trainer writes it last), {@code config.json}, and every weight file — {@code model.safetensors},
 * or the index and every shard it names. Stability (sizes equal over two looks) is the watcher's part.
 */
final class Completeness {
    static final String TRAINER_STATE = "trainer_state.json";

    private Completeness() {}

    /** Why the folder is not complete yet, or null when it is. */
    static String missing(Path folder) {
        if (!Files.isRegularFile(folder.resolve(TRAINER_STATE))) return TRAINER_STATE + " not written yet";
        if (!Files.isRegularFile(folder.resolve("config.json"))) return "config.json not written yet";
        Path index = folder.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            List<String> shards;
            try {
                shards = Wisca.indexedShards(index);
            } catch (WiscaException e) {
                return "index not readable yet (" + e.detail() + ")";
            }
            for (String shard : shards) {
                if (!Files.isRegularFile(folder.resolve(shard))) return "shard " + shard + " not written yet";
            }
            return null;
        }
        return Files.isRegularFile(folder.resolve("model.safetensors")) ? null : "no model.safetensors or index yet";
    }

    /** Name and size of every regular top-level file: two equal snapshots mean the trainer stopped writing. */
    static Map<String, Long> sizes(Path folder) {
        Map<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) sizes.put(f.getFileName().toString(), Files.size(f));
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot list the checkpoint: " + e, e);
        }
        return sizes;
    }
}
