package dev.wisca.cli;

import dev.wisca.cli.options.InPlaceOption;
import dev.wisca.cli.options.InputOptions;
import dev.wisca.io.WiscaException;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.OptimizerStateOption;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.RescaleFlags;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.Printable;
import dev.wisca.sdk.OutputFiles;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.OptimizerState;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.concurrent.Callable;

/** {@code wisca rescale}: plan and apply a function-preserving rescale. */
@Command(name = "rescale", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Balance weight pairs so the model computes exactly the same function with a better-balanced weight pattern (WISCA).",
        "Defaults reproduce the paper: Q/K and V/O, one scale per tensor, L1 norms."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca rescale ./Llama-3.2-1B ./Llama-3.2-1B-wisca",
        "  wisca rescale ./model ./out --pairs qk,vo,updown --granularity kv-group",
        "  wisca rescale ./model --plan-only plan/            # read-only: solve and save the plan",
        "  wisca rescale ./model ./out --apply plan/          # apply a saved plan",
        "  wisca rescale --in-place ./model --save-plan plan/ # rewrite only the changed tensors, crash-safe",
        "  wisca rescale ./lora-adapter ./lora-balanced --pairs lora",
        "  wisca rescale ./lora-adapter ./lora-svd --lora-refactor",
        "  wisca rescale ./checkpoint-500 ./out --optimizer-state   # Trainer checkpoint: optimizer.pt moments follow the weights",
        "  wisca rescale ./model ./out --device djl        # DJL PyTorch: a GPU when visible, else the CPU"})
final class RescaleCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin RescaleFlags flags;
    @Mixin SpecOptions specs;
    @Mixin Verbosity verbosity;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", arity = "0..1", description = "Output file or folder (not needed with --plan-only).")
    Path out;

    @Option(names = "--plan-only", paramLabel = "PLAN", description = "Only solve (read-only) and save the plan into this folder.")
    Path planOnly;

    @Option(names = "--apply", paramLabel = "PLAN", description = "Apply a plan saved by --plan-only instead of solving.")
    Path applyPlan;

    @Option(names = "--save-plan", paramLabel = "PLAN", description = "Also save the applied plan into this folder (for 'wisca undo').")
    Path savePlan;

    @Mixin OptimizerStateOption optimizerState;

    @Option(names = "--lora-refactor", description = "For a PEFT adapter: balanced refactorization of every LoRA pair (B'A' = BA, |A'_i| = |B'_i| per singular direction) instead of per-rank scales. No undo.")
    boolean loraRefactor;

    @Mixin InPlaceOption inPlaceOption;
    boolean inPlace;

    @Option(names = "--report", paramLabel = "DIR", description = "Also write the plan, weight-pattern stats (before.json, after.json) and report.html (with probe verification) into DIR.")
    Path reportDir;

    @Override
    public Integer call() {
        in = input.path();
        inPlace = inPlaceOption.enabled();
        if (planOnly != null && applyPlan != null) throw WiscaException.invalidArgument("--plan-only and --apply exclude each other");
        if (inPlace) return rescaleInPlace();
        if (planOnly == null && out == null) throw WiscaException.invalidArgument("missing OUT (or use --plan-only PLAN to only solve)");
        RescaleSettings settings = flags.settings().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        PrintWriter o = spec.commandLine().getOut();
        long start = System.nanoTime();
        if (optimizerState.enabled()) requireFolders();
        output.checkAll(outputs(), inputs());
        // The report reads OUT back, so it may not be written into it either.
        if (reportDir != null && out != null) OutputFiles.checkApart(reportDir, List.of(out));
        if (loraRefactor) return refactorLora(o, start);
        try (Model model = Wisca.open(in, specs.choice())) {
            // Planned and applied in one, the output's untouched part written while the statistics are read;
            // a saved plan, or the optimizer-state check between plan and write, takes the two steps.
            boolean inOne = planOnly == null && applyPlan == null && !optimizerState.enabled();
            RescalePlan plan = inOne ? model.rescale(settings, out, output.overwrite()) : planFor(model, settings);
            if (planOnly != null) {
                plan.save(planOnly, output.overwrite());
            } else {
                if (!inOne) {
                    if (optimizerState.enabled()) model.checkOptimizerState(plan);   // a refusal leaves no OUT
                    model.apply(plan, out, output.overwrite());
                }
                if (savePlan != null) plan.save(savePlan, output.overwrite());
                if (optimizerState.enabled()) {
                    transformMoments(model, plan, o);
                } else if (!verbosity.quiet() && !OptimizerState.in(in).isEmpty()) {
                    // OUT then holds IN's optimizer.pt as a side file: moments of the weights before the rescale
                    spec.commandLine().getErr().println("wisca: note: " + in + " holds optimizer state; without --optimizer-state"
                        + " OUT keeps it unchanged (its Adam moments do not follow the rescaled weights)");
                }
                if (reportDir != null) RescaleReport.write(in, out, plan, specs.choice(), reportDir, output.overwrite());
            }
            PlanOutput.of(model.architecture(), plan, planOnly != null ? null : out, planOnly != null ? planOnly : savePlan, System.nanoTime() - start)
                .show(o, json.enabled(), verbosity.quiet(), verbosity.verbose(), (planOnly != null ? "plan saved to " + planOnly : "wrote " + out)
                    + " (" + Units.duration(System.nanoTime() - start) + ")");
        }
        return ExitCodes.OK;
    }

    /** The plan of {@code --apply PLAN} (run with these settings), else the one solved for {@code model}. */
    private RescalePlan planFor(Model model, RescaleSettings settings) {
        return applyPlan != null ? RescalePlan.load(applyPlan).withSettings(settings) : model.plan(settings);
    }

    private int rescaleInPlace() {
        if (out != null) throw WiscaException.invalidArgument("--in-place rewrites IN itself and takes no OUT");
        if (planOnly != null || optimizerState.enabled() || reportDir != null || loraRefactor) {
            throw WiscaException.invalidArgument("--in-place takes IN, optionally --apply PLAN and --save-plan PLAN; not --plan-only,"
                + " --optimizer-state, --report or --lora-refactor (use IN OUT for those)");
        }
        RescaleSettings settings = flags.settings().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        PrintWriter o = spec.commandLine().getOut();
        long start = System.nanoTime();
        if (savePlan != null) output.checkAll(List.of(savePlan), inputs());
        try (Model model = Wisca.open(in, specs.choice())) {
            RescalePlan plan = planFor(model, settings);
            model.applyInPlace(plan);
            if (savePlan != null) plan.save(savePlan, output.overwrite());
            PlanOutput.of(model.architecture(), plan, in, savePlan, System.nanoTime() - start).show(o, json.enabled(), verbosity.quiet(),
                verbosity.verbose(), "rescaled " + in + " in place (" + Units.duration(System.nanoTime() - start) + ")");
        }
        return ExitCodes.OK;
    }

    private int refactorLora(PrintWriter o, long start) {
        if (out == null || planOnly != null || applyPlan != null) throw WiscaException.invalidArgument("--lora-refactor takes IN OUT and no plan options");
        try (Model model = Wisca.open(in, specs.choice())) {
            var result = model.refactorLora(out, output.overwrite());
            if (json.enabled()) {
                Json.print(o, result);
            } else {
                o.println("refactored " + result.refactored().size() + " LoRA modules -> " + out + " (" + Units.duration(System.nanoTime() - start) + ")");
                result.skipped().forEach((m, why) -> o.println("  skipped " + Printable.escape(m) + ": " + why));
            }
        }
        return ExitCodes.OK;
    }

    private void transformMoments(Model model, RescalePlan plan, PrintWriter o) {
        int n = model.rescaleOptimizerState(plan, out);
        if (!json.enabled() && !verbosity.quiet()) o.println("optimizer state: " + n + " moment tensors transformed into " + out);
    }

    /** The optimizer state lives in the checkpoint folder and is written into OUT beside the weights. */
    private void requireFolders() {
        if (planOnly != null || loraRefactor) throw WiscaException.invalidArgument("--optimizer-state goes with IN OUT (not --plan-only or --lora-refactor)");
        if (!Files.isDirectory(in) || out.getFileName().toString().endsWith(".safetensors")) {
            throw WiscaException.invalidArgument("--optimizer-state needs a checkpoint folder IN (with optimizer.pt or optimizer*.safetensors) and a folder OUT");
        }
    }

    /** What this run reads: nothing it writes may be, contain or lie inside one of these. */
    private List<Path> inputs() {
        return Stream.of(in, applyPlan, specs.file().orElse(null)).filter(Objects::nonNull).toList();
    }

    /** What this run writes; a single-file input writes a file (into OUT when OUT is a folder). */
    private List<Path> outputs() {
        List<Path> all = new ArrayList<>();
        if (planOnly != null) all.add(planOnly);
        if (out != null && planOnly == null) {
            boolean singleFile = Files.isRegularFile(in) && in.getFileName().toString().endsWith(".safetensors");
            all.add(singleFile ? OutputFiles.fileTarget(out, in) : out);
            if (savePlan != null) all.add(savePlan);
            if (reportDir != null) all.add(reportDir);
        }
        return all;
    }
}
