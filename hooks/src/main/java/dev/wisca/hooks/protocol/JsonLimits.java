package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;

/**
 * Bounds on one protocol message, counted while it is parsed so that a body of many small values
 * fails early instead of filling the heap: {@code structures} counts objects, arrays, field names
 * and strings (each costs an object once bound), {@code scalars} numbers, booleans and nulls.
 * A describe request is small (names, shapes, config.json); a solve request is mostly numbers that
 * bind into {@code double[]} (8 bytes each), so its scalars are bounded by the body size alone.
 * Nesting depth and string length are bounded by the parser's {@code StreamReadConstraints} ({@link ProtocolJson}).
 */
public record JsonLimits(long structures, long scalars) {
    public static final JsonLimits DESCRIBE = new JsonLimits(1 << 20, 4 << 20);
    public static final JsonLimits SOLVE = new JsonLimits(1 << 20, Long.MAX_VALUE);
    /** A stdio line: its request is parsed into a tree first, so both kinds are bounded. */
    public static final JsonLimits STDIO = new JsonLimits(1 << 20, 64L << 20);

    JsonParser counting(JsonParser parser) { return new Counting(parser, this); }

    private static final class Counting extends JsonParserDelegate {
        private final JsonLimits limits;
        private long structures;
        private long scalars;

        Counting(JsonParser d, JsonLimits limits) {
            super(d);
            this.limits = limits;
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = delegate.nextToken();
            if (t == null) return null;
            switch (t) {
                case START_OBJECT, START_ARRAY, FIELD_NAME, VALUE_STRING, VALUE_EMBEDDED_OBJECT -> {
                    if (++structures > limits.structures()) {
                        throw new StreamConstraintsException("more than " + limits.structures() + " objects, arrays, names and strings in one message");
                    }
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                    if (++scalars > limits.scalars()) {
                        throw new StreamConstraintsException("more than " + limits.scalars() + " numbers, booleans and nulls in one message");
                    }
                }
                default -> { }
            }
            return t;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = nextToken();
            return t == JsonToken.FIELD_NAME ? nextToken() : t;
        }
    }
}
