package dev.wisca.rescale.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;

/** A batch whose logits would not fit one forward pass's output is refused before any weight is read, naming the settings. */
class TokenChecksTest {
    @Test
    void moreOutputsThanAForwardPassReturnsAreRefused() {
        ForwardConfig config = ForwardConfigs.resolve(TestModels.source(TestModels.model("llama", "default", 3), Dtype.F32).binding());
        int positions = (int) (TokenChecks.MAX_OUTPUTS / config.outputWidth());
        TokenChecks.check(new int[positions][1], config);   // exactly the most: accepted
        WiscaException e = assertThrows(WiscaException.class, () -> TokenChecks.check(new int[positions + 1][1], config));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("setting 'sequences'") && e.getMessage().contains("setting 'tokens'"), e.getMessage());
    }
}
