package dev.wisca.io;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The one exception wisca throws for bad input or failed I/O. Its message reads
 * {@code Kind: file[tensor]: what happened}; callers print it on one line.
 */
public final class WiscaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final transient Path path;
    private final String tensor;
    private final String detail;

    public WiscaException(ErrorKind kind, Path path, String tensor, String detail) {
        this(kind, path, tensor, detail, null);
    }

    public WiscaException(ErrorKind kind, Path path, String tensor, String detail, Throwable cause) {
        super(format(kind, path, tensor, detail), cause);
        this.kind = kind;
        this.path = path;
        this.tensor = tensor;
        this.detail = detail;
    }

    public static WiscaException of(ErrorKind kind, Path path, String detail) {
        return new WiscaException(kind, path, null, detail);
    }

    public ErrorKind kind() { return kind; }

    public Optional<Path> path() { return Optional.ofNullable(path); }

    public Optional<String> tensor() { return Optional.ofNullable(tensor); }

    /** The message without kind, file and tensor. */
    public String detail() { return detail; }

    /** One line: names from files may hold control characters, which are escaped ({@link Printable}). */
    private static String format(ErrorKind kind, Path path, String tensor, String detail) {
        StringBuilder sb = new StringBuilder(kind.displayName()).append(": ");
        if (path != null) sb.append(Printable.escape(path.toString()));
        if (tensor != null) sb.append('[').append(Printable.escape(tensor)).append(']');
        if (path != null || tensor != null) sb.append(": ");
        return sb.append(Printable.escape(detail)).toString();
    }
}
