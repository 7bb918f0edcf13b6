package dev.wisca.rescale.spec;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code .json} files of a class-path folder, read whether the folder is a directory (IDE,
 * {@code target/classes}) or an entry of a jar, so built-in specs are found by scanning, not by an index.
 */
final class ResourceFolder {
    private ResourceFolder() {}

    /** File name → bytes of every {@code *.json} directly in {@code folder}, sorted by name. */
    static Map<String, byte[]> jsonFiles(URL folder, Path source) {
        if (folder == null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "built-in spec folder is missing from the class path");
        try {
            URI uri = folder.toURI();
            if (!"jar".equals(uri.getScheme())) return read(Path.of(uri));
            try (FileSystem zip = FileSystems.newFileSystem(uri, Map.of())) {
                return read(zip.provider().getPath(uri));
            } catch (FileSystemAlreadyExistsException e) {
                return read(FileSystems.getFileSystem(uri).provider().getPath(uri));
            }
        } catch (IOException | URISyntaxException e) {
            throw new WiscaException(ErrorKind.IO, source, null, "cannot list built-in specs: " + e.getMessage(), e);
        }
    }

    private static Map<String, byte[]> read(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json"))
                .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Path p : files) out.put(p.getFileName().toString(), Files.readAllBytes(p));
        return out;
    }
}
