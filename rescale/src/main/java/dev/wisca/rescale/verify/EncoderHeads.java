package dev.wisca.rescale.verify;

import dev.wisca.rescale.spec.ModelBinding;

import java.util.Set;
import java.util.function.Predicate;

/**
 * The tensors an encoder's full verify may leave unread: its task heads (pooler, masked-LM head,
 * classifier), which the spec passes through and no site touches. The forward pass stops at the
 * last hidden state; a head reads that state with weights {@link UntouchedCheck} requires
 * bit-identical in A and B, so equal hidden states and identical heads give equal head outputs.
 * Causal LMs have no such exemption: every tensor feeds their logits.
 */
final class EncoderHeads {
    private EncoderHeads() {}

    static Predicate<String> unreadAllowed(BoundPair pair, ModelBinding side) {
        boolean encoder = pair.spec().forward().map(f -> f.encoder() != null).orElse(false);
        if (!encoder) return name -> false;
        Set<String> touched = pair.touched();
        return name -> !touched.contains(name) && side.passedThrough(name);
    }
}
