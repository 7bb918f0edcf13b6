package dev.wisca.hooks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.wisca.hooks.IndexStats;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.io.TensorSpec;
import dev.wisca.hooks.ParameterStore;
import dev.wisca.hooks.StatQuery;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Axis;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The parameters of a DJL {@link Block} as a {@link ParameterStore}. Every operation runs as NDArray
 * operations on the parameter's own device (GPU when training there), outside any gradient
 * collector, in f64, and rounds once to the parameter's dtype. Temporaries are closed at once.
 *
 * <p>{@link #scaleMoments} keeps the optimizer consistent with the new weights: the pending
 * gradient (DJL calls {@code onTrainingBatch} after backward and before {@code trainer.step()}) and
 * the optimizer moments become {@code g·f}, {@code m·f}, {@code v·f²} with {@code f = 1/(r·c)} per
 * element, or the moments are reset, as {@link OptimizerMoments} says. Single-device training: the
 * parameter's array is the one the optimizer updates.
 */
public final class DjlParameterStore implements ParameterStore {
    private final Map<String, Parameter> parameters;
    private final OptimizerMoments moments;

    private DjlParameterStore(Map<String, Parameter> parameters, OptimizerMoments moments) {
        this.parameters = parameters;
        this.moments = moments;
    }

    /**
     * The initialized parameters of {@code block}, named by {@code renaming} applied to DJL's path
     * ({@link ParameterRenaming}); a parameter renamed to null is left out (e.g. a frozen base model
     * under LoRA adapters); two paths renamed to one name are refused.
     */
    public static DjlParameterStore of(Block block, Function<String, String> renaming, OptimizerMoments moments) {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (renaming.apply(p.getKey()) == null) continue;
            if (!p.getValue().isInitialized()) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.getKey(), "parameter is not initialized (call trainer.initialize first)");
            }
            String name = renaming.apply(p.getKey());
            if (name == null) continue;
            if (byName.putIfAbsent(name, p.getValue()) != null) {
                throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, null, name, "two DJL parameters are renamed to this name (" + p.getKey() + ")");
            }
        }
        return new DjlParameterStore(Collections.unmodifiableMap(byName), moments);
    }

    /** Parameters by spec name. */
    public Map<String, Parameter> byName() { return parameters; }

    public OptimizerMoments moments() { return moments; }

    @Override
    public List<TensorSpec> parameters() {
        List<TensorSpec> out = new ArrayList<>();
        parameters.forEach((name, p) -> out.add(new TensorSpec(name, dtype(name, p.getArray().getDataType()), p.getArray().getShape().getShape())));
        return out;
    }

    @Override
    public IndexStats statistics(StatQuery q, double[] rows, double[] cols) {
        NDArray array = array(q.tensor());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Shape shape = array.getShape();
            NDArray m = FactorArrays.asMatrix(array.toType(DataType.FLOAT64, false));
            if (q.offsetGain()) m = m.add(1.0);
            if (rows != null) m = m.mul(FactorArrays.column(array.getManager(), shape, rows));
            if (cols != null && !q.offsetGain()) m = m.mul(FactorArrays.row(array.getManager(), shape, cols));
            if (shape.dimension() == 3) {
                if (q.batch() < 0 || q.batch() >= shape.get(0)) {
                    throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, q.tensor(), "batch " + q.batch() + " outside " + shape.get(0));
                }
                m = m.get(q.batch());
            }
            int reduce = q.axis() == Axis.ROWS ? 1 : 0;
            NDArray abs = m.abs();
            return new IndexStats(m.sum(new int[] {reduce}).toDoubleArray(), abs.sum(new int[] {reduce}).toDoubleArray(),
                m.square().sum(new int[] {reduce}).toDoubleArray(), abs.max(new int[] {reduce}).toDoubleArray());
        }
    }

    @Override
    public void scale(String name, double[] rows, double[] cols, boolean offsetGain) {
        NDArray array = array(name);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray f = FactorArrays.outer(array.getManager(), array.getShape(), rows, cols);
            if (offsetGain) {
                OptimizerMoments.overwrite(array, array.toType(DataType.FLOAT64, false).add(1.0).mul(f).sub(1.0));
            } else {
                OptimizerMoments.scaleInPlace(array, f);
            }
        }
    }

    /** Scales the pending gradient by {@code f} and transforms (or resets) the optimizer moments. */
    @Override
    public MomentUpdate scaleMoments(String name, double[] momentRows, double[] momentCols) {
        Parameter p = parameter(name);
        NDArray array = p.getArray();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray f = FactorArrays.outer(array.getManager(), array.getShape(), momentRows, momentCols);
            if (array.hasGradient()) OptimizerMoments.scaleInPlace(array.getGradient(), f);
            return moments.update(p.getId(), f);
        }
    }

    private NDArray array(String name) { return parameter(name).getArray(); }

    private Parameter parameter(String name) {
        Parameter p = parameters.get(name);
        if (p == null) throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "no such parameter in the DJL block (check the renaming)");
        return p;
    }

    private static Dtype dtype(String name, DataType type) {
        return switch (type) {
            case FLOAT32 -> Dtype.F32;
            case FLOAT64 -> Dtype.F64;
            case FLOAT16 -> Dtype.F16;
            case BFLOAT16 -> Dtype.BF16;
            default -> throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, null, name, "parameters of type " + type + " cannot be rescaled");
        };
    }
}
