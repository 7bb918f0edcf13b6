package dev.wisca.rescale.plan;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.util.Arrays;

/** Checks a plan.json tensor entry before anything is sized from it: name, shape, and the factor lengths it implies. */
final class PlanShapes {
    private PlanShapes() {}

    /**
     * The rows and cols lengths {@link TensorFactors} expects for {@code entry}'s shape, computed without
     * overflow and at most {@code maxVector} each.
     *
     * @throws WiscaException INVALID_PLAN for a missing name or shape, a rank other than 1 to 3, a negative
     *                        dimension, or lengths past {@code maxVector}
     */
    static long[] factorLengths(PlanJson.TensorEntry entry, Path jsonFile, int maxVector) {
        if (entry == null || entry.name() == null || entry.shape() == null) {
            throw PlanJson.invalid(jsonFile, "every tensor entry needs a name and a shape");
        }
        long[] shape = entry.shape();
        if (shape.length < 1 || shape.length > 3) throw invalid(entry, jsonFile, "rank " + shape.length + " tensors cannot be scaled");
        for (long d : shape) if (d < 0) throw invalid(entry, jsonFile, "negative dimension in " + Arrays.toString(shape));
        try {
            long rows = switch (shape.length) {
                case 1, 2 -> shape[0];
                default -> Math.multiplyExact(shape[0], shape[1]);
            };
            long cols = switch (shape.length) {
                case 1 -> 1;
                case 2 -> shape[1];
                default -> Math.multiplyExact(shape[0], shape[2]);
            };
            if (rows > maxVector || cols > maxVector) {
                throw invalid(entry, jsonFile, "shape " + Arrays.toString(shape) + " needs more than " + maxVector + " factors per side");
            }
            return new long[] {rows, cols};
        } catch (ArithmeticException e) {
            throw invalid(entry, jsonFile, "shape " + Arrays.toString(shape) + " overflows");
        }
    }

    private static WiscaException invalid(PlanJson.TensorEntry entry, Path jsonFile, String why) {
        return new WiscaException(ErrorKind.INVALID_PLAN, jsonFile, entry.name(), why);
    }
}
