package dev.wisca.rescale.forward;

import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.ForwardProvider;
import dev.wisca.rescale.verify.LogitsSource;
import dev.wisca.rescale.verify.ModelInput;

/**
 * Full-mode verification through the plain-Java {@link ReferenceForward} (float64 whatever the
 * requested precision; tiny models only, no native engine needed).
 */
public final class ReferenceForwardProvider implements ForwardProvider {
    private final SpecLibrary library;

    public ReferenceForwardProvider(SpecLibrary library) { this.library = library; }

    @Override
    public LogitsSource open(ModelInput model, Precision precision) {
        return tokens -> {
            ModelSource source = ModelSource.of(model, library);
            try (ReferenceForward f = ReferenceForward.open(source)) {
                Logits l = f.logits(tokens);
                double[][][] out = new double[l.batch()][l.seq()][];
                for (int b = 0; b < l.batch(); b++) for (int t = 0; t < l.seq(); t++) out[b][t] = l.row(b, t);
                return out;
            }
        };
    }
}
