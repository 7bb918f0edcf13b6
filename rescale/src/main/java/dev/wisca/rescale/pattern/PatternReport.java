package dev.wisca.rescale.pattern;

import java.util.List;
import java.util.Optional;

/**
 * The weight pattern of one checkpoint: every tensor's norms and, where the architecture is known,
 * the per-head attention norms and Q/K, V/O balances. A plain record tree: Jackson writes it as JSON.
 *
 * @param model      spec name (model_type), or {@code null} when no architecture was bound
 * @param files      the safetensors files read (empty when the source is not on disk)
 * @param computedAt ISO-8601 instant of the pass
 * @param tensors    one entry per stored tensor, in source order
 * @param attention  one entry per layer with attention roles, in layer order
 * @param notes      model-level remarks (e.g. why no attention statistics exist)
 */
public record PatternReport(String model, List<String> files, String computedAt, List<TensorStats> tensors,
                            List<AttentionStats> attention, List<String> notes) {
    public PatternReport {
        files = List.copyOf(files);
        tensors = List.copyOf(tensors);
        attention = List.copyOf(attention);
        notes = List.copyOf(notes);
    }

    public Optional<TensorStats> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<AttentionStats> layer(int layer) {
        return attention.stream().filter(a -> a.layer() == layer).findFirst();
    }
}
