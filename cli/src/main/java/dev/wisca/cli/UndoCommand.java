package dev.wisca.cli;

import dev.wisca.cli.options.InPlaceOption;
import dev.wisca.cli.options.InputOptions;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.OptimizerStateOption;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.Model;
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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code wisca undo}: apply the inverse of a saved plan. */
@Command(name = "undo", mixinStandardHelpOptions = true,
    description = "Undo a rescale: apply the reciprocal of a saved plan. With power-of-two scales the result is bit-identical to the original.",
    footerHeading = "%nExamples:%n",
    footer = {"  wisca rescale ./model ./model-wisca --save-plan plan/",
        "  wisca undo ./model-wisca plan/ ./model-restored",
        "  wisca undo ./ckpt-wisca plan/ ./ckpt-restored --optimizer-state   # optimizer.pt moments too",
        "  wisca undo --in-place ./model plan/               # after 'wisca rescale --in-place ./model --save-plan plan/'"})
final class UndoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;
    @Mixin OptimizerStateOption optimizerState;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path in;

    @Parameters(index = "1", paramLabel = "PLAN", description = "The plan folder that was applied.")
    Path planFolder;

    @Parameters(index = "2", paramLabel = "OUT", arity = "0..1", description = "Where to write the restored checkpoint (not with --in-place).")
    Path out;

    @Mixin InPlaceOption inPlaceOption;
    boolean inPlace;

    @Override
    public Integer call() {
        in = input.path();
        inPlace = inPlaceOption.enabled();
        long start = System.nanoTime();
        if (inPlace && out != null) throw WiscaException.invalidArgument("--in-place restores IN itself and takes no OUT");
        if (!inPlace && out == null) throw WiscaException.invalidArgument("missing OUT (or use --in-place to restore IN itself)");
        if (inPlace && optimizerState.enabled()) throw WiscaException.invalidArgument("--optimizer-state writes the restored moments beside OUT: it does not go with --in-place");
        if (!inPlace) output.checkAll(List.of(out), List.of(in, planFolder));
        RescalePlan plan = RescalePlan.load(planFolder)
            .withSettings(RescaleSettings.paper().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json)));
        int moments = 0;
        try (Model model = Wisca.open(in, specs.choice())) {
            if (inPlace) {
                model.undoInPlace(plan);
            } else {
                if (optimizerState.enabled()) model.checkOptimizerStateUndo(plan);   // a refusal leaves no OUT
                model.undo(plan, out, output.overwrite());
                if (optimizerState.enabled()) moments = model.undoOptimizerState(plan, out);
            }
        }
        Path written = inPlace ? in : out;
        PrintWriter o = spec.commandLine().getOut();
        if (json.enabled()) {
            Json.print(o, Map.of("output", written.toString(), "inPlace", inPlace, "planHash", plan.hash(), "millis", (System.nanoTime() - start) / 1_000_000));
        } else {
            if (optimizerState.enabled()) o.println("optimizer state: " + moments + " moment tensors restored into " + out);
            o.println((inPlace ? "restored " + in + " in place" : "wrote " + out) + " (plan " + plan.hash() + " undone, "
                + Units.duration(System.nanoTime() - start) + ")");
        }
        return ExitCodes.OK;
    }
}
