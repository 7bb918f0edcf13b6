package dev.wisca.hooks.protocol;

import dev.wisca.hooks.Fixtures;
import dev.wisca.hooks.IndexStats;
import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.StatQuery;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.hooks.protocol.Messages.StatRequest;
import dev.wisca.hooks.protocol.Messages.StatVectors;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.synth.TinyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Valid protocol messages for the tiny llama, with statistics measured from its values: the starting points of the mutation tests. */
final class ProtocolFixtures {
    static final TinyModel LLAMA = ProtocolErrorsTest.LLAMA;

    private ProtocolFixtures() {}

    static DescribeRequest describe(String dtype, OptionsEntry options) {
        List<ParameterEntry> params = LLAMA.tensors().stream().map(t -> new ParameterEntry(t.name(), dtype, t.shape())).toList();
        return new DescribeRequest(params, LLAMA.config(), null, options);
    }

    /** Stage {@code stage}'s statistics of {@code store} (no earlier factors: right for stage 0). */
    static List<StatVectors> stats(DescribeResponse d, int stage, MemoryParameterStore store) {
        List<StatVectors> out = new ArrayList<>();
        for (StatRequest r : d.stages().get(stage).requests()) {
            IndexStats s = store.statistics(new StatQuery(r.tensor(), r.batch(), Axis.valueOf(r.axis().toUpperCase(Locale.ROOT)), r.offsetGain()), null, null);
            out.add(new StatVectors(r.id(), s.sum(), s.absSum(), s.sqSum(), s.absMax()));
        }
        return out;
    }

    static MemoryParameterStore store() { return Fixtures.store(LLAMA); }
}
