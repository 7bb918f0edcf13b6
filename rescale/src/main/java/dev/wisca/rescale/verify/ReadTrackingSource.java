package dev.wisca.rescale.verify;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A tensor source that remembers which tensors were asked for. Full mode runs the forward pass on
 * these, then refuses a checkpoint holding a tensor the forward pass never read: such a tensor takes
 * no part in the logits, so equal logits would say nothing about it, and the spec that let it
 * through (unknown to the forward pass, or bound to a role the forward pass ignores) is the very
 * thing being checked. Closing it does not close the source it wraps.
 */
final class ReadTrackingSource implements TensorSource {
    private final TensorSource source;
    private final Set<String> read = ConcurrentHashMap.newKeySet();

    ReadTrackingSource(TensorSource source) { this.source = source; }

    @Override
    public List<TensorInfo> tensors() { return source.tensors(); }

    @Override
    public Optional<Tensor> find(String name) {
        Optional<Tensor> t = source.find(name);
        t.ifPresent(x -> read.add(name));
        return t;
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = source.tensor(name);
        read.add(name);
        return t;
    }

    @Override
    public Map<String, String> metadata() { return source.metadata(); }

    @Override
    public void close() { }

    /**
     * UNCLAIMED_TENSOR naming the first tensor (in file order) the forward pass did not read;
     * {@code side} says which checkpoint ("A", "B", "adapter of A" …).
     */
    void requireAllRead(String side, String family) { requireAllRead(side, family, name -> false); }

    /** As {@link #requireAllRead(String, String)}, except for the tensors {@code unreadAllowed} accepts (an encoder's task heads). */
    void requireAllRead(String side, String family, Predicate<String> unreadAllowed) {
        for (TensorInfo t : source.tensors()) {
            if (read.contains(t.name()) || unreadAllowed.test(t.name())) continue;
            long unread = source.tensors().stream().filter(x -> !read.contains(x.name()) && !unreadAllowed.test(x.name())).count();
            throw new WiscaException(ErrorKind.UNCLAIMED_TENSOR, source.find(t.name()).map(Tensor::file).orElse(null), t.name(),
                "the " + family + " forward pass never reads this tensor of " + side + (unread > 1 ? " (one of " + unread + ")" : "")
                    + ", so equal logits would prove nothing about it; verify refuses rather than certify a checkpoint it cannot fully check"
                    + " (remove the tensor, or fix the architecture spec that lets it through)");
        }
    }
}
