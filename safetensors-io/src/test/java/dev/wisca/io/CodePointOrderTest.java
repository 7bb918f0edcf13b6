package dev.wisca.io;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparator's char-by-char fast path against the definition: lexicographic order of the code points. */
class CodePointOrderTest {
    @Property(tries = 3000)
    void ordersAsTheCodePointSequences(@ForAll("mixed") String a, @ForAll("mixed") String b) {
        int expected = Integer.signum(Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
        assertEquals(expected, Integer.signum(CodePointOrder.compare(a, b)), () -> escape(a) + " vs " + escape(b));
        assertEquals(-expected, Integer.signum(CodePointOrder.compare(b, a)));
    }

    @Test
    void aSupplementaryCharacterSortsAfterTheEndOfTheBasicPlane() {
        // String.compareTo puts U+1F600 (a surrogate pair, 0xD83D...) before U+FFFD; its code point, and its UTF-8, after.
        String emoji = "w.\uD83D\uDE00";
        String replacement = "w.\uFFFD";
        assertTrue(emoji.compareTo(replacement) < 0);
        assertTrue(CodePointOrder.compare(emoji, replacement) > 0);
        assertTrue(Arrays.compare(emoji.getBytes(StandardCharsets.UTF_8), replacement.getBytes(StandardCharsets.UTF_8)) > 0);
    }

    /** Short strings over a few ASCII letters, BMP chars above the surrogates, surrogate pairs and lone surrogates. */
    @Provide
    Arbitrary<String> mixed() {
        Arbitrary<String> piece = Arbitraries.of("a", "b", ".", "\u00e9", "\uE000", "\uFFFD", "\uD83D\uDE00", "\uD83D\uDE01",
            "\uD800\uDC00", "\uDBFF\uDFFF", "\uD83D", "\uDE00");
        return piece.list().ofMaxSize(6).map(parts -> String.join("", parts));
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c < 128 ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        return sb.toString();
    }
}
