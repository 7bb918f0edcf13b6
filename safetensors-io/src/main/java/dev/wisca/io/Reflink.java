package dev.wisca.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Ranges of a target file made to share the extents of a source file's ranges, on a file system that
 * can (XFS, Btrfs, bcachefs, OCFS2, ZFS with block cloning): Linux's {@code FICLONERANGE} ioctl, which
 * {@code cp --reflink} uses. A shared range costs a metadata update instead of a data write, and no
 * disk space until one of the files changes it (copy on write). Both offsets and the length must be
 * multiples of the file system's block (the writers share only whole aligned blocks of page-matched
 * layouts, {@link SafetensorsWriter#create(Path, java.util.List, java.util.Map, int, SafetensorsFile)}).
 *
 * <p>Why not {@code copy_file_range} ({@code FileChannel.transferTo}): it also clones where it can, but
 * does not say whether it did; where it cannot, it copies through the page cache, which on the development
 * VM is slower than the direct writes that are the fallback here. This answers yes or no, so the caller
 * writes exactly the blocks that were not shared.
 *
 * <p>The first refusal (the file system cannot share extents, the files lie on different file systems,
 * a range is not aligned) ends its use for the pair: {@link #share} then returns false at once and the
 * caller writes those bytes. Linux on x86-64 and AArch64 only (where the ioctl's number is this one);
 * elsewhere, and on file systems known to share nothing (ext4, tmpfs, ...), {@link #open} gives none
 * without touching the native linker. Thread-safe.
 */
final class Reflink implements AutoCloseable {
    /** {@code _IOW(0x94, 13, struct file_clone_range)}: the same number on x86-64 and the asm-generic architectures. */
    private static final long FICLONERANGE = 0x4020940DL;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    /** File systems that never share extents: not worth loading the native calls for. */
    private static final Set<String> NEVER = Set.of("ext2", "ext3", "ext4", "tmpfs", "ramfs", "devtmpfs", "vfat", "msdos",
        "exfat", "ntfs", "ntfs3", "fuseblk", "iso9660", "squashfs", "9p", "proc", "sysfs");
    private static final boolean PLATFORM = System.getProperty("os.name", "").equals("Linux")
        && Set.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch", ""));

    private final int sourceFd;
    private final int targetFd;
    private volatile boolean refused;
    private volatile int refusal;  // errno of the refusal, 0 while none
    private boolean closed;        // guarded by this

    private Reflink(int sourceFd, int targetFd) {
        this.sourceFd = sourceFd;
        this.targetFd = targetFd;
    }

    /**
     * Opens {@code source} for reading and {@code target} (an existing file) for writing, to share ranges of
     * the one with the other; empty where that cannot work here (platform, file system) or a file cannot be
     * opened (the caller's own I/O then reports any real problem).
     */
    static Optional<Reflink> open(Path source, Path target) {
        if (!PLATFORM || neverShares(target)) return Optional.empty();
        try {
            int in = Calls.open(source, O_RDONLY | O_CLOEXEC);
            if (in < 0) return Optional.empty();
            int out = Calls.open(target, O_WRONLY | O_CLOEXEC);
            if (out < 0) {
                Calls.close(in);
                return Optional.empty();
            }
            return Optional.of(new Reflink(in, out));
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();  // the native calls could not be bound (no such libc symbol, native access denied)
        }
    }

    private static boolean neverShares(Path target) {
        try {
            return NEVER.contains(Files.getFileStore(target).type().toLowerCase(Locale.ROOT));
        } catch (IOException | RuntimeException e) {
            return true;  // no file store to ask: the plain writes it is
        }
    }

    /**
     * Makes {@code length} bytes of the target at {@code targetOffset} share the source's extents at
     * {@code sourceOffset}: true when done (the target then reads the source's bytes there); false when
     * refused, now or before (nothing changed: the caller writes those bytes).
     */
    boolean share(long sourceOffset, long length, long targetOffset) {
        if (refused) return false;
        int errno;
        synchronized (this) {
            if (closed) return false;
            errno = Calls.cloneRange(sourceFd, sourceOffset, length, targetFd, targetOffset);
        }
        if (errno == 0) return true;
        refusal = errno;
        refused = true;
        return false;
    }

    /** The errno with which the file system refused, 0 while it has not (tests, diagnostics). */
    int refusal() { return refusal; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Calls.close(sourceFd);
        Calls.close(targetFd);
    }

    /** The three libc calls, bound on first use. */
    private static final class Calls {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final StructLayout STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");
        // open(const char *path, int flags, ...) and ioctl(int fd, unsigned long request, ...): variadic after two.
        private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
        private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), ERRNO_CAPTURE);
        private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        /** struct file_clone_range { __s64 src_fd; __u64 src_offset; __u64 src_length; __u64 dest_offset; } */
        private static final long RANGE_BYTES = 32;

        @SuppressWarnings("restricted")  // native access is enabled for the launcher's JVMs (bin/jvm-flags)
        private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
        }

        static int open(Path path, int flags) {
            try (Arena arena = Arena.ofConfined()) {
                return (int) OPEN.invokeExact(arena.allocateFrom(path.toAbsolutePath().toString()), flags);
            } catch (Throwable t) {
                return -1;
            }
        }

        static void close(int fd) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // Nothing to do about a descriptor that does not close; the process ends soon enough.
            }
        }

        /** 0 when the range is shared, else the errno (or -1 when the call could not be made). */
        static int cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment range = arena.allocate(RANGE_BYTES, 8);
                range.set(JAVA_LONG, 0, sourceFd);
                range.set(JAVA_LONG, 8, sourceOffset);
                range.set(JAVA_LONG, 16, length);
                range.set(JAVA_LONG, 24, targetOffset);
                MemorySegment state = arena.allocate(STATE);
                int result = (int) IOCTL.invokeExact(state, targetFd, FICLONERANGE, range);
                return result == 0 ? 0 : Math.max(1, (int) ERRNO.get(state, 0L));
            } catch (Throwable t) {
                return -1;
            }
        }
    }
}
