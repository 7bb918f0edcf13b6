package dev.wisca.rescale.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.fixtures.TinyBlock;
import dev.wisca.rescale.solve.SolverOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans edited into shapes that once escaped as NullPointerException, ArithmeticException or
 * OutOfMemoryError: each is an InvalidPlan, decided before anything is sized from the file.
 */
class MalformedPlanTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;
    Path plan;

    @BeforeEach
    void savePlan() {
        try (MemorySource in = TinyBlock.build(Dtype.F32, false, 3)) {
            plan = dir.resolve("plan");
            PlanStore.save(Planner.plan(in, TinyBlock.sites(false, true), SolverOptions.defaults(), CpuBackend.INSTANCE, 1), plan);
        }
        PlanStore.load(plan);  // the unedited plan loads
    }

    private void editJson(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode doc = (ObjectNode) JSON.readTree(plan.resolve(PlanStore.JSON).toFile());
        edit.accept(doc);
        Files.writeString(plan.resolve(PlanStore.JSON), JSON.writeValueAsString(doc));
    }

    private WiscaException invalid() {
        WiscaException e = assertThrows(WiscaException.class, () -> PlanStore.load(plan));
        assertEquals(ErrorKind.INVALID_PLAN, e.kind(), e.getMessage());
        return e;
    }

    private static ObjectNode firstTensor(ObjectNode doc) {
        return (ObjectNode) doc.get("tensors").get(0);
    }

    @Test
    void nullEntriesAreInvalidPlans() throws IOException {
        editJson(d -> d.putArray("tensors").addNull());
        invalid();
        savePlan();
        editJson(d -> ((ArrayNode) d.get("sites")).insertNull(0));
        invalid();
        savePlan();
        editJson(d -> ((ObjectNode) d.get("sites").get(0)).putArray("notes").addNull());
        invalid();
    }

    @Test
    void shapesPast2To31ElementsAreInvalidPlans() throws IOException {
        editJson(d -> firstTensor(d).putArray("shape").add(3_000_000_000L).add(4));
        invalid();
        savePlan();
        editJson(d -> firstTensor(d).putArray("shape").add(1L << 32).add(1L << 32).add(1));
        invalid();
        savePlan();
        editJson(d -> firstTensor(d).putArray("shape").add(-4).add(4));
        invalid();
        savePlan();
        editJson(d -> firstTensor(d).putArray("shape"));
        invalid();
    }

    /** A 16 GiB sparse plan.safetensors whose vector claims 2^31 doubles: refused before any allocation. */
    @Test
    void sparseVectorsOf2To31ElementsAreInvalidPlans() throws IOException {
        String rows = firstTensorName() + "::rows";
        long elements = 1L << 31;
        writeSparseVectors(rows, elements);
        invalid();
        editJson(d -> firstTensor(d).putArray("shape").add(elements).add(1));
        invalid();
    }

    @Test
    void aDamagedVectorHeaderIsAnInvalidPlan() throws IOException {
        Files.write(plan.resolve(PlanStore.VECTORS), new byte[] {1, 2, 3});
        WiscaException e = invalid();
        assertEquals(true, e.getMessage().contains("HeaderTooSmall"), e.getMessage());
    }

    private String firstTensorName() throws IOException {
        return JSON.readTree(plan.resolve(PlanStore.JSON).toFile()).get("tensors").get(0).get("name").asText();
    }

    private void writeSparseVectors(String name, long elements) throws IOException {
        String header = "{\"" + name + "\":{\"dtype\":\"F64\",\"shape\":[" + elements + "],\"data_offsets\":[0," + 8 * elements + "]}}";
        while (header.length() % 8 != 0) header += " ";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(plan.resolve(PlanStore.VECTORS).toFile(), "rw")) {
            f.setLength(0);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + 8 * elements);
        }
    }
}
