package dev.wisca.sdk;

import dev.wisca.io.TensorSpec;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.List;

/**
 * Plans the rescale of a model that lives in a training loop, not in files: the loop describes its
 * parameters (names, dtypes, shapes; no bytes), measures the statistics each stage of the returned
 * {@link LivePlan} asks for, and gets back per-tensor factors it multiplies into its weights. The hooks
 * and {@code wisca serve} speak the protocol around it; this is its engine.
 *
 * <pre>{@code
 * LivePlanner planner = LivePlanner.of(SpecChoice.byModelType());
 * LivePlan plan = planner.model(parameters, configJson, RescaleSettings.paper());
 * for (LivePlan.Stage stage : plan.stages()) {
 *     List<LivePlan.Measured> stats = measure(stage.requests());   // under the earlier stages' factors
 *     LivePlan.Solved solved = plan.solve(stage.index(), stats);
 * }
 * }</pre>
 *
 * Thread-safe. Bad input is a {@link dev.wisca.io.WiscaException} (INVALID_ARGUMENT, INVALID_CONFIG,
 * UNKNOWN_ARCHITECTURE, DUPLICATE_TENSOR, ...) naming the tensor.
 */
public final class LivePlanner {
    private final SpecLibrary library;

    private LivePlanner(SpecLibrary library) {
        this.library = library;
    }

    /** A planner binding the spec {@code choice} names (the built-in library, a family, or a user's spec file). */
    public static LivePlanner of(SpecChoice choice) {
        return new LivePlanner(SpecLibrary.builtin().choosing(choice));
    }

    /**
     * A model bound to the spec of its config.json {@code model_type}.
     *
     * @param configJson the model's config.json text (a JSON object)
     */
    public LivePlan model(List<TensorSpec> parameters, String configJson, RescaleSettings settings) {
        return LiveSites.model(parameters, configJson, null, settings, library);
    }

    /** A model bound to {@code archSpecJson}, an architecture spec as JSON text (the format of a spec file). */
    public LivePlan model(List<TensorSpec> parameters, String configJson, String archSpecJson, RescaleSettings settings) {
        return LiveSites.model(parameters, configJson, archSpecJson, settings, library);
    }

    /**
     * A PEFT LoRA adapter: its LORA sites only (per rank i, {@code A[i,:]·s_i} and {@code B[:,i]/s_i}), whatever
     * pairs {@code settings} names. The factors may be named as in adapter_model.safetensors or as a live PEFT
     * model names them ({@code <module>.lora_A.<adapter>.weight}); other parameters are ignored.
     *
     * @param adapterConfigJson the adapter's adapter_config.json text
     */
    public LivePlan adapter(List<TensorSpec> parameters, String adapterConfigJson, RescaleSettings settings) {
        return LiveSites.adapter(parameters, adapterConfigJson, settings, library);
    }
}
