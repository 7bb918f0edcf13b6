package dev.wisca.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Model#refactorLora} did.
 *
 * @param refactored the LoRA modules whose A/B pair was replaced by its balanced refactorization
 * @param skipped    modules copied unchanged, with why (a fresh adapter's B = 0)
 */
public record RefactoredAdapter(List<String> refactored, Map<String, String> skipped) {
    public RefactoredAdapter {
        refactored = List.copyOf(refactored);
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));   // in the adapter's order
    }
}
