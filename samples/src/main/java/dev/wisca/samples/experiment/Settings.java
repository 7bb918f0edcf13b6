package dev.wisca.samples.experiment;

import java.nio.file.Path;

/**
 * Sizes of one experiment run.
 *
 * @param model          decoder dimensions
 * @param steps          pre-training steps per arm and seed
 * @param loraSteps      LoRA fine-tuning steps per arm and seed
 * @param batch          sequences per step
 * @param length         bytes per sequence
 * @param learningRate   AdamW peak learning rate (linear warm-up, cosine decay to 10 %)
 * @param loraLearningRate peak learning rate of the LoRA fine-tuning
 * @param warmup         warm-up steps
 * @param weightDecay    AdamW decoupled weight decay
 * @param evalEvery      steps between validation evaluations
 * @param evalWindows    validation windows per evaluation
 * @param wiscaEvery     the periodic arms' interval (the paper: 250)
 * @param loraRank       LoRA rank (alpha = 2 · rank)
 * @param seeds          seeds per arm
 */
public record Settings(LlamaConfig model, int steps, int loraSteps, int batch, int length, float learningRate,
                       float loraLearningRate, int warmup, float weightDecay, int evalEvery, int evalWindows,
                       int wiscaEvery, int loraRank, int seeds, Path out) {

    /** The documented full run (≈ 30-40 min on 2 shared cores). */
    public static Settings full(Path out) {
        return new Settings(new LlamaConfig(256, 128, 2, 8, 2, 352, 10000, 1e-5, 256), 1000, 400, 16, 64,
            3e-3f, 2e-3f, 50, 0.1f, 50, 256, 250, 8, 3, out);
    }

    /** The CI smoke run: tiny sizes, a few dozen steps, all arms, one seed. */
    public static Settings smoke(Path out) {
        return new Settings(new LlamaConfig(256, 32, 2, 8, 2, 64, 10000, 1e-5, 64), 40, 20, 4, 16,
            1e-2f, 1e-2f, 5, 0.1f, 10, 8, 10, 4, 1, out);
    }

    public Settings withSeeds(int n) {
        return new Settings(model, steps, loraSteps, batch, length, learningRate, loraLearningRate, warmup, weightDecay,
            evalEvery, evalWindows, wiscaEvery, loraRank, n, out);
    }

    public Settings withSteps(int n) {
        return new Settings(model, n, loraSteps, batch, length, learningRate, loraLearningRate, warmup, weightDecay,
            evalEvery, evalWindows, wiscaEvery, loraRank, seeds, out);
    }
}
