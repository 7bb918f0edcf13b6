package dev.wisca.io;

/**
 * What went wrong. The first kinds are the reference safetensors error kinds, in validation
 * order, printed with the reference names ({@code HeaderTooSmall}); the rest are wisca's own.
 */
public enum ErrorKind {
    HEADER_TOO_SMALL("HeaderTooSmall"),
    HEADER_TOO_LARGE("HeaderTooLarge"),
    INVALID_HEADER_LENGTH("InvalidHeaderLength"),
    INVALID_HEADER("InvalidHeader"),
    INVALID_HEADER_DESERIALIZATION("InvalidHeaderDeserialization"),
    INVALID_OFFSET("InvalidOffset"),
    VALIDATION_OVERFLOW("ValidationOverflow"),
    MISALIGNED_SLICE("MisalignedSlice"),
    TENSOR_INVALID_INFO("TensorInvalidInfo"),
    METADATA_INCOMPLETE_BUFFER("MetadataIncompleteBuffer"),
    /** A Git LFS pointer file where a checkpoint was expected. */
    GIT_LFS_POINTER("GitLfsPointer"),
    TENSOR_NOT_FOUND("TensorNotFound"),
    DUPLICATE_TENSOR("DuplicateTensor"),
    INVALID_INDEX("InvalidIndex"),
    INVALID_CONFIG("InvalidConfig"),
    UNSUPPORTED_DTYPE("UnsupportedDtype"),
    UNKNOWN_ARCHITECTURE("UnknownArchitecture"),
    INVALID_SPEC("InvalidSpec"),
    INVALID_PLAN("InvalidPlan"),
    /** A checkpoint tensor that the family's spec neither binds to a role nor lists as passthrough. */
    UNCLAIMED_TENSOR("UnclaimedTensor"),
    /** A plan made for another checkpoint (fingerprints or the headers' wisca.plan stamp differ). */
    PLAN_MISMATCH("PlanMismatch"),
    /** The requested pairs match no site of this model. */
    NO_MATCHING_SITES("NoMatchingSites"),
    /** An output path that is, contains or lies inside an input (compared by file identity). */
    OUTPUT_OVERLAPS_INPUT("OutputOverlapsInput"),
    /** An output folder that already holds files, without --force. */
    OUTPUT_EXISTS("OutputExists"),
    /** An input file truncated or rewritten while wisca read it. */
    FILE_CHANGED("FileChanged"),
    /** Written values that are not finite or do not fit the stored dtype. */
    VALUE_OUT_OF_RANGE("ValueOutOfRange"),
    /** An optimizer state file (the Trainer's optimizer.pt) that wisca cannot read, or cannot map to parameters without guessing. */
    INVALID_OPTIMIZER_STATE("InvalidOptimizerState"),
    /** An in-place rewrite's journal that is there but cannot be rolled back or forward (named in the message). */
    UNFINISHED_JOURNAL("UnfinishedJournal"),
    /** Another process (or thread) is rewriting this checkpoint in place: its lock is held. */
    CHECKPOINT_BUSY("CheckpointBusy"),
    INVALID_ARGUMENT("InvalidArgument"),
    NOT_EQUIVALENT("NotEquivalent"),
    IO("IO");

    private final String displayName;

    ErrorKind(String displayName) { this.displayName = displayName; }

    /** The name users see, e.g. {@code InvalidOffset}. */
    public String displayName() { return displayName; }

    @Override
    public String toString() { return displayName; }
}
