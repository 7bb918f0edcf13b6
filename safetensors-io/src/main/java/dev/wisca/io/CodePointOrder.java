package dev.wisca.io;

import java.util.Comparator;

/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 encoding: the order
 * of Rust's {@code String} (the safetensors writer) and Python's {@code str} (transformers' index).
 * {@link String#compareTo} differs for characters outside the Basic Multilingual Plane.
 */
public final class CodePointOrder {
    public static final Comparator<String> COMPARATOR = CodePointOrder::compare;

    private CodePointOrder() {}

    public static int compare(String a, String b) {
        // char by char while neither differing char is a surrogate: there char order is code point order.
        int n = Math.min(a.length(), b.length());
        for (int k = 0; k < n; k++) {
            char ca = a.charAt(k);
            char cb = b.charAt(k);
            if (ca == cb) continue;
            if (!Character.isSurrogate(ca) && !Character.isSurrogate(cb)) return Integer.compare(ca, cb);
            // From the start of the code point the difference is in (a shared high surrogate just before).
            return byCodePoint(a, b, k > 0 && Character.isHighSurrogate(a.charAt(k - 1)) ? k - 1 : k);
        }
        return Integer.compare(a.length(), b.length());
    }

    private static int byCodePoint(String a, String b, int from) {
        int i = from;
        int j = from;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
