package dev.wisca.rescale.apply;

import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Transforms optimizer state saved as safetensors, with tensors named {@code <param><suffix>}, so it
 * stays consistent with the rescaled parameters; moments of unscaled parameters are copied.
 */
public final class MomentApply {
    /** Adam's first and second moments as PyTorch names them, with the power of the factor each is divided by. */
    public static final Map<String, Integer> ADAM_SUFFIXES = Map.of(".exp_avg", 1, ".exp_avg_sq", 2, ".max_exp_avg_sq", 2);

    private MomentApply() {}

    /** {@link #run(Checkpoint, Plan, Path, Map, RescaleSettings)} with Adam's moments. */
    public static int run(Checkpoint moments, Plan plan, Path out, RescaleSettings settings) {
        return run(moments, plan, out, ADAM_SUFFIXES, settings);
    }

    /**
     * @param suffixes suffix to power, e.g. {@code .exp_avg → 1}, {@code .exp_avg_sq → 2}
     * @return how many moment tensors were transformed
     */
    public static int run(Checkpoint moments, Plan plan, Path out, Map<String, Integer> suffixes, RescaleSettings settings) {
        Map<String, TensorFactors> factors = new LinkedHashMap<>();
        for (TensorInfo info : moments.tensors()) {
            for (var suffix : suffixes.entrySet()) {
                if (!info.name().endsWith(suffix.getKey())) continue;
                String param = info.name().substring(0, info.name().length() - suffix.getKey().length());
                TensorFactors f = plan.factors().get(param);
                if (f != null) factors.put(info.name(), MomentFactors.of(f, info, suffix.getValue()));
            }
        }
        Apply.stream(moments, factors, out, AppliedStamp.of(plan), settings);
        return factors.size();
    }
}
