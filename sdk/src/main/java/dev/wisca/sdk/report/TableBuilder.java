package dev.wisca.sdk.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Collects rows column by column; every row must set every declared column (null allowed). */
final class TableBuilder {
    private final String name;
    private final Map<String, Column.Type> types = new LinkedHashMap<>();
    private final Map<String, List<Object>> values = new LinkedHashMap<>();
    private int rows;

    TableBuilder(String name) { this.name = name; }

    TableBuilder column(String column, Column.Type type) {
        types.put(column, type);
        values.put(column, new ArrayList<>());
        return this;
    }

    /** Appends one row: values in declared column order. */
    void row(Object... row) {
        if (row.length != types.size()) throw new IllegalArgumentException("table " + name + ": row of " + row.length + " values for " + types.size() + " columns");
        int i = 0;
        for (List<Object> column : values.values()) column.add(row[i++]);
        rows++;
    }

    Table build() {
        List<Column> columns = new ArrayList<>();
        types.forEach((column, type) -> columns.add(new Column(column, type, values.get(column))));
        return new Table(name, columns);
    }
}
