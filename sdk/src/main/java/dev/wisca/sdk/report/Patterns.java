package dev.wisca.sdk.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.PatternStats;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Weight-pattern statistics of a checkpoint on disk, its architecture detected as {@code Wisca.open} does. */
public final class Patterns {
    private Patterns() {}

    /**
     * Statistics of the checkpoint at {@code path} (file, folder or sharded folder). With a
     * config.json the spec is the one of its model_type (or the {@code choice}) and attention
     * statistics are included; without one (e.g. a PEFT adapter) only tensor statistics.
     */
    public static PatternReport of(Path path, SpecChoice choice, int parallelism) {
        return of(path, choice, parallelism, Progress.NONE);
    }

    /** As {@link #of(Path, SpecChoice, int)}, reporting the read pass as a {@code stats} phase. */
    public static PatternReport of(Path path, SpecChoice choice, int parallelism, Progress progress) {
        try (Checkpoint c = Checkpoint.open(path)) {
            Optional<JsonNode> config = c.isAdapter() ? Optional.empty() : c.configJson();
            Optional<ModelBinding> binding = config.map(cfg -> {
                ArchSpec spec = SpecLibrary.builtin().choosing(choice).specFor(cfg);
                return ModelBinding.bind(spec, cfg, c.tensors());
            });
            return Checkpoint.guarded(List.of(c), () -> PatternStats.compute(c, binding, parallelism, progress));
        }
    }

    public static PatternReport of(Path path) {
        return of(path, SpecChoice.byModelType(), Runtime.getRuntime().availableProcessors());
    }
}
