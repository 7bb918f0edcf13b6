package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.spec.Roles;

/** An encoder's embeddings on NDArrays: LayerNorm(word + token type 0 + position) (see {@code forward.Encoder}). */
final class DjlEncoder {
    private DjlEncoder() {}

    /** [batch, seq, hidden] embeddings of {@code tokens}, from weights read into {@code w}. */
    static NDArray embed(ForwardConfig c, DjlBlocks blocks, DjlWeights w, NDManager scope, int[][] tokens) {
        int seq = tokens[0].length;
        long[] ids = new long[tokens.length * seq];
        long[] positions = new long[ids.length];
        for (int b = 0; b < tokens.length; b++) {
            int[] p = c.encoder().positions(tokens[b]);
            for (int t = 0; t < seq; t++) {
                ids[b * seq + t] = tokens[b][t];
                positions[b * seq + t] = p[t];
            }
        }
        Shape shape = new Shape(tokens.length, seq);
        NDArray words = w.matrix(Roles.EMBED, -1, 0).get(new NDIndex("{}", scope.create(ids, shape)));
        NDArray types = w.matrix(Roles.TOKEN_TYPES, -1, 0).get("0");
        NDArray table = w.matrix(Roles.POSITIONS, -1, 0).get(new NDIndex("{}", scope.create(positions, shape)));
        return blocks.norm(words.add(types).add(table), w, Roles.EMBED_NORM, -1);
    }

    /** [seq, seq] zeros: no position is masked (bidirectional attention, no padding). */
    static NDArray noMask(NDManager call, int seq, ai.djl.ndarray.types.DataType type) {
        return call.zeros(new Shape(seq, seq), type);
    }
}
