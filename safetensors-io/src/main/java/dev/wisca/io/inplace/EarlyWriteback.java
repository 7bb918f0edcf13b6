package dev.wisca.io.inplace;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts the writeback of a file being rewritten while the rewrite goes on: after every
 * {@value #EVERY_BYTES} bytes written, one {@code fdatasync} on a helper thread (at most one at a
 * time), so the disk writes the first pages while the rewrite computes the next and the caller's final
 * fsync has only the tail left. The kernel would not start on its own before the dirty pages reach
 * its background ratio (10% of memory here: gigabytes). Extra fsyncs change nothing of the crash
 * argument (the kernel may write any dirty page back at any time anyway); their errors are not lost:
 * {@link #finish} rethrows the first, since Linux reports a failed writeback to one fsync only.
 */
public final class EarlyWriteback implements AutoCloseable {
    /** 32 MiB: a few ms of journal commit per fsync against ~10 ms of writeback each. */
    static final long EVERY_BYTES = 32L << 20;

    private final FileChannel channel;
    private final ExecutorService helper = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("wisca-writeback").unstarted(r));
    private long unsynced;
    private Future<?> pending;
    private IOException failure;

    public EarlyWriteback(FileChannel channel) { this.channel = channel; }

    /** Counts {@code bytes} just written to the channel; starts a writeback once enough are dirty and none runs. */
    public synchronized void wrote(long bytes) {
        unsynced += bytes;
        if (unsynced < EVERY_BYTES || (pending != null && !pending.isDone())) return;
        collect();
        unsynced = 0;
        pending = helper.submit(() -> {
            channel.force(false);
            return null;
        });
    }

    /** Waits for the writeback under way; throws the first error any of them had. The caller's own fsync follows. */
    public synchronized void finish() throws IOException {
        if (pending != null) {
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the writeback", e);
            } catch (ExecutionException e) {
                record(e.getCause());
            }
            pending = null;
        }
        if (failure != null) throw failure;
    }

    private void collect() {
        if (pending == null) return;
        try {
            pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            record(e.getCause());
        }
        pending = null;
    }

    private void record(Throwable t) {
        IOException e = t instanceof IOException io ? io : new IOException("writeback failed: " + t, t);
        if (failure == null) failure = e;
        else failure.addSuppressed(e);
    }

    /** Stops the helper (after {@link #finish}, or on a failure path where the journal rolls back). */
    @Override
    public void close() {
        helper.shutdown();   // not interrupted: that would close the caller's channel
    }
}
