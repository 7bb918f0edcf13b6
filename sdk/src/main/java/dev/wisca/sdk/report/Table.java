package dev.wisca.sdk.report;

import java.util.List;

/** A tidy table: named, equal-length columns. */
public record Table(String name, List<Column> columns) {
    public Table {
        columns = List.copyOf(columns);
        int rows = columns.isEmpty() ? 0 : columns.getFirst().rows();
        for (Column c : columns) {
            if (c.rows() != rows) throw new IllegalArgumentException("table " + name + ": column " + c.name() + " has " + c.rows() + " rows, not " + rows);
        }
    }

    public int rows() { return columns.isEmpty() ? 0 : columns.getFirst().rows(); }

    public Column column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("table " + this.name + " has no column " + name));
    }
}
