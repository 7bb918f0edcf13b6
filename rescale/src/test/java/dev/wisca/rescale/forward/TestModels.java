package dev.wisca.rescale.forward;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny models of the built-in specs as forward-pass sources, and logit comparisons, for tests. */
public final class TestModels {
    public static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    private TestModels() {}

    public static TinyModel model(String modelType, String example, long seed) {
        return TinyModels.build(LIBRARY.get(modelType).orElseThrow(), example, seed);
    }

    /** Values as {@code dtype} stores them. */
    public static double[] stored(double[] values, Dtype dtype) { return MemorySource.stored(values, dtype); }

    public static ModelSource source(TinyModel model, Dtype dtype) {
        MemorySource weights = MemorySource.of(model.tensors(), dtype);
        return new ModelSource(weights, ModelBinding.bind(model.spec(), model.config(), weights.tensors()), Optional.empty());
    }

    public static ModelSource source(TinyAdapter adapter, Dtype dtype) {
        ModelSource base = source(adapter.base(), dtype);
        return base.withAdapter(MemorySource.of(adapter.tensors(), dtype), adapter.adapterConfig(), LIBRARY);
    }

    public static double maxAbs(Logits l) {
        double m = 0;
        for (double v : l.values()) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** max |a − b| / max |reference|. */
    public static double relativeDiff(Logits reference, Logits other) {
        assertEquals(reference.batch(), other.batch());
        assertEquals(reference.seq(), other.seq());
        assertEquals(reference.vocab(), other.vocab());
        double d = 0;
        for (int i = 0; i < reference.values().length; i++) {
            d = Math.max(d, Math.abs(reference.values()[i] - other.values()[i]));
        }
        return d / maxAbs(reference);
    }

    public static void assertClose(Logits reference, Logits other, double tolerance, String what) {
        double diff = relativeDiff(reference, other);
        assertTrue(diff <= tolerance, what + ": relative difference " + diff + " > " + tolerance);
        assertTrue(maxAbs(reference) > 0.1, what + ": logits too small to compare meaningfully");
    }
}
