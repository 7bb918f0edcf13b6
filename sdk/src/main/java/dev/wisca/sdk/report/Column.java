package dev.wisca.sdk.report;

import java.util.List;
import java.util.ArrayList;
import java.util.Collections;

/**
 * One column of a tidy table: a name, a type and one value per row ({@code null} = missing).
 * Values are {@link String} for {@link Type#STRING}, {@link Long} for {@link Type#INT64} and
 * {@link Double} for {@link Type#FLOAT64}.
 */
public record Column(String name, Type type, List<Object> values) {
    public enum Type { STRING, INT64, FLOAT64 }

    public Column {
        values = Collections.unmodifiableList(new ArrayList<>(values));
        for (Object v : values) {
            boolean ok = v == null || switch (type) {
                case STRING -> v instanceof String;
                case INT64 -> v instanceof Long;
                case FLOAT64 -> v instanceof Double;
            };
            if (!ok) throw new IllegalArgumentException("column " + name + " of " + type + " holds a " + v.getClass().getSimpleName());
        }
    }

    public int rows() { return values.size(); }
}
