package dev.wisca.hooks.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Raw HTTP on 127.0.0.1 for tests: exact bytes out, the answer's status and body back; every read times out. */
final class RawHttp {
    static final int TIMEOUT_MILLIS = 20_000;

    /** An answer: status (-1 when the server closed without one) and body. */
    record Answer(int status, String body) {}

    private RawHttp() {}

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
        s.setSoTimeout(TIMEOUT_MILLIS);
        return s;
    }

    /** Sends {@code request} whole and reads the answer. */
    static Answer exchange(int port, byte[] request) throws IOException {
        try (Socket s = connect(port)) {
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException answeredEarly) {
                // The server answered (413) and closed before taking everything: its answer is still there.
            }
            return read(s);
        }
    }

    static Answer read(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            for (int n; (n = in.read(b)) >= 0; ) all.write(b, 0, n);
        } catch (java.net.SocketException reset) {
            // Read what arrived before the reset.
        }
        String text = all.toString(StandardCharsets.UTF_8);
        while (text.startsWith("HTTP/1.1 100")) text = text.substring(text.indexOf("\r\n\r\n") + 4);
        if (!text.startsWith("HTTP/1.1 ")) return new Answer(-1, text);
        int status = Integer.parseInt(text.substring(9, 12));
        int split = text.indexOf("\r\n\r\n");
        return new Answer(status, split < 0 ? "" : text.substring(split + 4));
    }

    /** A request with the given headers (CRLF-separated lines, without the blank line) and body. */
    static byte[] request(String method, String path, String headers, byte[] body) {
        String head = method + " " + path + " HTTP/1.1\r\n" + headers + (headers.isEmpty() ? "" : "\r\n") + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    /** The headers a well-behaved client sends: loopback Host, the secret, the body's length. */
    static String headers(ProtocolHttpServer server, long contentLength) {
        return "Host: 127.0.0.1:" + server.port() + "\r\nAuthorization: Bearer " + server.token()
            + (contentLength >= 0 ? "\r\nContent-Length: " + contentLength : "");
    }

    static Answer post(ProtocolHttpServer server, String op, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return exchange(server.port(), request("POST", "/v1/" + op, headers(server, b.length), b));
    }
}
