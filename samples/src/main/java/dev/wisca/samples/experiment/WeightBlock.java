package dev.wisca.samples.experiment;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * A block that only holds one parameter named {@code weight} of a fixed shape; the model reads it
 * in its own forward. Gives every weight a DJL block path ({@code 02layer0_03k_proj_weight}).
 */
final class WeightBlock extends AbstractBlock {
    private final Parameter weight;

    WeightBlock(Shape shape, Initializer initializer) {
        super((byte) 1);
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
            .optShape(shape).optInitializer(initializer).build());
    }

    Parameter weight() { return weight; }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("a weight holder has no forward of its own");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) { return new Shape[] {weight.getShape()}; }
}
