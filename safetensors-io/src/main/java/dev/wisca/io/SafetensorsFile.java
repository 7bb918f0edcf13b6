package dev.wisca.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file, memory-mapped read-only as a single segment (no 2 GiB windows). Opening
 * validates the header and touches nothing else; tensors are zero-copy slices of the mapping and
 * stay valid until {@link #close()}. Safe to read from several threads.
 */
public final class SafetensorsFile implements TensorSource {
    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final Header header;
    private final Map<String, TensorInfo> byName;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment file, Header header) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.header = header;
        this.byName = HashMap.newHashMap(header.tensors().size());
        for (TensorInfo info : header.tensors()) byName.put(info.name(), info);
    }

    /**
     * Maps and validates {@code path}.
     *
     * @throws WiscaException the reference error kind for an invalid file, {@link ErrorKind#GIT_LFS_POINTER}
     *                        for a pointer file, {@link ErrorKind#IO} when the file cannot be read
     */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw WiscaException.of(ErrorKind.IO, path, "is a directory; expected a .safetensors file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = map(path, arena);
            Header header = HeaderParser.parse(file, file.byteSize(), path);
            return new SafetensorsFile(path, arena, file, header);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static MemorySegment map(Path path, Arena arena) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HeaderParser.LENGTH_FIELD_BYTES) {
                // Nothing worth mapping; let the parser report HeaderTooSmall.
                HeaderParser.parse(MemorySegment.ofArray(new byte[0]), size, path);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "permission denied", e);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "cannot read: " + e.getMessage(), e);
        }
    }

    public Path path() { return path; }

    public Header header() { return header; }

    /** Bytes in the file: {@code 8 + N + data length}. */
    public long fileSize() { return file.byteSize(); }

    /** Header entries in data-offset order. */
    @Override
    public List<TensorInfo> tensors() { return header.tensors(); }

    @Override
    public Map<String, String> metadata() { return header.metadata(); }

    @Override
    public Optional<Tensor> find(String name) {
        requireOpen();
        TensorInfo info = byName.get(name);
        return info == null ? Optional.empty() : Optional.of(slice(info));
    }

    @Override
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, path, name,
            "no such tensor in this file (it holds " + byName.size() + ")"));
    }

    private Tensor slice(TensorInfo info) {
        MemorySegment data = file.asSlice(header.dataStart() + info.begin(), info.byteLength()).asReadOnly();
        return new Tensor(info, data, path);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    /** Unmaps the file; tensors handed out earlier become unusable. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors, " + fileSize() + " bytes]";
    }
}
