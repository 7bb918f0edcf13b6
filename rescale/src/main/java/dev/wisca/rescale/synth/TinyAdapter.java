package dev.wisca.rescale.synth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.TensorInfo;

import java.util.List;

/** A tiny base model with a PEFT LoRA adapter: adapter_config.json and A/B factors (B nonzero). */
public record TinyAdapter(TinyModel base, JsonNode adapterConfig, List<TinyModel.TinyTensor> tensors) {
    public TinyAdapter {
        tensors = List.copyOf(tensors);
    }

    public List<TensorInfo> infos() { return TinyModel.infos(tensors); }
}
