package dev.wisca.hooks.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The little of HTTP/1.1 that {@code wisca serve} speaks: one request per connection (answers say
 * {@code Connection: close}), a bounded head, a body of {@code Content-Length} bytes (checked before
 * reading) or chunked (counted while decoding). Every read has a timeout and the head and body
 * each a deadline, so a half-sent request holds its connection for a bounded time only.
 */
final class HttpWire {
    static final int MAX_LINE = 8 << 10;
    static final int MAX_HEADERS = 64;
    /** Headers that must not appear twice: a second one would be ambiguous. */
    private static final Set<String> SINGLE = Set.of("host", "authorization", "content-length", "transfer-encoding", "origin");

    private HttpWire() {}

    /** A request refused with {@code status} for {@code reason}. */
    record Failure(int status, String reason) {}

    /** Thrown while reading a request that cannot be served. */
    static final class FailureException extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;

        FailureException(int status, String reason) {
            super(reason, null, false, false);
            this.failure = new Failure(status, reason);
        }
    }

    /** @param headers lower-case names */
    record Head(String method, String path, Map<String, String> headers) {}

    /** A socket's input whose every read waits at most {@code readTimeoutMillis}, and none past {@code deadline}. */
    static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        private final int readTimeoutMillis;
        private long deadlineNanos;

        DeadlineInput(Socket socket, int readTimeoutMillis) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.readTimeoutMillis = readTimeoutMillis;
        }

        void deadline(long millisFromNow) { deadlineNanos = System.nanoTime() + millisFromNow * 1_000_000L; }

        private void arm() throws IOException {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (left <= 0) throw new SocketTimeoutException("request not received in time");
            socket.setSoTimeout((int) Math.max(1, Math.min(readTimeoutMillis, left)));
        }

        @Override
        public int read() throws IOException {
            arm();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            return in.read(b, off, len);
        }
    }

    static Head readHead(InputStream in) throws IOException, FailureException {
        String requestLine = line(in);
        if (requestLine == null) throw new FailureException(400, "connection closed before a request");
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || !parts[1].startsWith("/") || !parts[2].matches("HTTP/1\\.[01]")) {
            throw new FailureException(400, "bad request line '" + printable(requestLine) + "'");
        }
        Map<String, String> headers = new HashMap<>();
        for (int n = 0; ; n++) {
            String h = line(in);
            if (h == null) throw new FailureException(400, "connection closed inside the request head");
            if (h.isEmpty()) break;
            if (n >= MAX_HEADERS) throw new FailureException(431, "more than " + MAX_HEADERS + " header lines");
            int colon = h.indexOf(':');
            if (colon <= 0 || h.charAt(0) == ' ' || h.charAt(0) == '\t') throw new FailureException(400, "bad header line '" + printable(h) + "'");
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            String earlier = headers.putIfAbsent(name, value);
            if (earlier != null) {
                if (SINGLE.contains(name)) throw new FailureException(400, "header " + name + " given twice");
                headers.put(name, earlier + ", " + value);
            }
        }
        String path = parts[1];
        int query = path.indexOf('?');
        return new Head(parts[0], query < 0 ? path : path.substring(0, query), headers);
    }

    /** The body, at most {@code max} bytes: a longer {@code Content-Length} is refused before a byte is read. */
    static byte[] readBody(Head head, InputStream in, long max, OutputStream out) throws IOException, FailureException {
        String length = head.headers().get("content-length");
        String encoding = head.headers().get("transfer-encoding");
        if (length != null && encoding != null) throw new FailureException(400, "both Content-Length and Transfer-Encoding");
        if (encoding != null) {
            if (!encoding.equalsIgnoreCase("chunked")) throw new FailureException(400, "unsupported Transfer-Encoding '" + printable(encoding) + "'");
            continueIfAsked(head, out);
            return chunked(in, max);
        }
        if (length == null) throw new FailureException(411, "a POST needs Content-Length (or chunked Transfer-Encoding)");
        if (!length.matches("[0-9]{1,19}")) throw new FailureException(400, "bad Content-Length '" + printable(length) + "'");
        long n;
        try {
            n = Long.parseLong(length);
        } catch (NumberFormatException e) {
            n = Long.MAX_VALUE;
        }
        if (n > max) throw new FailureException(413, "request body of " + length + " bytes is larger than the limit of " + max + " bytes");
        continueIfAsked(head, out);
        byte[] body = new byte[(int) n];
        readFully(in, body, 0, body.length);
        return body;
    }

    private static void continueIfAsked(Head head, OutputStream out) throws IOException {
        if ("100-continue".equalsIgnoreCase(head.headers().get("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    private static byte[] chunked(InputStream in, long max) throws IOException, FailureException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        while (true) {
            String sizeLine = line(in);
            if (sizeLine == null) throw new FailureException(400, "connection closed inside a chunked body");
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim();
            if (!hex.matches("[0-9a-fA-F]{1,15}")) throw new FailureException(400, "bad chunk size '" + printable(sizeLine) + "'");
            long size = Long.parseLong(hex, 16);
            if (size == 0) break;
            if (body.size() + size > max) throw new FailureException(413, "chunked request body larger than the limit of " + max + " bytes");
            for (long left = size; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) throw new FailureException(400, "connection closed inside a chunk");
                body.write(buffer, 0, n);
                left -= n;
            }
            if (!"".equals(line(in))) throw new FailureException(400, "a chunk does not end with CRLF");
        }
        for (int n = 0; ; n++) { // trailers, ignored
            String t = line(in);
            if (t == null || t.isEmpty()) break;
            if (n >= MAX_HEADERS) throw new FailureException(431, "too many trailer lines");
        }
        return body.toByteArray();
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException, FailureException {
        while (len > 0) {
            int n = in.read(b, off, len);
            if (n < 0) throw new FailureException(400, "connection closed " + len + " bytes before the end of the body");
            off += n;
            len -= n;
        }
    }

    /** One CRLF (or LF) terminated line of at most {@link #MAX_LINE} bytes, or null at end of input. */
    private static String line(InputStream in) throws IOException, FailureException {
        ByteArrayOutputStream sb = new ByteArrayOutputStream(128);
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                byte[] b = sb.toByteArray();
                int end = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, end, StandardCharsets.ISO_8859_1);
            }
            if (sb.size() >= MAX_LINE) throw new FailureException(431, "a request line or header is longer than " + MAX_LINE + " bytes");
            sb.write(c);
        }
        return sb.size() == 0 ? null : sb.toString(StandardCharsets.ISO_8859_1);
    }

    static void respond(OutputStream out, int status, byte[] json) throws IOException {
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
            + "Content-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: " + json.length + "\r\n"
            + "Cache-Control: no-store\r\n"
            + "Connection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    /** {@code s} cut to 120 characters, control characters escaped, for a one-line reason. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 120; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return s.length() > 120 ? sb + "..." : sb.toString();
    }
}
