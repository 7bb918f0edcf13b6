package dev.wisca.rescale.plan;

import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.solve.SiteSolution;
import dev.wisca.rescale.stats.FactorLookup;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accumulates site solutions into per-tensor factor vectors (the product over every site touching
 * a tensor). Doubles as the prior factors of the next solving stage. Not thread-safe.
 */
public final class FactorTable implements FactorLookup {
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final Map<String, TensorFactors> factors = new LinkedHashMap<>();

    public FactorTable(TensorSource source) {
        for (TensorInfo info : source.tensors()) infos.put(info.name(), info);
    }

    /** Multiplies every member slice of the solution's site by its channel's scale to the member's exponent. */
    public void add(SiteSolution solution) {
        double[] scales = solution.scales();
        for (Member m : solution.site().members()) {
            TensorInfo info = infos.get(m.tensor());
            if (info == null) throw new IllegalArgumentException("no tensor " + m.tensor());
            TensorFactors f = factors.computeIfAbsent(m.tensor(),
                t -> TensorFactors.ones(t, info.dtype(), info.shape(), m.offsetGain()));
            double[] target = m.axis() == Axis.ROWS ? f.rowsView() : f.colsView();
            int base = m.batch() < 0 ? 0 : m.batch() * m.length();
            for (int i = 0; i < m.length(); i++) {
                int c = m.channel(i);
                if (c < 0) continue;
                if (m.exponent() > 0) target[base + i] *= scales[c];
                else target[base + i] /= scales[c];
            }
        }
    }

    @Override
    public double[] rows(String tensor) {
        TensorFactors f = factors.get(tensor);
        return f == null ? null : f.rowsView();
    }

    @Override
    public double[] cols(String tensor) {
        TensorFactors f = factors.get(tensor);
        return f == null ? null : f.colsView();
    }

    /** The factors of every touched tensor except those left at exactly 1. */
    public Map<String, TensorFactors> factors() {
        Map<String, TensorFactors> out = new LinkedHashMap<>();
        factors.forEach((name, f) -> { if (!f.isIdentity()) out.put(name, f); });
        return out;
    }
}
