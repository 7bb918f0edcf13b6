package dev.wisca.rescale.forward;

import dev.wisca.rescale.forward.ReferenceWeights.Mat;
import dev.wisca.rescale.spec.Roles;

/** The reference forward pass's encoder embeddings: LayerNorm(word + token type 0 + position), see {@link Encoder}. */
final class EncoderEmbeddings {
    private EncoderEmbeddings() {}

    static double[][] embed(ForwardConfig c, ReferenceWeights w, ReferenceBlocks blocks, int[] tokens) {
        int[] positions = c.encoder().positions(tokens);
        Mat words = w.matrix(Roles.EMBED, -1, 0);
        Mat types = w.matrix(Roles.TOKEN_TYPES, -1, 0);
        Mat table = w.matrix(Roles.POSITIONS, -1, 0);
        double[][] x = new double[tokens.length][];
        for (int t = 0; t < tokens.length; t++) {
            double[] e = new double[c.hidden()];
            for (int i = 0; i < e.length; i++) e[i] = words.get(tokens[t], i) + types.get(0, i) + table.get(positions[t], i);
            x[t] = blocks.norm(e, Roles.EMBED_NORM, -1);
        }
        return x;
    }
}
