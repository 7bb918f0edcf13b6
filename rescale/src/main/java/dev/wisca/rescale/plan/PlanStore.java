package dev.wisca.rescale.plan;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.solve.SiteReport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan on disk: a folder with {@code plan.json} (options, reports, fingerprint, hash) and
 * {@code plan.safetensors} (F64 vectors {@code <tensor>::rows}, {@code <tensor>::cols},
 * {@code site::<id>}). Loading checks structure, lengths and hash; loading against a checkpoint
 * also checks every planned tensor's dtype and shape. Any mismatch is {@link ErrorKind#INVALID_PLAN}.
 */
public final class PlanStore {
    public static final String JSON = "plan.json";
    public static final String VECTORS = "plan.safetensors";
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /**
     * Longest scale vector a plan may hold (16 Mi factors, 128 MiB): far above any tensor's rows or
     * columns (a 256-expert MoE stacks under 2 Mi rows), and low enough that a forged length cannot
     * run the heap out.
     */
    static final int MAX_VECTOR = 1 << 24;
    /** All vectors together (1 GiB of doubles). */
    static final long MAX_TOTAL = 1L << 27;
    /** Largest plan.json read (a plan with a hundred thousand sites takes a few MB). */
    static final long MAX_JSON_BYTES = 256L << 20;

    private PlanStore() {}

    public static void save(Plan plan, Path folder) {
        Map<String, double[]> vectors = new LinkedHashMap<>();
        plan.factors().values().forEach(f -> {
            vectors.put(rowsName(f.tensor()), f.rowsView());
            vectors.put(colsName(f.tensor()), f.colsView());
        });
        plan.siteScales().forEach((id, s) -> vectors.put(siteName(id), s));
        List<TensorSpec> specs = new ArrayList<>();
        vectors.forEach((name, v) -> specs.add(new TensorSpec(name, Dtype.F64, new long[] {v.length})));
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot create the plan folder: " + e, e);
        }
        try (Arena arena = Arena.ofConfined();
             SafetensorsWriter writer = SafetensorsWriter.create(folder.resolve(VECTORS), specs, Map.of("format", PlanJson.FORMAT))) {
            for (TensorSpec spec : writer.fileOrder()) {
                double[] v = vectors.get(spec.name());
                MemorySegment bytes = arena.allocate(8L * v.length, 8);
                for (int i = 0; i < v.length; i++) bytes.setAtIndex(F64, i, v[i]);
                writer.write(spec.name(), bytes);
            }
            writer.commit();
        }
        try {
            Files.writeString(folder.resolve(JSON), PlanJson.write(plan), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder.resolve(JSON), null, "cannot write the plan: " + e, e);
        }
    }

    /** Loads a plan and checks it fits {@code checkpoint}. */
    public static Plan load(Path folder, TensorSource checkpoint) {
        Plan plan = load(folder);
        plan.checkMatches(checkpoint);
        return plan;
    }

    public static Plan load(Path folder) {
        Path jsonFile = folder.resolve(JSON);
        String json;
        try {
            if (Files.size(jsonFile) > MAX_JSON_BYTES) throw PlanJson.invalid(jsonFile, "larger than " + MAX_JSON_BYTES + " bytes: not a plan");
            json = Files.readString(jsonFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.INVALID_PLAN, jsonFile, null, "cannot read the plan: " + e, e);
        }
        PlanJson.Document doc = PlanJson.read(json, jsonFile);
        Path vectorFile = folder.resolve(VECTORS);
        if (!Files.isRegularFile(vectorFile)) throw PlanJson.invalid(vectorFile, "the plan's scale vectors are missing");
        try (SafetensorsFile vectors = openVectors(vectorFile)) {
            long[] budget = {MAX_TOTAL};
            Map<String, TensorFactors> factors = new LinkedHashMap<>();
            Map<String, String> digests = new LinkedHashMap<>();
            for (PlanJson.TensorEntry t : doc.tensors()) {
                if (t.name() == null || t.shape() == null) throw PlanJson.invalid(jsonFile, "a tensor entry needs name and shape");
                // Without the digest nothing ties the plan to the checkpoint it was solved on.
                if (!doc.undo() && t.digest() == null) throw new WiscaException(ErrorKind.INVALID_PLAN, jsonFile, t.name(),
                    "the tensor entry has no content digest (a plan from an older wisca?): solve the plan again");
                if (t.digest() != null) digests.put(t.name(), t.digest());
                long[] lengths = PlanShapes.factorLengths(t, jsonFile, MAX_VECTOR);
                try {
                    factors.put(t.name(), new TensorFactors(t.name(), PlanJson.dtype(t, jsonFile), t.shape(),
                        vector(vectors, rowsName(t.name()), lengths[0], budget), vector(vectors, colsName(t.name()), lengths[1], budget),
                        t.offsetGain()));
                } catch (IllegalArgumentException e) {
                    throw new WiscaException(ErrorKind.INVALID_PLAN, vectorFile, t.name(), e.getMessage());
                }
            }
            List<SiteReport> reports = doc.sites();
            Map<String, double[]> scales = new LinkedHashMap<>();
            for (SiteReport r : reports) {
                if (r.channels() < 0 || r.channels() > MAX_VECTOR) {
                    throw new WiscaException(ErrorKind.INVALID_PLAN, jsonFile, r.id(), "a site of " + r.channels() + " channels is not a plan's");
                }
                scales.put(r.id(), vector(vectors, siteName(r.id()), r.channels(), budget));
            }
            Plan plan = new Plan(PlanJson.options(doc, jsonFile), doc.undo(), reports, scales, factors, digests);
            if (!plan.hash().equals(doc.hash())) {
                throw PlanJson.invalid(vectorFile, "the scale vectors do not match plan.json (hash " + plan.hash()
                    + ", expected " + doc.hash() + ")");
            }
            return plan;
        }
    }

    /** plan.safetensors, whose damage is a damaged plan: InvalidPlan, with the header check's kind in the detail. */
    private static SafetensorsFile openVectors(Path vectorFile) {
        try {
            return SafetensorsFile.open(vectorFile);
        } catch (WiscaException e) {
            if (e.kind() == ErrorKind.IO) throw e;
            throw new WiscaException(ErrorKind.INVALID_PLAN, vectorFile, e.tensor().orElse(null),
                "damaged scale vectors: " + e.kind().displayName() + ": " + e.detail(), e);
        }
    }

    /** The vector {@code name}, which must hold {@code expected} factors (checked before anything is allocated). */
    private static double[] vector(SafetensorsFile file, String name, long expected, long[] budget) {
        Tensor t = file.find(name).orElseThrow(() -> new WiscaException(ErrorKind.INVALID_PLAN, file.path(), name,
            "the plan names this vector but plan.safetensors lacks it"));
        if (t.dtype() != Dtype.F64 || t.shape().length != 1) {
            throw new WiscaException(ErrorKind.INVALID_PLAN, file.path(), name, "scale vectors are 1-D F64");
        }
        if (t.elementCount() != expected) {
            throw new WiscaException(ErrorKind.INVALID_PLAN, file.path(), name, expected + " scales expected, found " + t.elementCount());
        }
        budget[0] -= expected;
        if (budget[0] < 0) throw new WiscaException(ErrorKind.INVALID_PLAN, file.path(), name, "more than " + MAX_TOTAL + " scales in all: not a plan");
        double[] out = new double[(int) expected];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.data().getAtIndex(F64, i);
            if (!(out[i] > 0 && Double.isFinite(out[i]))) {
                throw new WiscaException(ErrorKind.INVALID_PLAN, file.path(), name, "scale " + out[i] + " at " + i + " is not positive and finite");
            }
        }
        return out;
    }

    static String rowsName(String tensor) { return tensor + "::rows"; }

    static String colsName(String tensor) { return tensor + "::cols"; }

    static String siteName(String id) { return "site::" + id; }
}
