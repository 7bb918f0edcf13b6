package dev.wisca.io;

import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors header exactly as the reference writer does through {@code serde_json}:
 * compact, {@code __metadata__} first, string escapes as serde_json emits them.
 */
final class HeaderWriter {
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
                JsonStrings.appendSerde(out, e.getKey()).append(':');
                JsonStrings.appendSerde(out, e.getValue());
                firstEntry = false;
            }
            out.append('}');
            first = false;
        }
        for (TensorInfo t : tensors) {
            if (!first) out.append(',');
            JsonStrings.appendSerde(out, t.name()).append(":{\"dtype\":\"").append(t.dtype().headerName()).append("\",\"shape\":[");
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
}
