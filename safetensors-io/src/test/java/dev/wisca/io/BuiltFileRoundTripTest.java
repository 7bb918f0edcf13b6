package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Files built independently of the reader parse to exactly the header that was built. */
class BuiltFileRoundTripTest {

    @Provide
    Arbitrary<BuiltFile> files() {
        return Checkpoints.files();
    }

    @Property(tries = 300)
    void parsesToTheBuiltHeader(@ForAll("files") BuiltFile built) {
        Header header = TestFiles.parse(built.bytes());
        assertEquals(built.expected().headerLength(), header.headerLength());
        assertEquals(built.expected().tensors(), header.tensors());
        assertEquals(List.copyOf(built.expected().metadata().entrySet()), List.copyOf(header.metadata().entrySet()));
    }

    @Property(tries = 100)
    void readsBackEveryTensorsBytes(@ForAll("files") BuiltFile built) throws IOException {
        Path path = Files.createTempFile("roundtrip", ".safetensors");
        try {
            Files.write(path, built.bytes());
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertEquals(built.data().keySet(), file.tensors().stream().map(TensorInfo::name).collect(java.util.stream.Collectors.toSet()));
                for (TensorInfo info : file.tensors()) {
                    byte[] read = file.tensor(info.name()).data().toArray(ValueLayout.JAVA_BYTE);
                    assertArrayEquals(built.data().get(info.name()), read, info::toString);
                }
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
