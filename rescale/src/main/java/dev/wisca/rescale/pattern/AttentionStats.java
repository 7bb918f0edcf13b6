package dev.wisca.rescale.pattern;

import java.util.List;

/**
 * Head-level statistics of one attention layer. Query head {@code h} belongs to KV group
 * {@code h / (heads / kvHeads)}. A projection absent from the layer leaves its norms and the
 * balances using it {@code null}, with the reason in {@code notes}.
 *
 * @param layer   layer index
 * @param heads   query heads
 * @param kvHeads key/value heads (KV groups)
 * @param headDim head size
 * @param q       per query head: its q rows
 * @param k       per KV head: its k rows
 * @param v       per KV head: its v rows
 * @param o       per query head: its o columns
 * @param qk      q against k; {@code null} without q or k
 * @param vo      v against o; {@code null} without v or o
 * @param notes   why something is missing, or why the spec does not balance a pair here
 */
public record AttentionStats(int layer, int heads, int kvHeads, int headDim, HeadNorms q, HeadNorms k, HeadNorms v,
                             HeadNorms o, Balance qk, Balance vo, List<String> notes) {
    public AttentionStats {
        notes = List.copyOf(notes);
    }

    /** Query heads per KV head. */
    public int groupSize() { return heads / kvHeads; }
}
