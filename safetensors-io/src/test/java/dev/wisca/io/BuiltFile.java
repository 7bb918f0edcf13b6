package dev.wisca.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A valid safetensors file built independently of the reader (test-only), with the header the
 * reader should report. Tensors are laid out in the given order; the JSON may list them in
 * another order, may put {@code __metadata__} anywhere and may pad with spaces.
 *
 * @param bytes    the whole file
 * @param expected the header it must parse to
 * @param data     each tensor's bytes, by name
 */
record BuiltFile(byte[] bytes, Header expected, Map<String, byte[]> data) {

    /** One tensor to write. {@code data} must hold exactly its byte size. */
    record Spec(String name, Dtype dtype, long[] shape, byte[] data) {
        @Override
        public String toString() { return name + " " + dtype + Arrays.toString(shape); }
    }

    /**
     * @param layout        tensors in data order
     * @param metadata      {@code __metadata__} entries (omitted when empty)
     * @param jsonOrder     a permutation of {@code layout} indices: the order of the JSON entries
     * @param metadataSlot  where {@code __metadata__} goes among the JSON entries (0 = first)
     * @param trailingSpaces spaces appended to the JSON
     */
    static BuiltFile build(List<Spec> layout, Map<String, String> metadata, List<Integer> jsonOrder,
                           int metadataSlot, int trailingSpaces) {
        List<TensorInfo> infos = new ArrayList<>();
        Map<String, byte[]> data = new LinkedHashMap<>();
        long offset = 0;
        for (Spec spec : layout) {
            infos.add(new TensorInfo(spec.name(), spec.dtype(), spec.shape(), offset, offset + spec.data().length));
            data.put(spec.name(), spec.data());
            offset += spec.data().length;
        }
        List<String> members = new ArrayList<>();
        for (int index : jsonOrder) members.add(member(infos.get(index)));
        if (!metadata.isEmpty()) members.add(Math.min(metadataSlot, members.size()), metadataMember(metadata));
        String json = "{" + String.join(",", members) + "}" + " ".repeat(trailingSpaces);
        byte[] header = json.getBytes(StandardCharsets.UTF_8);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(TestFiles.le64(header.length));
        out.writeBytes(header);
        for (Spec spec : layout) out.writeBytes(spec.data());
        // Zero-size tensors can share offsets; among equal offsets the reader keeps JSON order.
        List<TensorInfo> expected = new ArrayList<>();
        for (int index : jsonOrder) expected.add(infos.get(index));
        expected.sort(java.util.Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        return new BuiltFile(out.toByteArray(), new Header(header.length, metadata, expected), data);
    }

    private static String member(TensorInfo info) {
        StringBuilder shape = new StringBuilder("[");
        long[] dims = info.shape();
        for (int i = 0; i < dims.length; i++) shape.append(i == 0 ? "" : ",").append(dims[i]);
        return quote(info.name()) + ":{\"dtype\":\"" + info.dtype().headerName() + "\",\"shape\":" + shape
            + "],\"data_offsets\":[" + info.begin() + "," + info.end() + "]}";
    }

    private static String metadataMember(Map<String, String> metadata) {
        List<String> pairs = new ArrayList<>();
        metadata.forEach((k, v) -> pairs.add(quote(k) + ":" + quote(v)));
        return "\"__metadata__\":{" + String.join(",", pairs) + "}";
    }

    /** JSON string literal; control characters and every third non-ASCII char as {@code \\u} escapes. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int nonAscii = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '"' || cp == '\\') sb.append('\\').append((char) cp);
            else if (cp < 0x20 || (cp > 0x7f && nonAscii++ % 3 == 0)) {
                for (char unit : Character.toChars(cp)) sb.append(String.format("\\u%04x", (int) unit));
            } else sb.appendCodePoint(cp);
        }
        return sb.append('"').toString();
    }
}
