package dev.wisca.hooks.protocol;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who may drive {@code wisca serve}: a request with an {@code Origin} header (a web page) or a
 * {@code Host} that is not a loopback name (DNS rebinding) is refused (403); one without the
 * server's secret as {@code Authorization: Bearer <secret>} is unauthenticated (401).
 */
final class RequestGate {
    private RequestGate() {}

    /** A refusal (status and reason), or empty when the request may proceed. {@code headers} have lower-case names. */
    static Optional<HttpWire.Failure> check(Map<String, String> headers, ServeToken token) {
        if (headers.containsKey("origin")) {
            return Optional.of(new HttpWire.Failure(403, "requests with an Origin header (from a web page) are refused"));
        }
        String host = headers.get("host");
        if (host == null || !isLoopback(host)) {
            return Optional.of(new HttpWire.Failure(403, "Host must be 127.0.0.1, localhost or [::1], got '"
                + (host == null ? "none" : HttpWire.printable(host)) + "'"));
        }
        String auth = headers.get("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || !token.matches(auth.substring(7).trim())) {
            return Optional.of(new HttpWire.Failure(401, (auth == null ? "no" : "wrong") + " Authorization: send 'Authorization: Bearer <secret>'"
                + " with the secret from the file wisca serve named as token_file (or $WISCA_TOKEN / $WISCA_TOKEN_FILE)"));
        }
        return Optional.empty();
    }

    /** 127.0.0.1, localhost or [::1], with or without a port. */
    static boolean isLoopback(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) return false;
            name = h.substring(0, close + 1);
            if (!validPort(h.substring(close + 1))) return false;
        } else {
            int colon = h.indexOf(':');
            name = colon < 0 ? h : h.substring(0, colon);
            if (colon >= 0 && !validPort(h.substring(colon))) return false;
        }
        return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
    }

    private static boolean validPort(String rest) {
        return rest.isEmpty() || rest.matches(":[0-9]{1,5}");
    }
}
