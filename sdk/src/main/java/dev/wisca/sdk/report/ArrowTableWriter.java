package dev.wisca.sdk.report;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One table as an Arrow IPC file (Feather v2): nullable utf8, int64 and float64 columns, written
 * in record batches of {@link #BATCH_ROWS} rows. The schema carries {@code wisca.table} metadata.
 */
final class ArrowTableWriter {
    static final int BATCH_ROWS = 64 * 1024;

    private ArrowTableWriter() {}

    static void write(Table table, WritableByteChannel channel) throws IOException {
        List<Field> fields = new ArrayList<>();
        for (Column c : table.columns()) fields.add(new Field(c.name(), FieldType.nullable(arrowType(c.type())), null));
        Schema schema = new Schema(fields, Map.of("wisca.table", table.name()));
        try (BufferAllocator allocator = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
             ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
            writer.start();
            for (int from = 0; from < table.rows() || from == 0; from += BATCH_ROWS) {
                int count = Math.min(BATCH_ROWS, table.rows() - from);
                root.allocateNew();
                for (int c = 0; c < table.columns().size(); c++) fill(root.getVector(c), table.columns().get(c), from, count);
                root.setRowCount(count);
                writer.writeBatch();
                if (table.rows() == 0) break;
            }
            writer.end();
        }
    }

    private static ArrowType arrowType(Column.Type type) {
        return switch (type) {
            case STRING -> ArrowType.Utf8.INSTANCE;
            case INT64 -> new ArrowType.Int(64, true);
            case FLOAT64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
        };
    }

    private static void fill(FieldVector vector, Column column, int from, int count) {
        for (int i = 0; i < count; i++) {
            Object v = column.values().get(from + i);
            if (v == null) {
                vector.setNull(i);
                continue;
            }
            switch (vector) {
                case VarCharVector s -> s.setSafe(i, ((String) v).getBytes(StandardCharsets.UTF_8));
                case BigIntVector l -> l.setSafe(i, (Long) v);
                case Float8Vector d -> d.setSafe(i, (Double) v);
                default -> throw new IllegalStateException("unexpected vector " + vector.getClass());
            }
        }
        vector.setValueCount(count);
    }
}
