package dev.wisca.rescale.pattern;

/**
 * The L1 balance of one pair in one layer, the quantity WISCA equalizes to 1: producers (q rows,
 * v rows) against consumers (k rows, o columns), weights only (biases are not counted).
 *
 * @param producerL1      ‖W_q‖₁ or ‖W_v‖₁ (the role's rows only, for fused tensors)
 * @param consumerL1      ‖W_k‖₁ or ‖W_o‖₁
 * @param groupProducerL1 per KV group: q rows of the group's query heads, or v rows of the KV head
 * @param groupConsumerL1 per KV group: k rows of the KV head, or o columns of the group's query heads
 */
public record Balance(double producerL1, double consumerL1, double[] groupProducerL1, double[] groupConsumerL1) {
    public Balance {
        if (groupProducerL1.length != groupConsumerL1.length) throw new IllegalArgumentException("group counts differ");
        groupProducerL1 = groupProducerL1.clone();
        groupConsumerL1 = groupConsumerL1.clone();
    }

    @Override
    public double[] groupProducerL1() { return groupProducerL1.clone(); }

    @Override
    public double[] groupConsumerL1() { return groupConsumerL1.clone(); }

    /** Tensor-wise ratio producer/consumer (1 when balanced). */
    public double ratio() { return producerL1 / consumerL1; }

    /** Ratio of KV group {@code g}. */
    public double groupRatio(int g) { return groupProducerL1[g] / groupConsumerL1[g]; }

    public double[] groupRatios() {
        double[] r = new double[groupProducerL1.length];
        for (int g = 0; g < r.length; g++) r[g] = groupRatio(g);
        return r;
    }

    public int groups() { return groupProducerL1.length; }
}
