package dev.wisca.rescale.apply;

import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.torch.OptimizerStateDict;
import dev.wisca.io.torch.StoredTensor;
import dev.wisca.io.torch.TorchArchive;
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
                          ApplyOptions options, String stamp) {
        Path path = archive.path();
        OptimizerStateDict state = OptimizerStateDict.of(archive.root(), path);
        Map<Long, String> params = OptimizerParams.resolve(state, shapes, plan.factors(), path);
        Map<String, Integer> powers = new LinkedHashMap<>();
        suffixes.forEach((suffix, power) -> powers.put(suffix.startsWith(".") ? suffix.substring(1) : suffix, power));
        Map<String, TorchArchive.StorageRewrite> rewrites = new LinkedHashMap<>();
        try (ForkJoinPool pool = new ForkJoinPool(options.parallelism())) {
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
                    if (power == null) {
                        if (factors == null || factors.isIdentity()) continue;
                        throw OptimizerParams.bad(path, name + ": wisca transforms Adam's moments (" + String.join(", ", powers.keySet())
                            + ") and does not know how '" + field.getKey() + "' follows a rescaled parameter");
                    }
                    if (factors == null || factors.isIdentity()) continue;
                    rewrites.put(t.storageKey(), rewrite(archive, t, name, MomentFactors.of(factors, info(t, name, path), power), options, pool));
                }
            }
            archive.rewrite(out, rewrites, stamp);
        }
        return rewrites.size();
    }

    private static TensorInfo info(StoredTensor t, String name, Path path) {
        Dtype dtype = t.dtype().filter(Dtype::isFloat).orElseThrow(() ->
            OptimizerParams.bad(path, name + " is a " + t.storageType() + "; only floating-point moments can be rescaled"));
        if (!t.isWholeStorage()) throw OptimizerParams.bad(path, name + " is a view into a shared storage (" + t + "); wisca rewrites whole storages only");
        return new TensorInfo(name, dtype, t.shape(), 0, t.elementCount() * dtype.byteSize());
    }

    private static TorchArchive.StorageRewrite rewrite(TorchArchive archive, StoredTensor t, String name, TensorFactors factors,
                                                      ApplyOptions options, ForkJoinPool pool) {
        archive.storage(t);   // checks the entry's length now, before anything is written
        return (source, target) -> {
            Tensor tensor = new Tensor(new TensorInfo(name, factors.dtype(), factors.shape(), 0, source.byteSize()), source, archive.path());
            new TensorScaler(tensor, factors, options.backend(), pool).fillAll(target, CHUNK);
        };
    }
}
