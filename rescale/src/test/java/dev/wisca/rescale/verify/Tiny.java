package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.fixtures.SiteScaling;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.synth.TinyModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mutable copy of a tiny model's values, with the transforms the tests apply by plain loops:
 * correct site scales (the reference the verifier must accept) and slice scalings by role (to build
 * the wrong transforms it must catch).
 */
final class Tiny {
    final TinyModel model;
    final ModelBinding binding;
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final Map<String, double[]> values = new LinkedHashMap<>();

    Tiny(TinyModel model) {
        this.model = model;
        this.binding = ModelBinding.bind(model.spec(), model.config(), model.infos());
        for (TinyModel.TinyTensor t : model.tensors()) {
            shapes.put(t.name(), t.shape());
            values.put(t.name(), t.values().clone());
        }
    }

    private Tiny(Tiny other, Map<String, double[]> values) {
        this.model = other.model;
        this.binding = other.binding;
        this.shapes.putAll(other.shapes);
        values.forEach((k, v) -> this.values.put(k, v.clone()));
    }

    Tiny copy() { return new Tiny(this, values); }

    /** A copy with the values of {@code source} (e.g. after a storage round trip). */
    Tiny withValues(Map<String, double[]> v) { return new Tiny(this, v); }

    MemorySource source(Dtype dtype) { return MemorySource.of(shapes, values, dtype); }

    /** Applies s_c^e to every member slice of {@code site} (offset gains: (1 + w)·s^e − 1). */
    void apply(Site site, double[] scale) {
        for (Member m : site.members()) SiteScaling.apply(values.get(m.tensor()), shapes.get(m.tensor()), m, scale);
    }

    /** Multiplies stored slice {@code index} along {@code axis} of (batch of) a 2-D or 3-D tensor by f. */
    static void scaleSlice(double[] v, long[] shape, int batch, Axis axis, long index, double f) {
        int o = shape.length == 3 ? 1 : 0;
        long rows = shape[o];
        long cols = shape[o + 1];
        long base = o == 1 ? batch * rows * cols : 0;
        if (axis == Axis.ROWS) {
            for (long j = 0; j < cols; j++) v[(int) (base + index * cols + j)] *= f;
        } else {
            for (long r = 0; r < rows; r++) v[(int) (base + r * cols + index)] *= f;
        }
    }

    /** Multiplies logical row {@code row} of a role (through fused slices and Conv1D layout) by f. */
    void scaleRoleRow(String role, int layer, int expert, long row, double f) {
        BoundRole r = binding.role(role, layer).orElseThrow();
        BoundTensor t = r.tensor();
        String name = t.name(Math.max(expert, 0));
        long p = r.rows().physical(row);
        long[] shape = shapes.get(name);
        if (t.matrixRank() == 1) {
            values.get(name)[(int) p] *= f;
            return;
        }
        scaleSlice(values.get(name), shape, t.batched() ? expert : -1, t.inOut() ? Axis.COLS : Axis.ROWS, p, f);
    }

    /** Multiplies logical column {@code col} of a role's matrix by f. */
    void scaleRoleCol(String role, int layer, int expert, long col, double f) {
        BoundRole r = binding.role(role, layer).orElseThrow();
        BoundTensor t = r.tensor();
        String name = t.name(Math.max(expert, 0));
        scaleSlice(values.get(name), shapes.get(name), t.batched() ? expert : -1, t.inOut() ? Axis.ROWS : Axis.COLS, col, f);
    }

    long rows(String role, int layer) { return binding.role(role, layer).orElseThrow().logicalRows(); }

    long cols(String role, int layer) { return binding.role(role, layer).orElseThrow().tensor().logicalCols(); }

    int dim(String name) { return binding.dims().count(name); }

    @Override
    public String toString() { return model.toString(); }
}
