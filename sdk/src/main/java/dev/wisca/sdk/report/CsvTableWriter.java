package dev.wisca.sdk.report;

import java.io.IOException;
import java.io.Writer;

/**
 * RFC 4180 CSV: header line, comma separated, CRLF-free ({@code \n}) lines, fields quoted when they
 * hold a comma, quote or line break. Nulls are empty fields; doubles print in Java's shortest
 * round-trip form, non-finite ones as {@code nan}, {@code inf}, {@code -inf} (what pandas and
 * polars parse as floats).
 */
final class CsvTableWriter {
    private CsvTableWriter() {}

    static void write(Table table, Writer out) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < table.columns().size(); c++) {
            if (c > 0) line.append(',');
            line.append(field(table.columns().get(c).name()));
        }
        out.write(line.append('\n').toString());
        for (int r = 0; r < table.rows(); r++) {
            line.setLength(0);
            for (int c = 0; c < table.columns().size(); c++) {
                if (c > 0) line.append(',');
                line.append(value(table.columns().get(c).values().get(r)));
            }
            out.write(line.append('\n').toString());
        }
    }

    private static String value(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) {
            if (d.isNaN()) return "nan";
            if (d.isInfinite()) return d > 0 ? "inf" : "-inf";
            return d.toString();
        }
        return field(v.toString());
    }

    private static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
