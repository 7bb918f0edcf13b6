package dev.wisca.rescale.forward;

import java.util.Objects;

/** How to run a forward pass: compute precision and device. */
public record ForwardOptions(Precision precision, ComputeDevice device) {
    public ForwardOptions {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(device, "device");
    }

    /** float64 on the CPU. */
    public static ForwardOptions defaults() { return new ForwardOptions(Precision.F64, ComputeDevice.CPU); }

    public ForwardOptions with(Precision p) { return new ForwardOptions(p, device); }

    public ForwardOptions with(ComputeDevice d) { return new ForwardOptions(precision, d); }
}
