package dev.wisca.io;

/**
 * Text from files (tensor names, metadata, file names) made safe to print on one terminal line:
 * control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a reader sees
 * are written as escapes ({@code \n}, {@code \t}, {@code \u001b}, {@code \u202e}); all else as is.
 */
public final class Printable {
    private Printable() {}

    public static String escape(String s) {
        if (s == null) return "null";
        int first = 0;
        while (first < s.length() && !needsEscape(s.charAt(first))) first++;   // a loop, not chars(): called per tensor name
        if (first == s.length()) return s;
        StringBuilder out = new StringBuilder(s.length() + 8).append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (needsEscape(c)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
