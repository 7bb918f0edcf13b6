package dev.wisca.sdk.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;
import dev.wisca.rescale.synth.TinyModel;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsWriterTest {
    @TempDir
    static Path dir;
    static TinyModel model;
    static PatternReport report;

    @BeforeAll
    static void compute() {
        model = Fixtures.model("llama", "default", 3);
        report = Fixtures.report(model, Fixtures.write(model, Fixtures.values(model), dir.resolve("ckpt")));
    }

    /** Every row of an Arrow IPC file as lists of Java values (null for nulls). */
    static List<List<Object>> readArrow(Path file, List<String> names) throws IOException {
        List<List<Object>> rows = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator();
             FileChannel ch = FileChannel.open(file);
             ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> fields = root.getSchema().getFields().stream().map(f -> f.getName()).toList();
            assertEquals(names, fields);
            while (reader.loadNextBatch()) {
                for (int r = 0; r < root.getRowCount(); r++) {
                    List<Object> row = new ArrayList<>();
                    for (FieldVector v : root.getFieldVectors()) {
                        row.add(v.isNull(r) ? null : switch (v) {
                            case VarCharVector s -> new String(s.get(r), StandardCharsets.UTF_8);
                            case BigIntVector l -> l.get(r);
                            case Float8Vector d -> d.get(r);
                            default -> throw new AssertionError(v.getClass());
                        });
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    static List<String> names(Table t) { return t.columns().stream().map(Column::name).toList(); }

    static List<List<Object>> rows(Table t) {
        List<List<Object>> rows = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            List<Object> row = new ArrayList<>();
            for (Column c : t.columns()) row.add(c.values().get(r));
            rows.add(row);
        }
        return rows;
    }

    @Test
    void tablesHoldTheReportValues() {
        Table tensors = StatsTables.tensors(report);
        assertEquals(report.tensors().size(), tensors.rows());
        TensorStats first = report.tensors().getFirst();
        assertEquals(first.name(), tensors.column("name").values().getFirst());
        assertEquals(first.values().l1(), tensors.column("l1").values().getFirst());
        Table heads = StatsTables.heads(report);
        AttentionStats a = report.attention().get(1);
        // 2 layers × (4 q + 2 k + 2 v + 4 o) heads
        assertEquals(2 * 12, heads.rows());
        int row = 12 + 4 + 2 + 2 + 3; // layer 1, o head 3
        assertEquals(List.of(1L, "o", 3L, 1L, a.o().tensor(), a.o().l1(3), a.o().l2(3)), rows(heads).get(row));
        Table balance = StatsTables.balance(report);
        // per layer and pair: 1 tensor + 2 KV groups + 4 query heads
        assertEquals(2 * 2 * 7, balance.rows());
        List<Object> qkGroup1 = rows(balance).get(14 + 2);
        assertEquals(Arrays.asList(1L, "qk", "kv_group", 1L, null), qkGroup1.subList(0, 5));
        assertEquals(a.qk().groupRatio(1), (Double) qkGroup1.get(7), 0);
        assertEquals(Math.log(a.qk().groupRatio(1)) / Math.log(2), (Double) qkGroup1.get(8), 1e-15);
        assertNull(rows(balance).get(14).get(3));
        assertNull(rows(balance).get(14).get(4));
    }

    @Test
    void balanceHasOneRowPerQueryHeadAgainstItsKvHead() {
        List<List<Object>> rows = rows(StatsTables.balance(report)).stream().filter(r -> r.get(2).equals("q_head")).toList();
        AttentionStats a0 = report.attention().getFirst();
        assertEquals(2 * report.attention().size() * a0.heads(), rows.size());
        assertTrue(a0.groupSize() > 1, "fixture is GQA");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (List<Object> r : rows) {
            AttentionStats a = report.layer(((Long) r.get(0)).intValue()).orElseThrow();
            int head = ((Long) r.get(4)).intValue();
            int kv = head * a.kvHeads() / a.heads();
            assertEquals((long) kv, r.get(3));
            boolean qk = r.get(1).equals("qk");
            double producer = qk ? a.q().l1()[head] : a.v().l1()[kv];
            double consumer = qk ? a.k().l1()[kv] : a.o().l1()[head];
            assertEquals(producer, (Double) r.get(5), 0);
            assertEquals(consumer, (Double) r.get(6), 0);
            assertEquals(producer / consumer, (Double) r.get(7), 0);
            assertEquals(Math.log(producer / consumer) / Math.log(2), (Double) r.get(8), 1e-15);
            assertTrue(seen.add(r.get(0) + "/" + r.get(1) + "/" + head), "duplicate row");
        }
        // the per-head rows of a group add up to its group ratio for Q/K (its heads share one k)
        double sum = 0;
        for (List<Object> r : rows) if (r.get(0).equals(1L) && r.get(1).equals("qk") && r.get(3).equals(1L)) sum += (Double) r.get(7);
        assertEquals(report.layer(1).orElseThrow().qk().groupRatio(1), sum, 1e-12);
    }

    @Test
    void arrowFilesReadBackIdentically() throws IOException {
        Path out = dir.resolve("out/stats.arrow");
        List<Path> written = StatsWriter.write(report, out);
        assertEquals(List.of(out, dir.resolve("out/stats.heads.arrow"), dir.resolve("out/stats.balance.arrow")), written);
        List<Table> tables = StatsTables.of(report);
        for (int i = 0; i < tables.size(); i++) {
            assertEquals(rows(tables.get(i)), readArrow(written.get(i), names(tables.get(i))), tables.get(i).name());
        }
        byte[] bytes = Files.readAllBytes(out);
        assertEquals("ARROW1", new String(bytes, 0, 6, StandardCharsets.US_ASCII));
        assertEquals("ARROW1", new String(bytes, bytes.length - 6, 6, StandardCharsets.US_ASCII));
    }

    @Test
    void arrowKeepsNullsNaNsAndEmptyTables() throws IOException {
        Table t = new TableBuilder("t").column("s", Column.Type.STRING).column("i", Column.Type.INT64).column("d", Column.Type.FLOAT64)
            .build();
        Path empty = dir.resolve("empty.arrow");
        StatsWriter.writeTable(t, empty, StatsFormat.ARROW);
        assertEquals(List.of(), readArrow(empty, List.of("s", "i", "d")));
        TableBuilder b = new TableBuilder("t").column("s", Column.Type.STRING).column("i", Column.Type.INT64).column("d", Column.Type.FLOAT64);
        b.row(null, 1L, Double.NaN);
        b.row("ü,\"x\"", null, Double.NEGATIVE_INFINITY);
        b.row("", Long.MIN_VALUE, null);
        Path f = dir.resolve("nulls.arrow");
        StatsWriter.writeTable(b.build(), f, StatsFormat.ARROW);
        assertEquals(rows(b.build()), readArrow(f, List.of("s", "i", "d")));
        Path csv = dir.resolve("nulls.csv");
        StatsWriter.writeTable(b.build(), csv, StatsFormat.CSV);
        assertEquals("s,i,d\n,1,nan\n\"ü,\"\"x\"\"\",,-inf\n," + Long.MIN_VALUE + ",\n", Files.readString(csv));
    }

    @Test
    void csvHasOneLinePerRowWithRoundTripDoubles() throws IOException {
        List<Path> written = StatsWriter.write(report, dir.resolve("stats.csv"));
        List<String> lines = Files.readAllLines(written.get(2));
        assertEquals("layer,pair,scope,kv_head,head,producer_l1,consumer_l1,ratio,log2_ratio", lines.getFirst());
        Table balance = StatsTables.balance(report);
        assertEquals(balance.rows() + 1, lines.size());
        String[] cells = lines.get(1).split(",", -1);
        assertEquals("0", cells[0]);
        assertEquals("tensor", cells[2]);
        assertEquals("", cells[3]);
        assertEquals("", cells[4]);
        assertEquals(report.attention().getFirst().qk().ratio(), Double.parseDouble(cells[7]), 0);
        List<String> tensorLines = Files.readAllLines(written.getFirst());
        assertTrue(tensorLines.get(1).contains(",\"[" + model.tensors().getFirst().shape()[0] + ", "), tensorLines.get(1));
    }

    @Test
    void jsonIsTheWholeReport() throws IOException {
        Path out = dir.resolve("stats.json");
        assertEquals(List.of(out), StatsWriter.write(report, out));
        JsonNode root = new ObjectMapper().readTree(out.toFile());
        assertEquals("llama", root.get("model").asText());
        assertEquals(report.tensors().size(), root.get("tensors").size());
        JsonNode layer1 = root.get("attention").get(1);
        assertEquals(report.attention().get(1).vo().groupProducerL1()[1], layer1.get("vo").get("groupProducerL1").get(1).asDouble(), 0);
        assertEquals(report.attention().get(1).q().l2(2), layer1.get("q").get("l2").get(2).asDouble(), 0);
    }

    @Test
    void unknownExtensionIsAUserError() {
        var e = assertThrows(dev.wisca.io.WiscaException.class, () -> StatsWriter.write(report, dir.resolve("stats.xlsx")));
        assertEquals(dev.wisca.io.ErrorKind.INVALID_ARGUMENT, e.kind());
    }
}
