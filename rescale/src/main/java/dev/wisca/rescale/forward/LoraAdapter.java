package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.lora.LoraConfig;
import dev.wisca.rescale.lora.LoraSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Arrays;

/**
 * A PEFT LoRA adapter applied to a base model: a base weight W [out, in] of module m becomes
 * W + scaling(m) · B A with A = m.lora_A [r, in], B = m.lora_B [out, r] (for Conv1D weights stored
 * [in, out] the same holds in logical orientation). PEFT names modules with a wrapper prefix
 * ({@code base_model.model.}); an adapter module matches the base module it ends with.
 *
 * @param tensors the adapter's tensors (adapter_model.safetensors), kept open by the caller
 * @param config  adapter_config.json as read through the LoRA spec
 * @param spec    the LoRA spec (factor name templates)
 */
public record LoraAdapter(TensorSource tensors, LoraConfig config, LoraSpec spec, List<String> modules) {
    /**
     * PEFT wraps nn.Linear / Conv1D modules whose parameter is {@code <module>.weight}; this suffix is
     * the one tensor-name fragment the forward pass knows, to go from a base weight to its module.
     */
    static final String WEIGHT_SUFFIX = ".weight";

    /** One module's factors and scaling. */
    public record Factors(String module, String a, String b, int rank, double scaling) {}

    public LoraAdapter {
        modules = List.copyOf(modules);
    }

    /** Reads an adapter; INVALID_CONFIG for DoRA (not implemented) and for a bad rank. */
    public static LoraAdapter of(TensorSource tensors, JsonNode adapterConfig, LoraSpec spec) {
        LoraConfig config = LoraConfig.read(spec, adapterConfig);
        if (config.dora()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "DoRA adapters (use_dora) are not supported by the reference forward pass");
        }
        List<String> modules = new ArrayList<>();
        for (TensorInfo t : tensors.tensors()) {
            if (t.name().endsWith(spec.aSuffix())) modules.add(t.name().substring(0, t.name().length() - spec.aSuffix().length()));
        }
        return new LoraAdapter(tensors, config, spec, modules);
    }

    /** The factors that modify the base tensor {@code baseName}, if any. */
    public Optional<Factors> factors(String baseName) {
        if (!baseName.endsWith(WEIGHT_SUFFIX)) return Optional.empty();
        String base = baseName.substring(0, baseName.length() - WEIGHT_SUFFIX.length());
        String match = null;
        for (String m : modules) {
            if (m.equals(base) || m.endsWith("." + base)) {
                if (match != null) {
                    throw new WiscaException(ErrorKind.INVALID_CONFIG, null, baseName, "adapter modules " + match + " and " + m + " both match");
                }
                match = m;
            }
        }
        if (match == null) return Optional.empty();
        String a = spec.aName(match);
        String b = spec.bName(match);
        long[] aShape = tensors.tensor(a).shape();
        long[] bShape = tensors.tensor(b).shape();
        int rank = config.rankOf(match);
        if (aShape.length != 2 || bShape.length != 2 || aShape[0] != rank || bShape[1] != rank) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, a, "LoRA factors of shapes " + Arrays.toString(aShape)
                + " and " + Arrays.toString(bShape) + " do not have rank " + rank + " from adapter_config.json");
        }
        return Optional.of(new Factors(match, a, b, rank, config.scaling(match)));
    }
}
