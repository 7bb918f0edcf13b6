package dev.wisca.rescale.apply;

import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.torch.OptimizerStateDict;
import dev.wisca.io.torch.StoredTensor;
import dev.wisca.io.torch.TorchArchive;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Transforms the moments inside a torch optimizer state archive (the Trainer's {@code optimizer.pt})
 * consistently with a plan, as {@link MomentApply} does for safetensors: each moment's storage is
 * rewritten through {@link MomentFactors} and {@link TensorScaler}; everything else is copied byte
 * for byte (see {@link TorchArchive#rewrite}).
 */
public final class OptimizerPtApply {
    /** Bytes scaled per step of a storage. */
    private static final long CHUNK = 8L << 20;
    /** The archive comment that records the plan last applied to the moments (what undo checks). */
    public static final String STAMP_PREFIX = "wisca.plan ";

    private OptimizerPtApply() {}

    /**
     * @param archive  the opened optimizer state
     * @param plan     the plan the weights got
     * @param shapes   the checkpoint's tensors by name (to map state indices to parameters)
     * @param out      the file to write
     * @param suffixes moment suffix to power (as for safetensors moments: {@code .exp_avg → 1}, ...)
     * @param stamp    the archive comment to write ({@link #STAMP_PREFIX} + plan hash, or empty)
     * @return how many moment tensors were transformed
     */
    public static int run(TorchArchive archive, Plan plan, Map<String, long[]> shapes, Path out, Map<String, Integer> suffixes,
                          RescaleSettings settings, String stamp) {
        Map<String, TensorFactors> moments = moments(archive, plan, shapes, suffixes);
        try (ForkJoinPool pool = new ForkJoinPool(settings.parallelism())) {
            Map<String, TorchArchive.StorageRewrite> rewrites = new LinkedHashMap<>();
            moments.forEach((storage, factors) -> rewrites.put(storage, (source, target) -> {
                Tensor tensor = new Tensor(new TensorInfo(factors.tensor(), factors.dtype(), factors.shape(), 0, source.byteSize()), source, archive.path());
                new TensorScaler(tensor, factors, settings.backend(), pool).fillAll(target, CHUNK);
            }));
            archive.rewrite(out, rewrites, stamp);
        }
        return moments.size();
    }

    /**
     * The factors of every moment storage {@link #run} rewrites (by storage key), with every check it
     * makes, writing nothing: a caller checks this before writing anything else.
     */
    public static Map<String, TensorFactors> moments(TorchArchive archive, Plan plan, Map<String, long[]> shapes, Map<String, Integer> suffixes) {
        Path path = archive.path();
        OptimizerStateDict state = OptimizerStateDict.of(archive.root(), path);
        Map<Long, String> params = OptimizerParams.resolve(state, shapes, plan.factors(), path);
        Map<String, Integer> powers = new LinkedHashMap<>();
        suffixes.forEach((suffix, power) -> powers.put(suffix.startsWith(".") ? suffix.substring(1) : suffix, power));
        Map<String, TensorFactors> moments = new LinkedHashMap<>();
        for (var entry : state.state().entrySet()) {
            String param = params.get(entry.getKey());
            if (param == null) continue;
            long[] shape = shapes.get(param);
            TensorFactors factors = plan.factors().get(param);
            for (var field : entry.getValue().entrySet()) {
                if (!(field.getValue() instanceof StoredTensor t) || t.shape().length == 0) continue;
                String name = param + "." + field.getKey();
                Integer power = powers.get(field.getKey());
                if (!Arrays.equals(t.shape(), shape)) {
                    throw OptimizerParams.bad(path, name + " has shape " + Arrays.toString(t.shape()) + ", its parameter " + Arrays.toString(shape));
                }
                if (factors == null || factors.isIdentity()) continue;
                if (power == null) {
                    throw OptimizerParams.bad(path, name + ": wisca transforms Adam's moments (" + String.join(", ", powers.keySet())
                        + ") and does not know how '" + field.getKey() + "' follows a rescaled parameter");
                }
                archive.storage(t);   // its entry's length agrees with the pickle
                if (moments.put(t.storageKey(), MomentFactors.of(factors, info(t, name, path), power)) != null) {
                    throw OptimizerParams.bad(path, name + " shares its storage with another moment");
                }
            }
        }
        return moments;
    }

    private static TensorInfo info(StoredTensor t, String name, Path path) {
        Dtype dtype = t.dtype().filter(Dtype::isFloat).orElseThrow(() ->
            OptimizerParams.bad(path, name + " is a " + t.storageType() + "; only floating-point moments can be rescaled"));
        if (!t.isWholeStorage()) throw OptimizerParams.bad(path, name + " is a view into a shared storage (" + t + "); wisca rewrites whole storages only");
        return new TensorInfo(name, dtype, t.shape(), 0, t.elementCount() * dtype.byteSize());
    }
}
