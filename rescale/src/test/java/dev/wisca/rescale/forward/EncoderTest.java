package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.synth.TinyModel;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder mode of the reference forward pass (transformers' last_hidden_state judges it in
 * sdk's TransformersOracleTest): attention sees later positions, the output is the hidden state,
 * RoBERTa's position ids skip pad tokens, and what it does not implement is refused.
 */
class EncoderTest {
    @Test
    void attentionIsBidirectionalAndTheOutputIsTheHiddenState() {
        int[][] tokens = {{5, 9, 33, 2, 7, 63}};
        int[][] lastChanged = {{5, 9, 33, 2, 7, 64}};
        for (String family : new String[] {"bert", "roberta"}) {
            Logits a = output(family, c -> { }, tokens);
            Logits b = output(family, c -> { }, lastChanged);
            assertEquals(64, a.vocab(), family + ": one hidden state (hidden_size 64) per position, not vocabulary logits");
            double d = 0;
            for (int i = 0; i < a.vocab(); i++) d = Math.max(d, Math.abs(a.get(0, 0, i) - b.get(0, 0, i)));
            assertTrue(d > 1e-4, family + ": position 0 must see the last token (no causal mask), moved by " + d);
        }
    }

    @Test
    void robertaPositionsStartAfterPaddingAndPadTokensKeepPaddingIdx() {
        assertArrayEquals(new int[] {2, 1, 3, 1, 4}, new Encoder(true, 1, 20).positions(new int[] {5, 1, 7, 1, 9}));
        assertArrayEquals(new int[] {0, 1, 2, 3}, new Encoder(false, -1, 20).positions(new int[] {5, 1, 7, 1}));
        // 4 non-pad tokens after padding_idx 1 need position 5: a table of 5 rows is too short, one of 6 is enough
        assertEquals(5, new Encoder(true, 1, 6).positions(new int[] {4, 4, 4, 4})[3]);
        WiscaException e = assertThrows(WiscaException.class, () -> new Encoder(true, 1, 5).positions(new int[] {4, 4, 4, 4}));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    }

    @Test
    void decoderAndCrossAttentionConfigsAreRefused() {
        for (String flag : new String[] {"is_decoder", "add_cross_attention"}) {
            WiscaException e = assertThrows(WiscaException.class, () -> output("bert", c -> c.put(flag, true), new int[][] {{1, 2}}));
            assertEquals(ErrorKind.INVALID_CONFIG, e.kind(), flag);
            assertTrue(e.getMessage().contains(flag), e.getMessage());
        }
    }

    private static Logits output(String type, Consumer<ObjectNode> edit, int[][] tokens) {
        TinyModel model = TestModels.model(type, "default", 7);
        ObjectNode config = model.config().deepCopy();
        edit.accept(config);
        ModelSource plain = TestModels.source(model, Dtype.F32);
        ModelSource source = new ModelSource(plain.weights(), ModelBinding.bind(model.spec(), config, plain.weights().tensors()), Optional.empty());
        try (ReferenceForward f = ReferenceForward.open(source)) {
            return f.logits(tokens);
        }
    }
}
