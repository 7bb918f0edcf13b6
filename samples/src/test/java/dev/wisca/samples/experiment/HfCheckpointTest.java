package dev.wisca.samples.experiment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.rescale.spec.SpecLibrary;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The written checkpoints are the model the DJL code trains, read as transformers reads them: the
 * experiment's TinyLlama (random norm gains and a non-zero LoRA B, so norm and adapter mistakes
 * show) is written as a Hugging Face folder (+ PEFT adapter), opened with wisca's f64 reference
 * forward pass (transformers' llama semantics, plain Java loops), and both give the same logits.
 */
@Tag("slow")
class HfCheckpointTest {
    private static final LlamaConfig CONFIG = new LlamaConfig(256, 32, 2, 8, 2, 48, 10000, 1e-5, 64);

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writtenCheckpointComputesWhatTheDjlModelComputes(boolean lora, @TempDir Path dir) throws Exception {
        Engine.getInstance().setRandomSeed(5);
        int rank = 4;
        TinyLlama block = new TinyLlama(CONFIG, lora ? new DecoderLayer.Lora(rank, 2.0 * rank) : null);
        int[][] tokens = {{72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100}, {3, 250, 17, 99, 0, 255, 128, 64, 32, 16, 8, 4}};
        float[] djl;
        try (NDManager m = NDManager.newBaseManager()) {
            block.initialize(m, DataType.FLOAT32, new Shape(2, tokens[0].length));
            for (var p : block.getParameters()) {
                Parameter param = p.getValue();
                NDArray a = param.getArray();
                // Gains around 1 instead of exactly 1, B non-zero: norm-folding or adapter mistakes would show.
                if (a.getShape().dimension() == 1) a.set(new NDIndex("..."), m.randomUniform(0.5f, 1.5f, a.getShape()));
                if (p.getKey().contains("lora_B")) a.set(new NDIndex("..."), m.randomNormal(0f, 0.2f, a.getShape(), DataType.FLOAT32));
            }
            long[] flat = new long[2 * tokens[0].length];
            for (int b = 0; b < 2; b++) for (int t = 0; t < tokens[0].length; t++) flat[b * tokens[0].length + t] = tokens[b][t];
            NDList out = block.forward(new ParameterStore(m, false), new NDList(m.create(flat, new Shape(2, tokens[0].length))), false);
            djl = out.head().toFloatArray();
            HfCheckpoint.writeModel(dir.resolve("model"), CONFIG, block.weights(), block.shapes());
            if (lora) HfCheckpoint.writeAdapter(dir.resolve("adapter"), rank, block.weights(), block.shapes());
        }
        try (Checkpoint base = Checkpoint.open(dir.resolve("model"))) {
            ModelSource source = ModelSource.of(base, base.configJson().orElseThrow(), SpecLibrary.builtin());
            Checkpoint adapter = lora ? Checkpoint.open(dir.resolve("adapter")) : null;
            try {
                if (lora) {
                    source = source.withAdapter(adapter, new ObjectMapper().readTree(dir.resolve("adapter/adapter_config.json").toFile()),
                        SpecLibrary.builtin());
                }
                Logits reference = ReferenceForward.open(source).logits(tokens);
                double maxDiff = 0, maxLogit = 0;
                for (int i = 0; i < djl.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(djl[i] - reference.values()[i]));
                    maxLogit = Math.max(maxLogit, Math.abs(reference.values()[i]));
                }
                assertTrue(maxLogit > 0.05, "logits too small to compare: " + maxLogit);
                assertTrue(maxDiff < 1e-4 * Math.max(1, maxLogit), "DJL model vs transformers-semantics reference: max |Δ| " + maxDiff);
            } finally {
                if (adapter != null) adapter.close();
            }
        }
    }
}
