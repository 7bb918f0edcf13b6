package dev.wisca.sdk;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;

import java.nio.file.Path;
import java.util.List;

/**
 * Tiny random checkpoints of every supported architecture, written as Hugging Face folders
 * (config.json + model.safetensors, F32). Norm gains and biases are random, so any mistake in a
 * transform shows in the outputs. For demos, tests and trying wisca without downloading a model.
 */
public final class SampleCheckpoints {
    private SampleCheckpoints() {}

    /** The model types a sample can be written for. */
    public static List<String> modelTypes() {
        return SpecLibrary.builtin().modelTypes();
    }

    /** Writes the default tiny model of {@code modelType} (e.g. {@code llama}: 4 query heads, 2 KV heads) into {@code dir}. */
    public static Path write(String modelType, Path dir, long seed) {
        SpecLibrary library = SpecLibrary.builtin();
        ArchSpec spec = library.get(modelType).orElseThrow(() -> new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null,
            "no sample for '" + modelType + "'; known: " + String.join(", ", library.modelTypes())));
        String example = spec.examples().containsKey("default") ? "default" : spec.examples().keySet().iterator().next();
        return TinyModelFiles.write(TinyModels.build(spec, example, seed), dir);
    }

    /** Writes a tiny base model ({@code base/}) and a PEFT LoRA adapter for it ({@code adapter/}) under {@code dir}. */
    public static Path writeLora(Path dir, long seed) {
        var adapter = TinyModels.lora(SpecLibrary.builtin(), seed);
        TinyModelFiles.write(adapter.base(), dir.resolve("base"));
        TinyModelFiles.writeAdapter(adapter, dir.resolve("adapter"));
        return dir;
    }
}
