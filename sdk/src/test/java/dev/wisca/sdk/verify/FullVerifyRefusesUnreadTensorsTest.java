package dev.wisca.sdk.verify;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * verify is independent of the spec it checks: full mode refuses (UNCLAIMED_TENSOR) a checkpoint
 * holding a tensor its forward pass never read — a LayerNorm-style bias a RMSNorm llama ignores, or
 * a tensor nobody knows — instead of certifying it, on either side.
 */
@Tag("slow")
class FullVerifyRefusesUnreadTensorsTest {
    @TempDir Path dir;

    @Test
    void aNormBiasTheForwardPassIgnoresIsRefused() {
        Path a = CheckpointEdits.sample("llama", Dtype.F32, dir, 3);
        Path b = CheckpointEdits.withExtraTensor(a, dir.resolve("bias"), "model.layers.0.input_layernorm.bias", 64);
        assertRefused(a, b, "model.layers.0.input_layernorm.bias");
        assertRefused(b, a, "model.layers.0.input_layernorm.bias");
    }

    @Test
    void anUnknownTensorIsRefused() {
        Path a = CheckpointEdits.sample("qwen2", Dtype.BF16, dir, 3);
        Path b = CheckpointEdits.withExtraTensor(a, dir.resolve("extra"), "model.extra_gate.weight", 8);
        assertRefused(b, b, "model.extra_gate.weight");
    }

    @Test
    void aPassedThroughBufferOfACausalLmIsStillRefused() {
        // only an encoder's task heads may stay unread (EncoderFullVerifyTest); a decoder's every tensor feeds its logits
        Path a = CheckpointEdits.sample("llama", Dtype.F32, dir, 3);
        Path b = CheckpointEdits.withExtraTensor(a, dir.resolve("buffer"), "model.layers.0.self_attn.rotary_emb.inv_freq", 8);
        assertRefused(b, b, "model.layers.0.self_attn.rotary_emb.inv_freq");
    }

    private static void assertRefused(Path a, Path b, String tensor) {
        WiscaException e = assertThrows(WiscaException.class, () -> Wisca.verify(a, b).full().run());
        assertEquals(ErrorKind.UNCLAIMED_TENSOR, e.kind(), e.getMessage());
        assertEquals(tensor, e.tensor().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains(tensor), e.getMessage());
    }
}
