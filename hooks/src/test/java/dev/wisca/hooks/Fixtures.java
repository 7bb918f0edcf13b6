package dev.wisca.hooks;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.synth.TinyModel;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Shared test helpers: tiny models as parameter stores, checkpoint tensors as doubles. */
public final class Fixtures {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fixtures() {}

    /** The model's tensors as F32 parameters (values copied). */
    public static MemoryParameterStore store(TinyModel model) {
        MemoryParameterStore store = new MemoryParameterStore();
        for (TinyModel.TinyTensor t : model.tensors()) store.put(t.name(), Dtype.F32, t.shape(), t.values().clone());
        return store;
    }

    /** A checkpoint's F32 tensor as doubles. */
    public static double[] values(Checkpoint ckpt, String name) {
        var tensor = ckpt.tensor(name);
        TensorInfo info = tensor.info();
        double[] out = new double[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < out.length; i++) out[i] = tensor.data().getAtIndex(F32, i);
        return out;
    }

    /** Largest |a - b| / max(|b|, tiny) over the vectors. */
    public static double relativeError(double[] a, double[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
        return worst;
    }
}
