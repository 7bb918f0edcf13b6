package dev.wisca.sdk;

import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.forward.ComputeDevice;
import dev.wisca.rescale.forward.djl.DjlForwardProvider;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.CheckpointVerifier;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks that checkpoint {@code b} computes the same function as {@code a}; built by {@link Wisca#verify},
 * run by {@link #run}. Full mode by default: logits of a full forward pass (DJL PyTorch, f64), its
 * tolerance measured (A again with the tensors that differ from B perturbed by their dtype's rounding, see
 * the report's {@code measured()}) and its probe blocks checked too; full mode refuses (UNCLAIMED_TENSOR) a
 * checkpoint with a tensor its forward pass does not read. {@link #probes()} compares every rescalable
 * block with seeded probe vectors (fast, linear in the touched weights), its tolerance derived from the
 * stored dtypes. A {@link #tolerance} given replaces either.
 */
public final class Verification {
    private final Path a;
    private final Path b;
    private VerifyOptions options = VerifyOptions.full();
    private Path adapterA;
    private Path adapterB;
    private SpecChoice spec = SpecChoice.byModelType();
    private ComputeDevice device = ComputeDevice.CPU;

    Verification(Path a, Path b) {
        this.a = Objects.requireNonNull(a, "a");
        this.b = Objects.requireNonNull(b, "b");
    }

    /** Probe mode (keeps the tokens, seed and precision set so far). */
    public Verification probes() { return mode(VerifyOptions.Mode.PROBES); }

    /** Full mode, the default. */
    public Verification full() { return mode(VerifyOptions.Mode.FULL); }

    /** Every option at once: mode, tokens and sequences, tolerance, seed, precision. */
    public Verification options(VerifyOptions o) { options = Objects.requireNonNull(o, "options"); return this; }

    /** A fixed tolerance instead of the measured (full) or derived (probes) one. */
    public Verification tolerance(double atol, double rtol) { options = options.withTolerance(atol, rtol); return this; }

    /** A PEFT adapter applied on top of {@code a}. */
    public Verification adapterA(Path adapter) { adapterA = Objects.requireNonNull(adapter, "adapter"); return this; }

    /** A PEFT adapter applied on top of {@code b}. */
    public Verification adapterB(Path adapter) { adapterB = Objects.requireNonNull(adapter, "adapter"); return this; }

    /** The spec binding both checkpoints (default: each config.json's model_type). */
    public Verification spec(SpecChoice choice) { spec = Objects.requireNonNull(choice, "spec"); return this; }

    /**
     * Where the forward pass runs: a {@link RescaleSettings#device} name ({@code gpu} and {@code djl} ask for
     * the GPU, the CPU devices for the CPU; a missing GPU is INVALID_ARGUMENT when the pass starts).
     */
    public Verification device(String name) {
        device = switch (RescaleSettings.knownDevice(name)) {
            case "gpu", "djl" -> ComputeDevice.GPU;
            default -> ComputeDevice.CPU;
        };
        return this;
    }

    /** Runs the check; its report says EQUIVALENT or not, per block and overall, with the tolerance used. */
    public VerifyReport run() {
        SpecLibrary library = SpecLibrary.builtin().choosing(spec);
        return CheckpointVerifier.verify(a, b, Optional.ofNullable(adapterA), Optional.ofNullable(adapterB), options, library,
            Optional.of(new DjlForwardProvider(library, device)));
    }

    private Verification mode(VerifyOptions.Mode mode) {
        options = new VerifyOptions(mode, options.tokens(), options.sequences(), options.atol(), options.rtol(), options.seed(),
            options.precision());
        return this;
    }
}
