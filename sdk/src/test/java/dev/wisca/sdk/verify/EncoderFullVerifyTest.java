package dev.wisca.sdk.verify;

import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.verify.ComparedOutput;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.trust.HfCheckpoints;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full verify of encoders as transformers writes them with a task head (BertForMaskedLM,
 * RobertaForMaskedLM): the forward pass compares last_hidden_state and leaves the passed-through
 * masked-LM head unread, so the head must be certified by the untouched-tensor check instead: a
 * correct rescale is EQUIVALENT, a damaged encoder tensor or a damaged head tensor is NOT EQUIVALENT. The report
 * (summary, tolerance rule, JSON {@code "output"}) names last_hidden_state as the compared output.
 */
class EncoderFullVerifyTest {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"bert, cls.predictions.transform.dense.weight", "roberta, lm_head.dense.weight"})
    void rescaledEncodersPassAndDamageToTheEncoderOrItsHeadFails(String family, String head) {
        HfCheckpoints.write(dir, List.of(family));
        Path a = dir.resolve(family);
        Path real = CheckpointEdits.rescaled(a, dir.resolve("real"), false);
        VerifyReport ok = FullVerifyCatchesDamageTest.full(a, real);
        assertEquals(0, ok.exitCode(), family + " rescale: " + ok.summary());
        assertTrue(ok.blocks().stream().anyMatch(b -> b.block().startsWith("sequence")), ok.summary());
        // what was compared is named as what it is: last_hidden_state, never logits (an encoder has none here)
        assertEquals(ComparedOutput.LAST_HIDDEN_STATE, ok.output());
        assertTrue(ok.summary().startsWith("EQUIVALENT (full, " + family + ", last_hidden_state, ")
            && ok.summary().contains("tolerance |Δlast_hidden_state| ≤ "), ok.summary());
        assertTrue(ok.tolerance().startsWith("last_hidden_state: measured: |Δlast_hidden_state| ≤ "), ok.tolerance());
        for (String text : List.of(ok.summary(), ok.tolerance(), ok.toJson())) assertFalse(text.contains("logit"), text);
        assertEquals("last_hidden_state", ok.toJsonTree().get("output").asText());
        assertTrue(ok.argmaxAgreement().isEmpty() && ok.toJsonTree().get("argmax_agreement").isNull(), "no top-1 token in a hidden state");

        VerifyReport v = FullVerifyCatchesDamageTest.full(a, CheckpointEdits.scaledRole(real, dir.resolve("v"), Roles.V, 1, 1.1));
        assertEquals(1, v.exitCode(), family + " v × 1.1 passed: " + v.summary());
        VerifyReport h = FullVerifyCatchesDamageTest.full(a, CheckpointEdits.scaledTensor(real, dir.resolve("head"), head, 1.1));
        assertEquals(1, h.exitCode(), family + " " + head + " × 1.1 passed: " + h.summary());
        assertTrue(h.summary().contains(head), h.summary());
    }
}
