package dev.wisca.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
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
 *
 * <p>The bulk passes (statistics, rescale writes) read through the file's channel instead
 * ({@link #read}, {@link #transferTo}): a file truncated underneath then gives a typed
 * {@link ErrorKind#FILE_CHANGED} instead of a fault on the mapping, and {@link #checkUnchanged()}
 * tells whether it was rewritten since it was opened.
 */
public final class SafetensorsFile implements TensorSource {
    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final Header header;
    private final Map<String, TensorInfo> byName;
    private final FileReads reads;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment file, Header header, FileReads reads) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.header = header;
        this.reads = reads;
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
        FileChannel channel = openChannel(path);
        try {
            FileReads reads = fileReads(path, channel);
            MemorySegment file = map(path, channel, reads.size(), arena);
            Header header = HeaderParser.parse(file, file.byteSize(), path);
            return new SafetensorsFile(path, arena, file, header, reads);
        } catch (RuntimeException e) {
            arena.close();
            closeQuietly(channel);
            throw e;
        }
    }

    private static FileChannel openChannel(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw cannotRead(path, e);
        }
    }

    private static FileReads fileReads(Path path, FileChannel channel) {
        try {
            return FileReads.of(path, channel);
        } catch (IOException e) {
            throw cannotRead(path, e);
        }
    }

    private static MemorySegment map(Path path, FileChannel channel, long size, Arena arena) {
        if (size < HeaderParser.LENGTH_FIELD_BYTES) {
            // Nothing worth mapping; let the parser report HeaderTooSmall.
            HeaderParser.parse(MemorySegment.ofArray(new byte[0]), size, path);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw cannotRead(path, e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Opening failed already; that error is the one to report.
        }
    }

    private static WiscaException cannotRead(Path path, IOException cause) {
        try {
            throw cause;
        } catch (NoSuchFileException e) {
            return new WiscaException(ErrorKind.IO, path, null, "no such file", e);
        } catch (AccessDeniedException e) {
            return new WiscaException(ErrorKind.IO, path, null, "permission denied", e);
        } catch (IOException e) {
            return new WiscaException(ErrorKind.IO, path, null, "cannot read: " + e.getMessage(), e);
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

    /**
     * Copies bytes {@code [offset, offset + dst.byteSize())} of a tensor's data into {@code dst} with
     * positional reads (not through the mapping).
     */
    @Override
    public void read(String tensor, long offset, MemorySegment dst) {
        requireOpen();
        reads.read(dataPosition(tensor, offset, dst.byteSize()), dst, tensor);
    }

    /** Appends a whole tensor's bytes to {@code out} inside the kernel (copy_file_range, a reflink where supported). */
    public void transferTo(String tensor, WritableByteChannel out) {
        requireOpen();
        TensorInfo info = info(tensor);
        reads.transferTo(dataPosition(tensor, 0, info.byteLength()), info.byteLength(), out, tensor);
    }

    /** {@link ErrorKind#FILE_CHANGED} unless the file is still the one opened (size, modification time, identity). */
    public void checkUnchanged() { reads.checkUnchanged(); }

    private long dataPosition(String tensor, long offset, long length) {
        TensorInfo info = info(tensor);
        if (offset < 0 || length < 0 || offset + length > info.byteLength()) {
            throw new IndexOutOfBoundsException(tensor + ": bytes [" + offset + ", " + (offset + length)
                + ") outside its " + info.byteLength());
        }
        return header.dataStart() + info.begin() + offset;
    }

    private TensorInfo info(String tensor) {
        TensorInfo info = byName.get(tensor);
        if (info == null) {
            throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, path, tensor,
                "no such tensor in this file (it holds " + byName.size() + ")");
        }
        return info;
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
        reads.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors, " + fileSize() + " bytes]";
    }
}
