package dev.wisca.rescale.graph;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.MemberRef;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;
import dev.wisca.rescale.spec.SpecJson.SiteRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/** Builds one site instance: resolves its member references, lays out channels, checks the result. */
final class SiteAssembler {
    private record Resolved(MemberRef ref, BoundRole role, int exponent) {}

    private final ModelBinding binding;
    private final SiteRule rule;
    private final Pair pair;
    private final String id;
    private final int layer;
    private final int expert;
    private final Granularity granularity;
    private final List<Resolved> resolved = new ArrayList<>();

    SiteAssembler(ModelBinding binding, SiteRule rule, Pair pair, String id, int layer, int expert, Granularity granularity) {
        this.binding = binding;
        this.rule = rule;
        this.pair = pair;
        this.id = id;
        this.layer = layer;
        this.expert = expert;
        this.granularity = pair == Pair.NORM || pair == Pair.LORA ? Granularity.CHANNEL : granularity;
    }

    /** Resolves the references; returns why the site cannot exist here, or null. */
    String collect() {
        for (String ref : rule.mul()) {
            String why = add(MemberRef.parse(ref), 1);
            if (why != null) return why;
        }
        for (String ref : rule.div()) {
            String why = add(MemberRef.parse(ref), -1);
            if (why != null) return why;
        }
        return null;
    }

    private String add(MemberRef ref, int exponent) {
        Optional<BoundRole> role = binding.role(ref.role(), layer);
        if (role.isPresent()) {
            resolved.add(new Resolved(ref, role.get(), exponent));
            return null;
        }
        return ref.optional() ? null : "role '" + ref.role() + "' is absent in this checkpoint/config";
    }

    /** Tied embeddings are never scaled from one side: such a site is skipped. */
    String tiedEmbeddingProblem() {
        if (!binding.tied()) return null;
        for (Resolved r : resolved) {
            if (r.role.tensor().isEmbedding()) {
                return "tied embedding " + r.role.tensor().template() + " would be scaled from one side only";
            }
        }
        return null;
    }

    Site site() {
        Integer channels = null;
        LinkedHashSet<Member> members = new LinkedHashSet<>();
        for (Resolved r : resolved) {
            long length = logicalLength(r);
            Layout layout = layout(length, r.role.tensor().template());
            if (channels != null && channels != layout.channels) {
                throw invalid("members disagree on the channel count (" + channels + " vs " + layout.channels + " for "
                    + r.role.tensor().template() + ")");
            }
            channels = layout.channels;
            if (r.role.tensor().perHead()) members.addAll(perHeadMembers(r, layout.channelOf));
            else for (int e : expertsOf(r.role.tensor())) members.add(member(r, length, layout.channelOf, e));
        }
        Site site = new Site(id, pair, layer, channels, List.copyOf(members));
        check(site);
        return site;
    }

    private record Layout(int channels, IntUnaryOperator channelOf) {}

    /**
     * The channel of each logical index i on the site axis (design.md, "Scale site" table). Head-structured
     * sites see i as head h = i / hd, dim d = i % hd:
     * <ul>
     * <li>GQA: query heads h of group j = h / perGroup all attend with KV head j, so a score q_h·k_j stays
     *     the same only if q_h's rows are scaled by the same s as k_j's are divided by: every query head
     *     of a group maps to its KV head's channels (kv-group granularity: one channel per group).</li>
     * <li>RoPE: the rotation mixes dims d and d + rot/2 (rotate_half) or 2i and 2i + 1 (interleaved) of a
     *     head; it commutes with a diagonal scale only if both dims of a pair get the same scale, so a
     *     pair is one channel ({@link RopePairing#channelOf}) and a head has hd - rot/2 channels; dims
     *     past rot do not rotate and keep their own.</li>
     * </ul>
     */
    private Layout layout(long length, String tensor) {
        if (granularity == Granularity.TENSOR) return new Layout(1, i -> 0);
        boolean headed = rule.group() != null || Boolean.TRUE.equals(rule.ropeTied()) || rule.headDim() != null;
        if (!headed) return new Layout(Math.toIntExact(length), i -> i);
        int hd = binding.dims().count(rule.headDim() == null ? Roles.DIM_HEAD_DIM : rule.headDim());
        if (hd == 0 || length % hd != 0) throw config(tensor + " has " + length + " entries on the site axis, not whole heads of " + hd);
        int heads = (int) (length / hd);
        int groups = rule.group() == null ? 1 : binding.dims().count(rule.group());
        if (groups == 0 || heads % groups != 0) throw config(tensor + " has " + heads + " heads, which do not split into " + groups + " groups");
        int perGroup = heads / groups;
        if (granularity == Granularity.KV_GROUP && rule.group() != null) return new Layout(groups, i -> (i / hd) / perGroup);
        int rot = Boolean.TRUE.equals(rule.ropeTied()) ? binding.rotaryDims() : 0;
        RopePairing pairing = binding.spec().ropePairing().orElse(RopePairing.ROTATE_HALF);
        int perHead = hd - rot / 2;
        IntUnaryOperator dim = rot == 0 ? d -> d : d -> pairing.channelOf(d, rot);
        return new Layout(groups * perHead, i -> ((i / hd) / perGroup) * perHead + dim.applyAsInt(i % hd));
    }

    private long logicalLength(Resolved r) {
        BoundTensor t = r.role.tensor();
        if (r.ref.axis() == Axis.COLS) {
            if (t.matrixRank() != 2) throw invalid(r.ref.role() + ".cols on a vector");
            return t.logicalCols();
        }
        if (r.ref.axis() == null && t.matrixRank() != 1) throw invalid("'" + r.ref.role() + "' is a matrix: say .rows or .cols");
        return r.role.logicalRows();
    }

    private Member member(Resolved r, long length, IntUnaryOperator channelOf, int e) {
        BoundTensor t = r.role.tensor();
        boolean cols = r.ref.axis() == Axis.COLS;
        // Conv1D stores [in, out]: logical rows are stored columns and the other way round.
        Axis stored = t.matrixRank() == 1 ? Axis.ROWS : (cols ^ t.inOut()) ? Axis.COLS : Axis.ROWS;
        long axisLength = cols ? t.logicalCols() : t.logicalRows();
        int[] map = new int[Math.toIntExact(axisLength)];
        Arrays.fill(map, -1);
        for (int i = 0; i < length; i++) {
            long p = cols ? i : r.role.rows().physical(i);
            map[(int) p] = channelOf.applyAsInt(i);
        }
        boolean offset = t.isNormGain() && binding.spec().normKind() == NormKind.RMS_OFFSET;
        return new Member(t.name(Math.max(e, 0)), t.batched() ? e : -1, stored, map, r.exponent, offset);
    }

    /** A per-head vector (one stored tensor per head): logical index h · n + d is entry d of head h's tensor. */
    private List<Member> perHeadMembers(Resolved r, IntUnaryOperator channelOf) {
        BoundTensor t = r.role.tensor();
        if (r.ref.axis() != null) throw invalid("'" + r.ref.role() + "' is a per-head vector: name it without .rows/.cols");
        int n = Math.toIntExact(t.pieceRows());
        boolean offset = t.isNormGain() && binding.spec().normKind() == NormKind.RMS_OFFSET;
        List<Member> out = new ArrayList<>();
        for (int h = 0; h < t.heads(); h++) {
            int[] map = new int[n];
            for (int d = 0; d < n; d++) map[d] = channelOf.applyAsInt(h * n + d);
            out.add(new Member(t.name(h), -1, Axis.ROWS, map, r.exponent, offset));
        }
        return out;
    }

    private List<Integer> expertsOf(BoundTensor t) {
        if (!t.perExpert() && !t.batched()) return List.of(-1);
        if (expert >= 0) return List.of(expert);
        List<Integer> all = new ArrayList<>();
        for (int e = 0; e < binding.experts(); e++) all.add(e);
        return all;
    }

    private void check(Site site) {
        int[] producers = new int[site.channels()];
        int[] consumers = new int[site.channels()];
        Map<String, boolean[]> touched = new HashMap<>();
        for (Member m : site.members()) {
            boolean[] used = touched.computeIfAbsent(m.tensor() + "#" + m.batch() + "#" + m.axis(), k -> new boolean[m.length()]);
            for (int i = 0; i < m.length(); i++) {
                int c = m.channel(i);
                if (c < 0) continue;
                if (used[i]) throw invalid(m.tensor() + " " + m.axis() + " index " + i + " belongs to two members");
                used[i] = true;
                (m.isProducer() ? producers : consumers)[c]++;
            }
        }
        for (int c = 0; c < site.channels(); c++) {
            if (producers[c] == 0 || consumers[c] == 0) {
                throw invalid("channel " + c + " has " + producers[c] + " producer and " + consumers[c] + " consumer slices");
            }
        }
    }

    private WiscaException invalid(String detail) {
        return new WiscaException(ErrorKind.INVALID_SPEC, binding.spec().source(), null, "site " + id + ": " + detail);
    }

    private WiscaException config(String detail) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "site " + id + ": " + detail + " [spec " + binding.spec().name() + "]");
    }
}
