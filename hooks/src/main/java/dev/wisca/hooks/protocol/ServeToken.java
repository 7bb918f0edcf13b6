package dev.wisca.hooks.protocol;

import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * The per-server secret of {@code wisca serve}: 32 random bytes, hex, written to a file only the
 * user can read (0600 from its creation, in a 0700 folder when wisca makes the folder; temp file,
 * fsync, rename) and deleted when the server stops. Clients send it as {@code Authorization: Bearer <secret>}.
 */
public final class ServeToken {
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_FOLDER = PosixFilePermissions.fromString("rwx------");

    private final String secret;
    private final Path file;

    private ServeToken(String secret, Path file) {
        this.secret = secret;
        this.file = file;
    }

    /** {@code $XDG_RUNTIME_DIR/wisca/serve-<port>.token}, else {@code ~/.cache/wisca/serve-<port>.token}. */
    public static Path defaultFile(int port) {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path base = runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))
            ? Path.of(runtime) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("wisca").resolve("serve-" + port + ".token");
    }

    /** A fresh secret written to {@code file} (or the default file for {@code port}). */
    static ServeToken create(Optional<Path> file, int port) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        Path target = file.orElseGet(() -> defaultFile(port)).toAbsolutePath().normalize();
        write(target, secret, file.isEmpty());
        return new ServeToken(secret, target);
    }

    public String secret() { return secret; }

    public Path file() { return file; }

    /** Whether {@code presented} is the secret; compared in constant time. */
    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(secret.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** Removes the file (the server stopped); a file already gone is fine. */
    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // The secret dies with the server anyway; a stale file only names a closed port.
        }
    }

    private static void write(Path target, String secret, boolean ownFolder) {
        Path folder = target.getParent();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            if (!Files.isDirectory(folder)) {
                if (posix) Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(OWNER_FOLDER));
                else Files.createDirectories(folder);
            } else if (ownFolder && posix) {
                Files.setPosixFilePermissions(folder, OWNER_FOLDER); // wisca's own folder: nobody else lists it
            }
            Path temp = posix ? Files.createTempFile(folder, ".serve-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE))
                : Files.createTempFile(folder, ".serve-", ".tmp");
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap((secret + "\n").getBytes(StandardCharsets.US_ASCII));
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            OutputFiles.replace(temp, target);
        } catch (IOException | UnsupportedOperationException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot write the server's token file: " + e.getMessage(), e);
        }
        OutputFiles.syncFolder(folder);
    }
}
