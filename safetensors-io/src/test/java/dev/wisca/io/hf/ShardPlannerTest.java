package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardPlannerTest {
    /** A U8 tensor of {@code bytes} bytes. */
    private static TensorSpec u8(String name, long bytes) {
        return new TensorSpec(name, Dtype.U8, new long[] {bytes});
    }

    private static List<List<String>> names(List<ShardPlanner.PlannedShard> shards) {
        return shards.stream().map(s -> s.tensors().stream().map(TensorSpec::name).toList()).toList();
    }

    @Test
    void packsGreedilyInTensorOrderWithExactFit() {
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(
            List.of(u8("a", 60), u8("b", 40), u8("c", 1), u8("d", 99), u8("e", 50)), 100, "model");
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), names(shards));
        assertEquals(List.of(100L, 100L, 50L), shards.stream().map(ShardPlanner.PlannedShard::tensorBytes).toList());
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"),
            shards.stream().map(ShardPlanner.PlannedShard::fileName).toList());
    }

    @Test
    void aTensorOverTheLimitGetsItsOwnShardInPlace() {
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(
            List.of(u8("a", 10), u8("huge", 250), u8("b", 10), u8("c", 10)), 100, "model");
        assertEquals(List.of(List.of("a"), List.of("huge"), List.of("b", "c")), names(shards));
    }

    @Test
    void aTensorOverTheLimitFirstStillStandsAlone() {
        assertEquals(List.of(List.of("huge"), List.of("a")), names(ShardPlanner.plan(List.of(u8("huge", 101), u8("a", 1)), 100, "model")));
    }

    @Test
    void oneShardIsThePlainFileName() {
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(List.of(u8("a", 60), u8("b", 40)), 100, "adapter_model");
        assertEquals(1, shards.size());
        assertEquals("adapter_model.safetensors", shards.getFirst().fileName());
    }

    @Test
    void countsBytesOfEveryDtypeIncludingSubByte() {
        TensorSpec f32 = new TensorSpec("w", Dtype.F32, new long[] {5, 5});
        TensorSpec f4 = new TensorSpec("q", Dtype.F4, new long[] {100});
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(List.of(f32, f4), 149, "model");
        assertEquals(List.of(100L, 50L), shards.stream().map(ShardPlanner.PlannedShard::tensorBytes).toList());
    }

    @Test
    void noTensorsGiveOneEmptyShard() {
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(List.of(), 100, "model");
        assertEquals(List.of(List.of()), names(shards));
        assertEquals("model.safetensors", shards.getFirst().fileName());
    }

    @Test
    void moreThanNineShardsKeepFiveDigits() {
        List<TensorSpec> specs = java.util.stream.IntStream.range(0, 12).mapToObj(i -> u8("t" + i, 10)).toList();
        List<ShardPlanner.PlannedShard> shards = ShardPlanner.plan(specs, 10, "model");
        assertEquals("model-00012-of-00012.safetensors", shards.getLast().fileName());
    }

    @Test
    void rejectsANonPositiveLimit() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WiscaException.class, () -> ShardPlanner.plan(List.of(), 0, "model")).kind());
    }

    @Test
    void recognisesNumberedShardNames() {
        assertEquals(true, ShardNames.isNumberedShard("model", "model-00001-of-00002.safetensors"));
        assertEquals(false, ShardNames.isNumberedShard("model", "model.safetensors"));
        assertEquals(false, ShardNames.isNumberedShard("model", "adapter_model-00001-of-00002.safetensors"));
        assertEquals(false, ShardNames.isNumberedShard("model", "model-1-of-2.safetensors"));
    }
}
