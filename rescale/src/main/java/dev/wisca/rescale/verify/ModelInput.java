package dev.wisca.rescale.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.TensorSource;

import java.util.Objects;
import java.util.Optional;

/**
 * One side of a comparison: an open checkpoint (file, folder or shards, as one tensor source), its
 * config.json, and optionally a PEFT LoRA adapter on top. The caller owns and closes the sources.
 */
public record ModelInput(TensorSource tensors, JsonNode config, Optional<Adapter> adapter) {
    public ModelInput {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(adapter, "adapter");
    }

    public static ModelInput of(TensorSource tensors, JsonNode config) { return new ModelInput(tensors, config, Optional.empty()); }

    public ModelInput withAdapter(TensorSource tensors, JsonNode adapterConfig) {
        return new ModelInput(this.tensors, config, Optional.of(new Adapter(tensors, adapterConfig)));
    }

    /** A PEFT LoRA adapter: its tensors and adapter_config.json. */
    public record Adapter(TensorSource tensors, JsonNode config) {
        public Adapter {
            Objects.requireNonNull(tensors, "tensors");
            Objects.requireNonNull(config, "config");
        }
    }
}
