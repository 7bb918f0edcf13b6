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
 * One safetensors file. Opening reads and validates the header with one positional read (8 + N
 * bytes) and touches nothing else; the file is memory-mapped read-only as a single segment (no 2 GiB
 * windows) only when a tensor is first asked for ({@link #find}, {@link #tensor}), so a command that
 * needs headers only ({@code inspect}, a plan over 100 shards) maps nothing and frees nothing.
 * Tensors are zero-copy slices of the mapping and stay valid until {@link #close()}. Safe to read
 * from several threads.
 *
 * <p>The bulk passes (statistics, rescale writes) read through the file's channel instead
 * ({@link #read}): a file truncated underneath then gives a typed
 * {@link ErrorKind#FILE_CHANGED} instead of a fault on the mapping, and {@link #checkUnchanged()}
 * tells whether it was rewritten since it was opened.
 */
public final class SafetensorsFile implements TensorSource {
    /** The first read at open: the whole header of most files, and any Git LFS pointer file whole. */
    private static final int FIRST_READ_BYTES = 64 * 1024;

    private final Path path;
    private final Header header;
    private final Map<String, TensorInfo> byName;
    private final FileReads reads;
    /** The mapping, made by the first {@link #slice}; guarded by {@code this}, with {@link #file}. */
    private Arena arena;
    private volatile MemorySegment file;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Header header, FileReads reads) {
        this.path = path;
        this.header = header;
        this.reads = reads;
        this.byName = HashMap.newHashMap(header.tensors().size());
        for (TensorInfo info : header.tensors()) byName.put(info.name(), info);
    }

    /**
     * Reads and validates the header of {@code path} (the data is mapped on first use).
     *
     * @throws WiscaException the reference error kind for an invalid file, {@link ErrorKind#GIT_LFS_POINTER}
     *                        for a pointer file, {@link ErrorKind#IO} when the file cannot be read
     */
    public static SafetensorsFile open(Path path) {
        if (Files.isDirectory(path)) {
            throw WiscaException.of(ErrorKind.IO, path, "is a directory; expected a .safetensors file");
        }
        FileChannel channel = openChannel(path);
        try {
            FileReads reads = fileReads(path, channel);
            Header header = HeaderParser.parse(fileStart(reads), reads.size(), path);
            return new SafetensorsFile(path, header, reads);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * The file's first bytes the parser needs, read with positional reads: {@code 8 + N} for a header
     * length N that fits the file (one read for headers under {@value #FIRST_READ_BYTES} bytes), else the
     * first read alone, which holds what the parser reports on (a Git LFS pointer file is ~130 bytes).
     */
    private static MemorySegment fileStart(FileReads reads) {
        long size = reads.size();
        MemorySegment first = MemorySegment.ofArray(new byte[(int) Math.min(size, FIRST_READ_BYTES)]);
        reads.read(0, first, null);
        if (size < HeaderParser.LENGTH_FIELD_BYTES) return first;
        long headerLength = HeaderParser.lengthField(first);
        long needed = HeaderParser.LENGTH_FIELD_BYTES + headerLength;
        if (headerLength < 0 || headerLength > HeaderParser.MAX_HEADER_LENGTH || needed > size || needed <= first.byteSize()) {
            return first;
        }
        MemorySegment whole = MemorySegment.ofArray(new byte[(int) needed]);
        reads.read(0, whole, null);
        return whole;
    }

    /** The whole file mapped read-only, made once; a file now shorter than at open is FILE_CHANGED, not a fault later. */
    private MemorySegment mapping() {
        MemorySegment mapped = file;
        if (mapped != null) return mapped;
        synchronized (this) {
            requireOpen();
            if (file == null) {
                Arena shared = Arena.ofShared();
                try {
                    file = reads.map(shared);
                } catch (RuntimeException e) {
                    shared.close();
                    throw e;
                }
                arena = shared;
            }
            return file;
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
    public long fileSize() { return reads.size(); }

    /** Header entries in data-offset order. */
    @Override
    public List<TensorInfo> tensors() { return header.tensors(); }

    @Override
    public Map<String, String> metadata() { return header.metadata(); }

    /** Whether the header lists {@code name} (maps nothing, unlike {@link #find}). */
    public boolean holds(String name) { return byName.containsKey(name); }

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

    /** Where tensor {@code tensor}'s data starts in the file. */
    long filePosition(String tensor) {
        return dataPosition(tensor, 0, 0);
    }

    /** Fills {@code dst} with the file's bytes at {@code position} (positional reads); {@code tensor} names the bytes in errors. */
    void readAt(long position, MemorySegment dst, String tensor) {
        requireOpen();
        reads.read(position, dst, tensor);
    }

    /** The whole file mapped read-only (mapped on first use). */
    MemorySegment mapped() {
        requireOpen();
        return mapping();
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
        MemorySegment data = mapping().asSlice(header.dataStart() + info.begin(), info.byteLength()).asReadOnly();
        return new Tensor(info, data, path);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    /** Unmaps the file (if it was mapped); tensors handed out earlier become unusable. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (arena != null) arena.close();
        reads.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors, " + fileSize() + " bytes]";
    }
}
