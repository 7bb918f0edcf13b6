package dev.wisca.io;

import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors header exactly as the reference writer does through {@code serde_json}:
 * compact, {@code __metadata__} first, string escapes as serde_json emits them.
 */
final class HeaderWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HeaderWriter() {}

    /** The unpadded JSON text for tensors already in file order with their offsets. */
    static String write(Map<String, String> metadata, List<TensorInfo> tensors) {
        StringBuilder out = new StringBuilder(64 + 96 * tensors.size());
        out.append('{');
        boolean first = true;
        if (!metadata.isEmpty()) {
            out.append("\"__metadata__\":{");
            boolean firstEntry = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!firstEntry) out.append(',');
                string(out, e.getKey()).append(':');
                string(out, e.getValue());
                firstEntry = false;
            }
            out.append('}');
            first = false;
        }
        for (TensorInfo t : tensors) {
            if (!first) out.append(',');
            string(out, t.name()).append(":{\"dtype\":\"").append(t.dtype().headerName()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) out.append(',');
                out.append(shape[i]);
            }
            out.append("],\"data_offsets\":[").append(t.begin()).append(',').append(t.end()).append("]}");
            first = false;
        }
        return out.append('}').toString();
    }

    /** Appends {@code s} as a JSON string: serde_json escapes only quote, backslash and C0 controls. */
    static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    else out.append(c);
                }
            }
        }
        return out.append('"');
    }
}
