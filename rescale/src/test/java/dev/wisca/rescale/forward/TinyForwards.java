package dev.wisca.rescale.forward;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;

import java.util.Optional;

/** Tiny models of the built-in specs as forward-pass sources, for tests. */
final class TinyForwards {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    private TinyForwards() {}

    static TinyModel model(String modelType, String example, long seed) {
        return TinyModels.build(LIBRARY.get(modelType).orElseThrow(), example, seed);
    }

    static ModelSource source(TinyModel model, Dtype dtype) {
        InMemorySource weights = new InMemorySource(model.tensors(), dtype);
        return new ModelSource(weights, ModelBinding.bind(model.spec(), model.config(), weights.tensors()), Optional.empty());
    }

    static ModelSource source(TinyAdapter adapter, Dtype dtype) {
        ModelSource base = source(adapter.base(), dtype);
        return base.withAdapter(new InMemorySource(adapter.tensors(), dtype), adapter.adapterConfig(), LIBRARY);
    }
}
