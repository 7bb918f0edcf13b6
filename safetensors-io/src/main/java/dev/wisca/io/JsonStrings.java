package dev.wisca.io;

/**
 * JSON string literals as the two reference writers emit them, byte for byte: serde_json (the
 * safetensors header) and Python's {@code json.dumps} with {@code ensure_ascii} (transformers' shard
 * index). Both use the short escapes for quote, backslash, \b, \f, \n, \r, \t and lowercase
 * {@code \\u00XX} for the other C0 controls; they differ only in what else they escape.
 */
public final class JsonStrings {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonStrings() {}

    /** serde_json: every other character as is. */
    public static StringBuilder appendSerde(StringBuilder out, String s) {
        return append(out, s, Character.MAX_VALUE);
    }

    /** Python's ensure_ascii: also every UTF-16 unit outside ' '..'~' (DEL included) as {@code \\uXXXX}. */
    public static StringBuilder appendAscii(StringBuilder out, String s) {
        return append(out, s, '~');
    }

    private static StringBuilder append(StringBuilder out, String s, char lastPlain) {
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
                    if (c < 0x20 || c > lastPlain) {
                        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
