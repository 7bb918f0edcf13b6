package dev.wisca.rescale.forward.djl;

import dev.wisca.rescale.forward.ComputeDevice;
import dev.wisca.rescale.forward.ForwardModel;
import dev.wisca.rescale.forward.ForwardOptions;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.ForwardProvider;
import dev.wisca.rescale.verify.LogitsSource;
import dev.wisca.rescale.verify.ModelInput;

/** Full-mode verification through the DJL PyTorch forward pass (CPU, or GPU when DJL sees one). */
public final class DjlForwardProvider implements ForwardProvider {
    private final SpecLibrary library;
    private final ComputeDevice device;

    public DjlForwardProvider(SpecLibrary library, ComputeDevice device) {
        this.library = library;
        this.device = device;
    }

    @Override
    public LogitsSource open(ModelInput model, Precision precision) {
        return tokens -> {
            ModelSource source = ModelSource.of(model, library);
            try (ForwardModel m = DjlForward.open(source, new ForwardOptions(precision, device))) {
                return nested(m.logits(tokens));
            }
        };
    }

    private static double[][][] nested(Logits l) {
        double[][][] out = new double[l.batch()][l.seq()][];
        for (int b = 0; b < l.batch(); b++) {
            for (int t = 0; t < l.seq(); t++) out[b][t] = l.row(b, t);
        }
        return out;
    }
}
