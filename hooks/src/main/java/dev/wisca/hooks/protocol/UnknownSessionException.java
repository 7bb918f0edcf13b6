package dev.wisca.hooks.protocol;

/**
 * A {@code solve} quoted a session the server does not hold (it restarted, or evicted the session
 * as least recently used): the client describes again and retries. Not an input error.
 */
public final class UnknownSessionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownSessionException(String session) {
        super("unknown session '" + session + "': describe the parameters again");
    }
}
