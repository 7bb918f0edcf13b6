package dev.wisca.rescale.synth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.lora.LoraConfig;
import dev.wisca.rescale.lora.LoraSpec;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.SpecJson.Example;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tiny random checkpoints built from a spec alone and one of its example configs. Norm gains and
 * biases are random (not ones and zeros) so that folding and bias mistakes change outputs. Values
 * are f32-representable; {@link TinyModelFiles} writes them as Hugging Face folders.
 */
public final class TinyModels {
    private TinyModels() {}

    /** The model of {@code spec}'s example {@code example}, values drawn from {@code seed}. */
    public static TinyModel build(ArchSpec spec, String example, long seed) {
        Example ex = spec.examples().get(example);
        if (ex == null) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, spec.source(), null, "no example '" + example + "' (have "
                + spec.examples().keySet() + ")");
        }
        ModelBinding binding = ModelBinding.synthetic(spec, ex.config(), new HashSet<>(ex.variants() == null ? List.of() : ex.variants()));
        Random random = new Random(seed);
        List<TinyTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, BoundTensor> e : binding.tensors().entrySet()) {
            TensorSpec ts = new TensorSpec(e.getKey(), Dtype.F32, e.getValue().shape());
            tensors.add(new TinyTensor(ts, values(e.getValue(), spec.normKind(), ts.elementCount(), random)));
        }
        return new TinyModel(spec, example, ex.config(), tensors);
    }

    /** One model per (spec, example) of the library. */
    public static List<TinyModel> all(SpecLibrary library, long seed) {
        List<TinyModel> out = new ArrayList<>();
        for (ArchSpec spec : library.all()) {
            for (String example : spec.examples().keySet()) out.add(build(spec, example, seed++));
        }
        return out;
    }

    /**
     * The LoRA spec's example: its base model plus an adapter on every 2-D weight whose module name
     * ends with a target module, rank from {@code r} / {@code rank_pattern}, A and B both random.
     */
    public static TinyAdapter lora(SpecLibrary library, long seed) {
        LoraSpec lora = library.lora();
        var example = lora.json().example();
        ArchSpec baseSpec = library.get(example.base()).orElseThrow(() ->
            new WiscaException(ErrorKind.INVALID_SPEC, lora.source(), null, "example base '" + example.base() + "' is not a known spec"));
        TinyModel base = build(baseSpec, baseSpec.examples().keySet().iterator().next(), seed);
        LoraConfig config = LoraConfig.read(lora, example.adapterConfig());
        Random random = new Random(seed + 1);
        List<TinyTensor> tensors = new ArrayList<>();
        for (TinyTensor t : base.tensors()) {
            String name = t.name();
            if (t.shape().length != 2 || !name.endsWith(".weight")) continue;
            String module = name.substring(0, name.length() - ".weight".length());
            if (config.targets().stream().noneMatch(tm -> module.equals(tm) || module.endsWith("." + tm))) continue;
            String peftModule = (example.modulePrefix() == null ? "" : example.modulePrefix()) + module;
            int r = config.rankOf(peftModule);
            long out = t.shape()[0];
            long in = t.shape()[1];
            tensors.add(gaussian(lora.aName(peftModule), new long[] {r, in}, random));
            tensors.add(gaussian(lora.bName(peftModule), new long[] {out, r}, random));
        }
        return new TinyAdapter(base, example.adapterConfig(), tensors);
    }

    private static TinyTensor gaussian(String name, long[] shape, Random random) {
        TensorSpec ts = new TensorSpec(name, Dtype.F32, shape);
        double[] v = new double[Math.toIntExact(ts.elementCount())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * 0.5);
        return new TinyTensor(ts, v);
    }

    private static double[] values(BoundTensor t, NormKind norm, long count, Random random) {
        double[] v = new double[Math.toIntExact(count)];
        for (int i = 0; i < v.length; i++) {
            // values exactly representable in f32, so a written F32 checkpoint holds exactly these numbers
            v[i] = (float) switch (t.kind()) {
                case NORM -> norm == NormKind.RMS_OFFSET ? random.nextDouble() - 0.5 : 0.5 + random.nextDouble();
                case BIAS, NORM_BIAS -> random.nextDouble() - 0.5;
                default -> random.nextGaussian() * 0.5;
            };
        }
        return v;
    }
}
