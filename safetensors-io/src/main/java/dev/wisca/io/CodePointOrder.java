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
        int i = 0;
        int j = 0;
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
