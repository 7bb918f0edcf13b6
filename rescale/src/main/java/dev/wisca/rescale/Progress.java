package dev.wisca.rescale;

/**
 * Listens to long work: a phase starts with its totals, advances in steps, finishes. A command line
 * draws it as a bar; a library caller may log it or ignore it ({@link #NONE}).
 *
 * <p>{@link #advance} may be called from several worker threads at once; {@link #start} and
 * {@link #finish} come from the thread that runs the phase, one phase at a time.
 */
public interface Progress {
    /** Ignores everything. */
    Progress NONE = new Progress() {
        @Override public void start(String phase, long totalBytes, int totalTensors) {}

        @Override public void advance(long bytes, int tensors) {}

        @Override public void finish() {}
    };

    /** A phase begins ({@code stats}, {@code write}, ...) with the bytes and tensors it will go through. */
    void start(String phase, long totalBytes, int totalTensors);

    /** {@code bytes} more were processed and {@code tensors} more were completed. */
    void advance(long bytes, int tensors);

    /** The phase is done (also after a failure, so a bar can end its line). */
    void finish();
}
