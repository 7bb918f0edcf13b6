package dev.wisca.rescale.forward;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.spec.ArchSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceSmokeTest {
    @Test
    void everyExampleRunsToFiniteLogits() {
        for (ArchSpec spec : TestModels.LIBRARY.all()) {
            for (String ex : spec.examples().keySet()) {
                var src = TestModels.source(TestModels.model(spec.name(), ex, 7), Dtype.F32);
                try (ReferenceForward f = ReferenceForward.open(src)) {
                    Logits l = f.logits(ProbeInputs.tokens(f.config().vocab(), 2, 5, 1));
                    for (double v : l.values()) assertTrue(Double.isFinite(v), spec.name() + "/" + ex);
                }
            }
        }
    }
}
