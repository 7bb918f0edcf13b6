package dev.wisca.cli;

import dev.wisca.cli.options.SeedOption;
import dev.wisca.cli.options.ComputeOptions;
import dev.wisca.cli.options.FlagChecks;
import dev.wisca.io.Printable;
import dev.wisca.io.WiscaException;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.verify.BlockResult;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Verification;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;

/** {@code wisca verify}: prove that two checkpoints compute the same function (for CI). */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Check that checkpoint B computes the same function as checkpoint A (exit 0) or not (exit 1).",
        "Full forward pass on seeded token sequences (DJL PyTorch, f64, CPU), or --probes-only: every rescalable block",
        "with seeded probe vectors, for models too large for a CPU forward pass.",
        "Full mode measures its tolerance: A again with the tensors that differ from B perturbed by their dtype's rounding;",
        "it also checks every block with probes. Bit-identical weights give exactly 0. Exit 2 when the forward pass",
        "leaves a tensor unread (UnclaimedTensor): verify does not certify what it did not compute with."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:equivalent", "1:not equivalent (the first offending layer/site is named)", "2:usage or input error"},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca verify ./model ./model-wisca",
        "  wisca verify ./model ./model-wisca --probes-only --json > verify.json",
        "  wisca verify ./base ./base --adapter-a ./lora --adapter-b ./lora-wisca",
        "  wisca verify A B --atol 1e-6 --rtol 1e-5 --tokens 32"})
final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;

    @Parameters(index = "0", paramLabel = "A", description = "The reference checkpoint (file or folder).")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The checkpoint to check against A.")
    Path b;

    @Option(names = "--adapter-a", paramLabel = "DIR", description = "PEFT LoRA adapter applied on top of A.")
    Path adapterA;

    @Option(names = "--adapter-b", paramLabel = "DIR", description = "PEFT LoRA adapter applied on top of B.")
    Path adapterB;

    @Option(names = "--probes-only", description = "Per-site probe vectors instead of a full forward pass (fast, linear in the touched weights).")
    boolean probesOnly;

    /** Probe sizes beyond these only exhaust memory: the probes are about coverage, not volume. */
    static final int MAX_TOKENS = 4096;
    static final int MAX_SEQUENCES = 1024;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "16", description = "Tokens per probe sequence (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--sequences", paramLabel = "N", defaultValue = "3", description = "Probe sequences (default: ${DEFAULT-VALUE}).")
    int sequences;

    @Option(names = "--atol", paramLabel = "X", description = "Absolute tolerance (replaces the derived one).")
    Double atol;

    @Option(names = "--rtol", paramLabel = "X", description = "Relative tolerance (replaces the derived one).")
    Double rtol;

    @Mixin SeedOption seed;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "f64", description = "Forward pass precision: f64 or f32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Mixin ComputeOptions compute;

    @Override
    public Integer call() {
        FlagChecks.inRange("--tokens", tokens, 2, MAX_TOKENS);
        FlagChecks.inRange("--sequences", sequences, 1, MAX_SEQUENCES);
        if (atol != null) FlagChecks.inRange("--atol", atol, 0, Double.MAX_VALUE);
        if (rtol != null) FlagChecks.inRange("--rtol", rtol, 0, Double.MAX_VALUE);
        Precision p = switch (precision.toLowerCase(Locale.ROOT)) {
            case "f64" -> Precision.F64;
            case "f32" -> Precision.F32;
            default -> throw WiscaException.invalidArgument("unknown precision '" + precision + "' (expected f64 or f32)");
        };
        if (compute.threadsGiven()) throw WiscaException.invalidArgument("--threads: verify's forward pass chooses its own threads");
        VerifyOptions options = new VerifyOptions(probesOnly ? VerifyOptions.Mode.PROBES : VerifyOptions.Mode.FULL, tokens, sequences,
            atol == null ? OptionalDouble.empty() : OptionalDouble.of(atol), rtol == null ? OptionalDouble.empty() : OptionalDouble.of(rtol), seed.or(20250822), p);
        Verification check = Wisca.verify(a, b).options(options).spec(specs.choice()).device(compute.device());
        if (adapterA != null) check.adapterA(adapterA);
        if (adapterB != null) check.adapterB(adapterB);
        VerifyReport report = check.run();
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            out.println(report.toJson());
        } else {
            if (verbosity.verbose()) {
                for (BlockResult r : report.blocks()) {
                    out.printf(Locale.ROOT, "  %-32s %s max abs %.3g, max rel %.3g (%.2g of tolerance)%n", Printable.escape(r.block()), r.ok() ? "ok  " : "FAIL",
                        r.maxAbs(), r.maxRel(), r.ratio());
                }
            }
            out.println(report.summary());
            out.println("tolerance: " + report.tolerance());
        }
        out.flush();
        return report.exitCode();
    }
}
