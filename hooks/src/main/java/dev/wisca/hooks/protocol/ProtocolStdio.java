package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.ErrorEntry;
import dev.wisca.hooks.protocol.Messages.StdioRequest;
import dev.wisca.hooks.protocol.Messages.StdioResponse;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.Map;

/**
 * The protocol as JSON lines ({@code wisca serve --stdio}): each input line is
 * {@code {"op": "describe"|"solve"|"health"|"shutdown", "request": {...}}}, each answer one line
 * {@code {"ok": true, "response": {...}}} or {@code {"ok": false, "error": {"kind", "message"}}}.
 * Ends at end of input or after {@code shutdown}. Lines longer than the limit are answered with an
 * error and skipped, never buffered whole.
 */
public final class ProtocolStdio {
    public static final int DEFAULT_MAX_LINE_CHARS = 512 << 20;

    private ProtocolStdio() {}

    /** Serves until end of input or shutdown; returns the number of requests answered. */
    public static long serve(Reader in, Writer out, LocalPlanService service, int maxLineChars) throws IOException {
        ProtocolHandler handler = new ProtocolHandler(service, service::sessions);
        LineReader lines = new LineReader(in, maxLineChars);
        long answered = 0;
        for (Line line; (line = lines.next()) != null; ) {
            if (!line.tooLong() && line.text().isBlank()) continue;
            answered++;
            if (line.tooLong()) {
                write(out, error(new ErrorEntry("BadRequest", "line longer than " + maxLineChars + " characters")));
                continue;
            }
            StdioRequest request;
            try {
                request = ProtocolJson.read(line.text(), StdioRequest.class);
            } catch (WiscaException e) {
                write(out, error(new ErrorEntry("BadRequest", e.getMessage())));
                continue;
            }
            if ("shutdown".equals(request.op())) {
                write(out, new StdioResponse(true, ProtocolJson.tree(Map.of("status", "stopping")), null));
                break;
            }
            ProtocolHandler.Reply reply = handler.handle(String.valueOf(request.op()), request.request());
            write(out, reply.ok() ? new StdioResponse(true, reply.body(), null) : error(reply.error()));
        }
        return answered;
    }

    private static StdioResponse error(ErrorEntry e) { return new StdioResponse(false, null, e); }

    private static void write(Writer out, StdioResponse response) throws IOException {
        out.write(ProtocolJson.write(response));
        out.write('\n');
        out.flush();
    }

    private record Line(String text, boolean tooLong) {}

    /** Reads lines of at most {@code max} characters; a longer line is consumed and reported as too long. */
    private static final class LineReader {
        private final Reader in;
        private final int max;
        private final char[] buffer = new char[1 << 16];
        private int position;
        private int limit;

        LineReader(Reader in, int max) {
            this.in = in;
            this.max = max;
        }

        Line next() throws IOException {
            StringBuilder sb = new StringBuilder();
            boolean tooLong = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return sb.isEmpty() && !tooLong ? null : new Line(sb.toString(), tooLong);
                    }
                }
                char c = buffer[position++];
                if (c == '\n') return new Line(sb.toString(), tooLong);
                if (tooLong) continue;
                if (sb.length() >= max) {
                    tooLong = true;
                    sb.setLength(0);
                } else {
                    sb.append(c);
                }
            }
        }
    }
}
