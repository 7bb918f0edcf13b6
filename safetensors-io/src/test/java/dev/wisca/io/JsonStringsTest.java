package dev.wisca.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonStringsTest {
    /** Quote, backslash, the short-escape controls, other C0 controls, DEL, non-ASCII (BMP and a surrogate pair), slash. */
    private static final String INPUT = "a\"\\\b\f\n\r\t\u0001\u001f\u007f é€\uD83D\uDE00/";

    @Test
    void serdeEscapesOnlyQuoteBackslashAndC0Controls() {
        // serde_json::to_string of INPUT
        assertEquals("\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u007f é€\uD83D\uDE00/\"",
            JsonStrings.appendSerde(new StringBuilder("x"), INPUT).substring(1));
    }

    @Test
    void asciiEscapesEverythingOutsidePrintableAscii() {
        // Python: json.dumps(INPUT) (ensure_ascii=True)
        assertEquals("\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f \\u00e9\\u20ac\\ud83d\\ude00/\"",
            JsonStrings.appendAscii(new StringBuilder("x"), INPUT).substring(1));
    }
}
