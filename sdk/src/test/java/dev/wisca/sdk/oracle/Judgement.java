package dev.wisca.sdk.oracle;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the oracle's {@code check} answer must say for wisca's output to pass: it loads strictly (no
 * missing, unexpected or mismatched keys), holds the same tensor names, every tensor outside the plan
 * is bit-identical, and transformers' float64 logits differ from the original's by at most
 * {@code relTol · max(1, max |logit|)}.
 */
record Judgement(double maxAbsDiff, double maxAbs, double bound, List<String> problems) {
    /** Relative logit tolerance for weights stored in f32 (measured worst case about 2e-6). */
    static final double F32 = 1e-4;
    /** Relative logit tolerance for bf16 weights, each re-rounded once to 8 mantissa bits. */
    static final double BF16 = 5e-2;

    static double tolerance(String dtype) { return dtype.equals("bf16") ? BF16 : F32; }

    static Judgement of(JsonNode answer, double relTol) {
        List<String> problems = new ArrayList<>();
        for (String key : List.of("missing_keys", "unexpected_keys", "mismatched_keys", "key_diff", "changed_untouched")) {
            if (!answer.path(key).isEmpty()) problems.add(key + " " + answer.get(key));
        }
        double diff = answer.get("max_abs_diff").asDouble();
        double max = answer.get("max_abs").asDouble();
        return new Judgement(diff, max, relTol * Math.max(1, max), problems);
    }

    boolean withinTolerance() { return maxAbsDiff <= bound; }

    void assertPasses(String what) {
        assertTrue(problems.isEmpty(), what + ": " + String.join("; ", problems));
        assertTrue(withinTolerance(), what + ": transformers' logits differ by " + maxAbsDiff + " > " + bound + " (max |logit| " + maxAbs + ")");
    }
}
