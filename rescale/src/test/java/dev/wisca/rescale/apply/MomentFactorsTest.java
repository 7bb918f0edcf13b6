package dev.wisca.rescale.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.fixtures.InMemoryApply;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import dev.wisca.rescale.solve.SolverOptions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MomentFactorsTest {

    @Test
    void momentsAreDividedByTheParameterFactorsToTheirPower() {
        Random random = new Random(9);
        int rows = 4, cols = 7;
        double[] r = random.doubles(rows, 0.3, 3).toArray();
        double[] c = random.doubles(cols, 0.3, 3).toArray();
        TensorFactors param = new TensorFactors("w", Dtype.BF16, new long[] {rows, cols}, r, c, true);
        try (MemorySource moments = new MemorySource()) {
            double[] m = moments.addRandom("w.exp_avg", Dtype.F32, new long[] {rows, cols}, random);
            double[] v = moments.addRandom("w.exp_avg_sq", Dtype.F64, new long[] {rows, cols}, random);
            Map<String, TensorFactors> factors = Map.of(
                "w.exp_avg", MomentFactors.of(param, moments.tensor("w.exp_avg").info(), 1),
                "w.exp_avg_sq", MomentFactors.of(param, moments.tensor("w.exp_avg_sq").info(), 2));
            Plan plan = new Plan(SolverOptions.defaults(), false, List.of(), Map.of(), factors);
            try (MemorySource out = InMemoryApply.apply(moments, plan, CpuBackend.INSTANCE)) {
                double[] m2 = out.values("w.exp_avg"), v2 = out.values("w.exp_avg_sq");
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        int e = i * cols + j;
                        assertEquals((float) (m[e] / (r[i] * c[j])), m2[e], Math.ulp((float) m2[e]));
                        assertEquals(v[e] / Math.pow(r[i] * c[j], 2), v2[e], 1e-15 * Math.abs(v2[e]));
                    }
                }
            }
        }
    }
}
