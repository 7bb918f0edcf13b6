package dev.wisca.sdk.verify;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.rescale.forward.ReferenceForwardProvider;
import dev.wisca.rescale.verify.CheckpointVerifier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full mode's measured tolerance is sound for every stored dtype: for each family SampleCheckpoints
 * writes, stored in f32, bf16 and f16, a correct rescale (every pair, per channel) with power-of-two
 * and with real scales is EQUIVALENT, and each damage of the real-scale rescale — one matrix (down, v)
 * scaled by 1.1, two KV heads of k swapped, the input norm's gain × 1.1 — is NOT EQUIVALENT (exit 1).
 * Damaging the real-scale rescale is the hard case: every rescaled tensor is re-rounded, so the
 * tolerance is as wide as it gets. (The old rule, 16·u·sqrt(2L+1) of max|logit|, let all of these
 * through in bf16.)
 */
class FullVerifyCatchesDamageTest {
    @TempDir Path dir;

    static Stream<Arguments> familiesAndDtypes() {
        return SampleCheckpoints.modelTypes().stream().flatMap(t -> Stream.of(Dtype.F32, Dtype.BF16, Dtype.F16).map(d -> Arguments.of(t, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("familiesAndDtypes")
    void correctRescalesPassAndDamagedOnesFail(String type, Dtype dtype) {
        Path a = CheckpointEdits.sample(type, dtype, dir, 5);
        Path pow2 = CheckpointEdits.rescaled(a, dir.resolve("pow2"), true);
        Path real = CheckpointEdits.rescaled(a, dir.resolve("real"), false);
        Map<String, Path> damaged = new LinkedHashMap<>();
        damaged.put("down × 1.1", CheckpointEdits.scaledRole(real, dir.resolve("down"), Roles.DOWN, 0, 1.1));
        // DeepSeek's latent attention keeps v and k_nope as row slices of kv_b
        boolean latent = type.equals("deepseek_v3");
        damaged.put("v × 1.1", CheckpointEdits.scaledRole(real, dir.resolve("v"), latent ? "v_heads" : Roles.V, 1, 1.1));
        damaged.put("k heads swapped", CheckpointEdits.swappedHeads(real, dir.resolve("swap"), 0, latent ? "k_nope" : null));
        // the attention's norm role (attn_norm; attention.output.LayerNorm in a post-LN encoder); a post-norm family
        // (OLMo 2) has no input norm: damage its attention output norm instead
        String attnNorm = CheckpointEdits.spec(a).forward().map(f -> f.attnNorm().isEmpty() ? "attn_out_norm" : f.attnNorm().getFirst())
            .orElse("attn_norm");
        damaged.put("norm gain × 1.1", CheckpointEdits.changedNormGain(real, dir.resolve("norm"), attnNorm, 1, 1.1));
        StringBuilder log = new StringBuilder(type + " " + dtype + ", worst |Δ|/tolerance:");
        for (Map.Entry<String, Path> ok : Map.of("pow2", pow2, "real", real).entrySet()) {
            VerifyReport r = full(a, ok.getValue());
            log.append(String.format(Locale.ROOT, " %s logits %.3g blocks %.3g", ok.getKey(), worst(r, true), worst(r, false)));
            assertEquals(0, r.exitCode(), type + " " + dtype + " " + ok.getKey() + " rescale: " + r.summary());
        }
        for (Map.Entry<String, Path> bad : damaged.entrySet()) {
            VerifyReport r = full(a, bad.getValue());
            log.append(String.format(Locale.ROOT, " | %s logits %.3g blocks %.3g", bad.getKey(), worst(r, true), worst(r, false)));
            assertEquals(1, r.exitCode(), type + " " + dtype + " " + bad.getKey() + " passed: " + r.summary());
        }
        System.out.println(log);
    }

    /**
     * Full mode through the plain-Java reference forward pass (fast on tiny models; DjlForward is checked against it
     * elsewhere, and {@link FullVerifyThroughTheCliTest} runs the DJL path end to end).
     */
    static VerifyReport full(Path a, Path b) {
        return CheckpointVerifier.verify(a, b, Optional.empty(), Optional.empty(), VerifyOptions.full().withTokens(VerifyOptions.DEFAULT_TOKENS, 1), CheckpointEdits.LIBRARY,
            Optional.of(new ReferenceForwardProvider(CheckpointEdits.LIBRARY)));
    }

    /** The largest |Δ|/tolerance over the logit blocks ({@code logits}) or the probe blocks. */
    static double worst(VerifyReport r, boolean logits) {
        return r.blocks().stream().filter(b -> b.block().startsWith("sequence") == logits && !b.block().contains("untouched"))
            .mapToDouble(b -> b.ratio()).max().orElse(0);
    }
}
