package dev.wisca.rescale.forward;

import dev.wisca.rescale.forward.ReferenceWeights.Mat;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/**
 * The independent check: the forward pass in straightforward double loops, one sequence and one
 * position at a time, following transformers' modeling code. Holds every weight in Java arrays,
 * so it is meant for tiny models; always computes in float64 on the CPU.
 */
public final class ReferenceForward implements ForwardModel {
    private final ForwardConfig config;
    private final ReferenceWeights weights;
    private final ReferenceBlocks blocks;

    private ReferenceForward(ModelSource source) {
        this.config = ForwardConfigs.resolve(source.binding());
        this.weights = new ReferenceWeights(source);
        this.blocks = new ReferenceBlocks(config, weights);
    }

    public static ReferenceForward open(ModelSource source) { return new ReferenceForward(source); }

    @Override
    public ForwardConfig config() { return config; }

    @Override
    public Logits logits(int[][] tokens) {
        TokenChecks.check(tokens, config);
        int seq = tokens[0].length;
        int width = config.outputWidth();
        double[] out = new double[tokens.length * seq * width];
        for (int b = 0; b < tokens.length; b++) {
            double[][] x = config.encoder() != null ? EncoderEmbeddings.embed(config, weights, blocks, tokens[b]) : embed(tokens[b]);
            for (int layer = 0; layer < config.layers(); layer++) blocks.layer(x, layer);
            for (int t = 0; t < seq; t++) {
                double[] row = config.encoder() != null ? x[t] : head(x[t]);
                System.arraycopy(row, 0, out, (b * seq + t) * width, width);
            }
        }
        return new Logits(tokens.length, seq, width, out);
    }

    private double[][] embed(int[] tokens) {
        Mat embed = weights.matrix(Roles.EMBED, -1, 0);
        Mat positions = config.learnedPositions() ? weights.matrix(Roles.POSITIONS, -1, 0) : null;
        if (positions != null && tokens.length > positions.rows()) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, tokens.length
                + " tokens exceed the " + positions.rows() + " learned positions");
        }
        double[][] x = new double[tokens.length][config.hidden()];
        for (int t = 0; t < tokens.length; t++) {
            for (int i = 0; i < config.hidden(); i++) {
                x[t][i] = embed.get(tokens[t], i) * config.embedScale() + (positions == null ? 0 : positions.get(t, i));
            }
        }
        return x;
    }

    private double[] head(double[] x) {
        double[] h = blocks.norm(x, Roles.FINAL_NORM, -1);
        Mat head = config.tied() ? weights.matrix(Roles.EMBED, -1, 0) : weights.matrix(Roles.LM_HEAD, -1, 0);
        double[] logits = ReferenceMath.linear(head, h, weights.optionalVector(Roles.bias(Roles.LM_HEAD), -1).orElse(null));
        for (int v = 0; v < logits.length; v++) logits[v] = ReferenceMath.softcap(config.multipliers().logit(logits[v]), config.finalSoftcap());
        return logits;
    }

    @Override
    public void close() { }
}
