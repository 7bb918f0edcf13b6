package dev.wisca.hooks.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.optimizer.Sgd;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * The per-parameter state of a DJL optimizer. DJL's {@link Adam} and {@link AdamW} keep their
 * moments in private fields ({@code means}, {@code variances}: parameter id → device → array) with
 * no accessor, {@link Sgd} its momentum in {@code momentumStates}; this class reaches them by
 * reflection (allowed for class-path code) and either transforms them consistently with a rescale
 * ({@link Policy#TRANSFORM}: first moment × f, second × f², where f = 1/(row·col factor) of the
 * element) or drops them so the optimizer starts that parameter from zero state
 * ({@link Policy#RESET}; DJL counts steps globally, so bias correction is not restarted).
 * An optimizer whose state this class does not know is refused when the listener is built.
 */
public final class OptimizerMoments {
    /** What to do with a rescaled parameter's optimizer state. */
    public enum Policy { TRANSFORM, RESET }

    private final Optimizer optimizer;
    private final Policy policy;
    private final Map<String, Map<Device, NDArray>> first;
    private final Map<String, Map<Device, NDArray>> second;

    private OptimizerMoments(Optimizer optimizer, Policy policy,
                             Map<String, Map<Device, NDArray>> first, Map<String, Map<Device, NDArray>> second) {
        this.optimizer = optimizer;
        this.policy = policy;
        this.first = first;
        this.second = second;
    }

    /** A stateless optimizer (or none): nothing to keep consistent. */
    public static OptimizerMoments none() { return new OptimizerMoments(null, Policy.TRANSFORM, null, null); }

    /** The state of {@code optimizer} (Adam, AdamW, Sgd); throws for optimizers whose state is unknown. */
    public static OptimizerMoments of(Optimizer optimizer, Policy policy) {
        if (optimizer == null) return none();
        Class<?> type = optimizer.getClass();
        if (type == Adam.class || type == AdamW.class) {
            return new OptimizerMoments(optimizer, policy, state(optimizer, type, "means"), state(optimizer, type, "variances"));
        }
        if (type == Sgd.class) return new OptimizerMoments(optimizer, policy, state(optimizer, type, "momentumStates"), null);
        throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "the hook cannot reach the state of optimizer "
            + type.getName() + ": use DJL's Adam, AdamW or Sgd, whose moments it transforms (or resets)");
    }

    public Policy policy() { return policy; }

    /** Transforms (or resets) the state of parameter {@code id}; {@code factors} is f64, shaped like the parameter. */
    MomentUpdate update(String id, NDArray factors) {
        if (first == null || !first.containsKey(id)) return MomentUpdate.NONE;
        if (policy == Policy.RESET) {
            first.remove(id);
            if (second != null) second.remove(id);
            return MomentUpdate.RESET;
        }
        for (NDArray m : first.get(id).values()) scaleInPlace(m, factors);
        if (second != null && second.containsKey(id)) {
            NDArray squared = factors.square();
            for (NDArray v : second.get(id).values()) scaleInPlace(v, squared);
        }
        return MomentUpdate.SCALED;
    }

    /** {@code a ← round(a · f)} computed in f64 and rounded once to a's dtype, on a's device. */
    static void scaleInPlace(NDArray a, NDArray f64) {
        NDArray f = f64.getDevice().equals(a.getDevice()) ? f64 : f64.toDevice(a.getDevice(), false);
        overwrite(a, a.toType(DataType.FLOAT64, false).mul(f));
    }

    /**
     * Writes {@code values} (any float type) into {@code a} in place, rounding once to a's dtype.
     * An indexed put, not {@code copyTo}: in DJL's PyTorch engine {@code copyTo} makes the target
     * alias a temporary direct buffer (no copy), which is freed later under the live tensor.
     */
    static void overwrite(NDArray a, NDArray values) {
        a.set(new NDIndex("..."), values.toType(a.getDataType(), false));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<Device, NDArray>> state(Optimizer optimizer, Class<?> type, String field) {
        try {
            Field f = type.getDeclaredField(field);
            f.setAccessible(true);
            return (Map<String, Map<Device, NDArray>>) f.get(optimizer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "cannot reach " + type.getSimpleName() + "." + field
                + " (this DJL version keeps the optimizer state elsewhere): " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return optimizer == null ? "no optimizer state" : optimizer.getClass().getSimpleName() + " moments (" + policy + ")";
    }
}
