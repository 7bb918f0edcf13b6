package dev.wisca.io.hf;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Rewrites a checkpoint through the streaming writer, optionally converting float tensors to
 * another dtype. The output mirrors the input: a file gives a file; a folder gives a folder with
 * the same base name (model / adapter_model), resharded, with its side files copied.
 */
public final class Reshard {
    /** What was written. */
    public record Result(Path output, List<Path> weightFiles, List<Path> copiedFiles, int convertedTensors) {
        public Result {
            weightFiles = List.copyOf(weightFiles);
            copiedFiles = List.copyOf(copiedFiles);
        }
    }

    private Reshard() {}

    /**
     * Rewrites {@code in} to {@code out}. {@code maxShardSize} applies to folders; with {@code dtype},
     * float tensors that have a codec are converted (rounding to nearest even), all others copied, and
     * config.json's {@code dtype}/{@code torch_dtype} follow. An existing output is refused.
     */
    public static Result run(Path in, Path out, long maxShardSize, Optional<Dtype> dtype) {
        return run(in, out, maxShardSize, dtype, Overwrite.NEVER, bytes -> { });
    }

    /**
     * As above, through {@link Outputs} (never onto an input; an occupied output only with
     * {@link Overwrite#REPLACE}; a folder built beside and swapped in); {@code tensorDone} is told each
     * tensor's input byte length once it is written (for progress).
     */
    public static Result run(Path in, Path out, long maxShardSize, Optional<Dtype> dtype, Overwrite overwrite, LongConsumer tensorDone) {
        Optional<ElementCodec> target = dtype.map(Reshard::targetCodec);
        try (Checkpoint source = Checkpoint.open(in)) {
            return Checkpoint.guarded(List.of(source), () -> rewrite(source, out, maxShardSize, dtype, target, overwrite, tensorDone));
        }
    }

    private static Result rewrite(Checkpoint source, Path out, long maxShardSize, Optional<Dtype> dtype, Optional<ElementCodec> target,
                                  Overwrite overwrite, LongConsumer tensorDone) {
        List<TensorSpec> specs = source.tensors().stream().map(t -> outputSpec(t, target)).toList();
        int converted = (int) source.tensors().stream().filter(t -> converts(t.dtype(), target)).count();
        CheckpointWriter.TensorFeed feed = (spec, writer) -> {
            Tensor tensor = source.tensor(spec.name());
            write(tensor, spec, writer);
            tensorDone.accept(tensor.data().byteSize());
        };
        if (source.file().isPresent()) {
            return Outputs.file(Outputs.fileTarget(out, source.file().get()), overwrite, source.inputs(), file -> {
                try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, source.metadata())) {
                    for (TensorSpec spec : writer.fileOrder()) feed.write(spec, writer);
                    writer.commit();
                }
                return new Result(file, List.of(file), List.of(), converted);
            });
        }
        Path folder = out.toAbsolutePath().normalize();
        return Outputs.folder(folder, overwrite, source.inputs(), staging -> {
            CheckpointWriter writer = CheckpointWriter.plan(staging, source.baseName(), specs, maxShardSize, source.metadata());
            List<Path> sideFiles = source.sideFiles();
            writer.copySideFiles(sideFiles.stream().filter(p -> dtype.isEmpty() || !ConfigDtype.isConfig(p)).toList());
            dtype.ifPresent(d -> sideFiles.stream().filter(ConfigDtype::isConfig).findFirst()
                .ifPresent(config -> AtomicFiles.write(staging.resolve(config.getFileName().toString()), ConfigDtype.rewrite(config, d))));
            writer.write(feed);
            List<Path> weights = writer.shards().stream().map(s -> folder.resolve(s.fileName())).toList();
            List<Path> copied = sideFiles.stream().map(p -> folder.resolve(p.getFileName().toString())).toList();
            return new Result(folder, weights, copied, converted);
        });
    }

    private static void write(Tensor tensor, TensorSpec spec, SafetensorsWriter writer) {
        if (tensor.dtype() == spec.dtype()) {
            writer.write(spec.name(), tensor.data());
        } else {
            writer.write(spec.name(), new DtypeConversion(tensor.data(), Codecs.of(tensor.dtype()), Codecs.of(spec.dtype())));
        }
    }

    private static TensorSpec outputSpec(TensorInfo info, Optional<ElementCodec> target) {
        return converts(info.dtype(), target) ? new TensorSpec(info.name(), target.get().dtype(), info.shape()) : TensorSpec.of(info);
    }

    /** Float tensors with a codec convert; packed sub-byte floats, integers, bools and complex are copied. */
    private static boolean converts(Dtype source, Optional<ElementCodec> target) {
        return target.isPresent() && source != target.get().dtype() && source.isFloat() && Codecs.hasCodec(source);
    }

    private static ElementCodec targetCodec(Dtype dtype) {
        if (!dtype.isFloat() || !Codecs.hasCodec(dtype) || !Codecs.of(dtype).canEncode()) {
            throw WiscaException.of(ErrorKind.UNSUPPORTED_DTYPE, null,
                "cannot convert tensors to " + dtype + "; choose a float dtype such as bf16, f16, f32 or f64");
        }
        return Codecs.of(dtype);
    }
}
