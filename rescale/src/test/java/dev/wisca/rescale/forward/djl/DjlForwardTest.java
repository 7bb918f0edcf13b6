package dev.wisca.rescale.forward.djl;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.forward.ForwardOptions;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.forward.ProbeInputs;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.rescale.forward.TestModels;
import dev.wisca.rescale.spec.ArchSpec;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static dev.wisca.rescale.forward.TestModels.assertClose;

/** DJL logits equal the plain-Java reference's for every family's tiny random model. */
@Tag("slow")
class DjlForwardTest {
    @TestFactory
    List<DynamicTest> everyFamilyMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ArchSpec spec : TestModels.LIBRARY.all()) {
            for (String example : spec.examples().keySet()) {
                tests.add(DynamicTest.dynamicTest(spec.name() + "/" + example, () -> {
                    ModelSource source = TestModels.source(TestModels.model(spec.name(), example, 11), Dtype.F32);
                    compare(source, spec.name() + "/" + example);
                }));
            }
        }
        return tests;
    }

    /** Reference vs DJL F64 (1e-9) and DJL F32 (1e-4) on 3 × 16 probe tokens. */
    static void compare(ModelSource source, String what) {
        try (ReferenceForward reference = ReferenceForward.open(source);
             DjlForward f64 = DjlForward.open(source);
             DjlForward f32 = DjlForward.open(source, ForwardOptions.defaults().with(Precision.F32))) {
            int[][] tokens = ProbeInputs.tokens(reference.config().vocab(), 5);
            Logits expected = reference.logits(tokens);
            assertClose(expected, f64.logits(tokens), 1e-9, what + " f64");
            assertClose(expected, f32.logits(tokens), 1e-4, what + " f32");
        }
    }
}
