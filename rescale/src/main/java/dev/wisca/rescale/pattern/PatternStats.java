package dev.wisca.rescale.pattern;

import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.pass.BlockPass;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.ModelBinding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Weight-pattern statistics of a checkpoint in one read-only parallel pass ({@link TensorScan} on
 * {@link BlockPass}, the engine of the planning statistics too): every tensor's norms
 * and non-finite counts, and per attention layer the per-head norms of q, k, v rows and o columns
 * with the Q/K and V/O L1 balances WISCA equalizes (tensor-wise and per KV group).
 */
public final class PatternStats {
    private PatternStats() {}

    /** Tensor and attention statistics, on all cores. */
    public static PatternReport compute(TensorSource source, ModelBinding binding) {
        return compute(source, Optional.of(binding), Runtime.getRuntime().availableProcessors());
    }

    /** Tensor statistics only (no architecture known), on all cores. */
    public static PatternReport compute(TensorSource source) {
        return compute(source, Optional.empty(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param binding     the architecture bound to this checkpoint, for roles, layers and heads
     * @param parallelism worker threads
     */
    public static PatternReport compute(TensorSource source, Optional<ModelBinding> binding, int parallelism) {
        return compute(source, binding, parallelism, Progress.NONE);
    }

    /** As {@link #compute(TensorSource, Optional, int)}, reporting the pass as a {@code stats} phase (bytes read, tensors done). */
    public static PatternReport compute(TensorSource source, Optional<ModelBinding> binding, int parallelism, Progress progress) {
        return compute(source, binding, parallelism, BlockPass.BLOCK_ELEMENTS, progress);
    }

    static PatternReport compute(TensorSource source, Optional<ModelBinding> binding, int parallelism, long chunkElements) {
        return compute(source, binding, parallelism, chunkElements, Progress.NONE);
    }

    static PatternReport compute(TensorSource source, Optional<ModelBinding> binding, int parallelism, long chunkElements, Progress progress) {
        String computedAt = Instant.now().toString();
        Optional<AttentionLayout.Model> layout = binding.map(AttentionLayout::of);
        Map<String, boolean[]> axes = wantedAxes(layout);
        List<TensorInfo> infos = source.tensors();
        List<ScanRequest> requests = new ArrayList<>(infos.size());
        for (TensorInfo info : infos) {
            Tensor t = source.tensor(info.name());
            boolean[] want = axes.getOrDefault(info.name(), new boolean[2]);
            requests.add(new ScanRequest(t, want[0], want[1]));
        }
        List<ScanResult> results = TensorScan.run(source, requests, parallelism, chunkElements, progress);
        Map<String, ScanResult> byName = new HashMap<>();
        List<TensorStats> tensors = new ArrayList<>(infos.size());
        Map<String, BoundTensor> roles = binding.map(ModelBinding::tensors).orElse(Map.of());
        for (int i = 0; i < infos.size(); i++) {
            TensorInfo info = infos.get(i);
            byName.put(info.name(), results.get(i));
            BoundTensor bound = roles.get(info.name());
            tensors.add(new TensorStats(info.name(), bound == null ? null : bound.role(), bound == null ? -1 : bound.layer(),
                info.dtype(), info.shape(), info.elementCount(), results.get(i).values()));
        }
        List<String> notes = new ArrayList<>();
        List<AttentionStats> attention = new ArrayList<>();
        if (layout.isPresent()) {
            notes.addAll(layout.get().notes());
            for (AttentionLayout.Layer layer : layout.get().layers()) attention.add(layerStats(layout.get(), layer, byName));
        } else {
            notes.add("no architecture bound: tensor statistics only");
        }
        return new PatternReport(binding.map(b -> b.spec().name()).orElse(null), files(source), computedAt, tensors, attention, notes);
    }

    /** Per tensor name: {stored rows wanted, stored columns wanted}. */
    private static Map<String, boolean[]> wantedAxes(Optional<AttentionLayout.Model> layout) {
        Map<String, boolean[]> axes = new LinkedHashMap<>();
        layout.ifPresent(m -> m.layers().forEach(l -> {
            for (Optional<Projection> p : List.of(l.q(), l.k(), l.v(), l.o())) {
                p.ifPresent(proj -> axes.computeIfAbsent(proj.tensor(), k -> new boolean[2])[proj.storedRows() ? 0 : 1] = true);
            }
        }));
        return axes;
    }

    private static AttentionStats layerStats(AttentionLayout.Model model, AttentionLayout.Layer layer, Map<String, ScanResult> scans) {
        List<String> notes = new ArrayList<>(layer.notes());
        HeadNorms q = heads(layer.q(), model.headDim(), scans, notes);
        HeadNorms k = heads(layer.k(), model.headDim(), scans, notes);
        HeadNorms v = heads(layer.v(), model.headDim(), scans, notes);
        HeadNorms o = heads(layer.o(), model.headDim(), scans, notes);
        int groupSize = model.heads() / model.kvHeads();
        Balance qk = q == null || k == null ? null : new Balance(q.totalL1(), k.totalL1(), grouped(q, groupSize), k.l1());
        Balance vo = v == null || o == null ? null : new Balance(v.totalL1(), o.totalL1(), v.l1(), grouped(o, groupSize));
        return new AttentionStats(layer.layer(), model.heads(), model.kvHeads(), model.headDim(), q, k, v, o, qk, vo, notes);
    }

    private static HeadNorms heads(Optional<Projection> projection, int headDim, Map<String, ScanResult> scans, List<String> notes) {
        if (projection.isEmpty()) return null;
        Projection p = projection.get();
        ScanResult scan = scans.get(p.tensor());
        AxisSums sums = scan == null ? null : p.storedRows() ? scan.rows() : scan.cols();
        if (sums == null) {
            notes.add(p.tensor() + " has no measurable values (dtype without a codec)");
            return null;
        }
        return p.heads(sums, headDim);
    }

    /** Sums consecutive runs of {@code groupSize} query heads: the query heads of each KV group. */
    private static double[] grouped(HeadNorms perQueryHead, int groupSize) {
        double[] out = new double[perQueryHead.heads() / groupSize];
        for (int h = 0; h < perQueryHead.heads(); h++) out[h / groupSize] += perQueryHead.l1(h);
        return out;
    }

    private static List<String> files(TensorSource source) {
        if (source instanceof Checkpoint c) return c.shards().stream().map(p -> p.toAbsolutePath().toString()).toList();
        return List.of();
    }
}
