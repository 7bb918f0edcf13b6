package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.TensorSource;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.ModelInput;

import java.util.Objects;
import java.util.Optional;

/**
 * What a forward pass runs: the checkpoint's tensors, bound to its spec, plus an optional LoRA
 * adapter. The sources stay owned by the caller and must stay open while a model built on them runs.
 */
public record ModelSource(TensorSource weights, ModelBinding binding, Optional<LoraAdapter> adapter) {
    public ModelSource {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(binding, "binding");
        Objects.requireNonNull(adapter, "adapter");
    }

    /** Binds the library's spec for config.json ({@link SpecLibrary#specFor}). */
    public static ModelSource of(TensorSource weights, JsonNode config, SpecLibrary library) {
        var spec = library.specFor(config);
        return new ModelSource(weights, ModelBinding.bind(spec, config, weights.tensors()), Optional.empty());
    }

    /** One side of a verification, bound: the checkpoint, with its adapter on top when it has one. */
    public static ModelSource of(ModelInput model, SpecLibrary library) {
        ModelSource source = of(model.tensors(), model.config(), library);
        return model.adapter().map(a -> source.withAdapter(a.tensors(), a.config(), library)).orElse(source);
    }

    /** This model with a PEFT LoRA adapter ({@code adapterConfig}: adapter_config.json). */
    public ModelSource withAdapter(TensorSource adapterTensors, JsonNode adapterConfig, SpecLibrary library) {
        return new ModelSource(weights, binding, Optional.of(LoraAdapter.of(adapterTensors, adapterConfig, library.lora())));
    }

    public JsonNode config() { return binding.dims().config(); }
}
