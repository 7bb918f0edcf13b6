"""Differential test data from the REFERENCE safetensors implementation (the Rust-backed ``safetensors`` package).

    python safetensors_diff.py OUT_DIR [--seed N]

Writes, for dev.wisca.io.ReferenceDifferentialTest to compare against wisca:

* ``writer/cases.json`` + ``writer/<id>.safetensors``: random tensors of every dtype ``safetensors.serialize``
  accepts (inputs as hex bytes) and the exact bytes the reference serialized them to.
* ``parity/<id>.safetensors`` + ``parity/verdicts.json``: several hundred mutated and edge-case files with the
  reference's verdict: ``OK`` or the SafeTensorError variant recovered from its message.

Needs only the standard library, numpy and safetensors (``pip install safetensors numpy``).
"""

import argparse
import ctypes
import json
import os
import random
import struct
import sys

import numpy as np
from safetensors import TensorSpec, deserialize, safe_open, serialize

# dtype header name -> (TensorSpec dtype name, numpy dtype for random values or None for raw random bytes).
DTYPES = {
    "BOOL": ("bool", np.bool_),
    "U8": ("uint8", np.uint8),
    "I8": ("int8", np.int8),
    "I16": ("int16", np.int16),
    "U16": ("uint16", np.uint16),
    "F16": ("float16", np.float16),
    "BF16": ("bfloat16", None),
    "I32": ("int32", np.int32),
    "U32": ("uint32", np.uint32),
    "F32": ("float32", np.float32),
    "F64": ("float64", np.float64),
    "I64": ("int64", np.int64),
    "U64": ("uint64", np.uint64),
    "C64": ("complex64", np.complex64),
    "F8_E4M3": ("float8_e4m3fn", None),
    "F8_E5M2": ("float8_e5m2", None),
    "F8_E8M0": ("float8_e8m0fnu", None),
    "F8_E4M3FNUZ": ("float8_e4m3fnuz", None),
    "F8_E5M2FNUZ": ("float8_e5m2fnuz", None),
    "F4": ("float4_e2m1fn_x2", None),
}
BITS = {"BOOL": 8, "U8": 8, "I8": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32,
        "F32": 32, "F64": 64, "I64": 64, "U64": 64, "C64": 64, "F8_E4M3": 8, "F8_E5M2": 8, "F8_E8M0": 8,
        "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}

# The reference's Display text of each SafeTensorError variant (safetensors/src/tensor.rs), in its validation order.
ERROR_KINDS = [
    ("header too small", "HeaderTooSmall"),
    ("header too large", "HeaderTooLarge"),
    ("invalid header length", "InvalidHeaderLength"),
    ("invalid UTF-8 in header", "InvalidHeader"),
    ("invalid JSON in header", "InvalidHeaderDeserialization"),
    ("invalid offset for tensor", "InvalidOffset"),
    ("overflow computing buffer size", "ValidationOverflow"),
    ("The slice is slicing for subbytes dtypes", "MisalignedSlice"),
    ("invalid shape, data type, or offset for tensor", "TensorInvalidInfo"),
    ("incomplete metadata, file not fully covered", "MetadataIncompleteBuffer"),
]

NAME_PIECES = ["w", "model.layers.0.mlp.up_proj.weight", "a", "b", "é", "\u00ff", "\u2028", "\uffff", "\U00010000",
               "\U0001f600", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", " ", "0", "Z", "_"]


def spec_of(header_dtype, shape, data):
    """A TensorSpec for raw little-endian bytes; F4 takes its storage shape (last axis halved)."""
    storage = list(shape)
    if header_dtype == "F4" and storage:
        storage[-1] //= 2
    buf = (ctypes.c_char * max(1, len(data))).from_buffer_copy(data or b"\0")
    return TensorSpec(dtype=DTYPES[header_dtype][0], shape=storage, data_ptr=ctypes.addressof(buf), data_len=len(data)), buf


def random_data(rng, nprng, header_dtype, count):
    numpy_type = DTYPES[header_dtype][1]
    if header_dtype == "F4":
        return bytes(nprng.integers(0, 256, count // 2, dtype=np.uint8))
    if numpy_type is None:
        return bytes(nprng.integers(0, 256, count * BITS[header_dtype] // 8, dtype=np.uint8))
    if numpy_type is np.bool_:
        return nprng.integers(0, 2, count).astype(np.bool_).tobytes()
    if np.issubdtype(numpy_type, np.integer):
        info = np.iinfo(numpy_type)
        return nprng.integers(info.min, info.max, count, dtype=numpy_type, endpoint=True).astype("<" + np.dtype(numpy_type).str[1:]).tobytes()
    values = nprng.standard_normal(count * (2 if numpy_type is np.complex64 else 1)) * 10.0 ** rng.randint(-5, 5)
    real = np.float32 if numpy_type is np.complex64 else numpy_type
    with np.errstate(over="ignore"):  # F16 overflows to infinity: a value worth writing too
        return values.astype(np.dtype(real).newbyteorder("<")).tobytes()


def random_shape(rng, header_dtype):
    rank = rng.choice([0, 1, 1, 2, 2, 3, 4])
    shape = [rng.choice([0, 1, 2, 3, 5, 8, 17]) if rng.random() < 0.15 else rng.randint(1, 9) for _ in range(rank)]
    if header_dtype == "F4":
        shape = shape or [2]
        shape[-1] = 2 * max(1, shape[-1])
    return shape


def random_name(rng, used):
    while True:
        name = "".join(rng.choice(NAME_PIECES) for _ in range(rng.randint(1, 4)))
        if name != "__metadata__" and name not in used:
            used.add(name)
            return name


def writer_cases(out, rng, nprng):
    folder = os.path.join(out, "writer")
    os.makedirs(folder)
    cases = []
    dtypes = list(DTYPES)
    plans = [[d] for d in dtypes] + [dtypes] + [rng.sample(dtypes, rng.randint(2, 6)) for _ in range(60)] + [[], []]
    for index, plan in enumerate(plans):
        used, tensors, specs, keep = set(), [], {}, []
        for dtype in plan:
            shape = random_shape(rng, dtype)
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            data = random_data(rng, nprng, dtype, count)
            name = random_name(rng, used)
            spec, buf = spec_of(dtype, shape, data)
            keep.append(buf)
            specs[name] = spec
            tensors.append({"name": name, "dtype": dtype, "shape": shape, "data": data.hex()})
        # One key only: the reference keeps metadata in a HashMap, so several keys come out in random order.
        metadata = None if index % 2 == 0 else {random_name(rng, set()): random_name(rng, set())}
        case_id = "w%03d" % index
        with open(os.path.join(folder, case_id + ".safetensors"), "wb") as f:
            f.write(serialize(specs, metadata=metadata))
        cases.append({"id": case_id, "metadata": metadata, "tensors": tensors})
    with open(os.path.join(folder, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=True)
    return len(cases)


def file_of(header_text, data=b"", pad=True):
    raw = header_text.encode("utf-8", "surrogatepass") if isinstance(header_text, str) else header_text
    if pad:
        raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


def entry(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def base_file():
    header = {"__metadata__": {"format": "pt"},
              "w": entry("F32", [2, 2], 0, 16), "b": entry("BF16", [3], 16, 22), "m": entry("U8", [2], 22, 24)}
    return json.dumps(header, separators=(",", ":")), bytes(range(24))


def edge_cases():
    """Hand-written headers, each aimed at one rule of the reference's validation."""
    u64 = 2 ** 64 - 1
    cases = {}

    def add(name, header, data=b"", pad=True):
        cases[name] = file_of(header if isinstance(header, (str, bytes)) else json.dumps(header, separators=(",", ":")),
                              data, pad)

    add("empty-object", "{}")
    add("empty-object-trailing-data", "{}", b"\0")
    add("empty-object-unpadded", "{}", pad=False)
    add("header-length-zero", b"", pad=False)
    add("header-not-object-array", "[]")
    add("header-not-object-null", "null")
    add("header-not-object-string", '"x"')
    add("header-leading-whitespace", ' \t\r\n{}')
    add("header-nul-padding", b"{}\0\0\0\0\0\0", pad=False)
    add("header-trailing-comma", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},}', b"\0")
    add("header-trailing-chars", '{}x')
    add("header-two-objects", '{}{}')
    add("header-comment", '{/*c*/}')
    add("header-bom", b"\xef\xbb\xbf{}", pad=True)
    add("header-single-quotes", "{'a':1}")
    add("tensor-scalar", {"s": entry("F64", [], 0, 8)}, bytes(8))
    add("tensor-zero-size", {"z": entry("F32", [0, 4], 0, 0)})
    add("tensor-zero-size-between", {"a": entry("U8", [1], 0, 1), "z": entry("F32", [3, 0], 1, 1), "b": entry("U8", [1], 1, 2)}, b"\0\0")
    add("tensor-zero-size-dim-2^63", {"z": entry("F32", [0, 2 ** 63], 0, 0)})
    add("tensor-zero-size-dim-u64max", {"z": entry("U8", [u64, 0], 0, 0)})
    add("tensor-dim-2^63-nonzero", {"z": entry("U8", [2 ** 63], 0, 0)})
    add("tensor-shape-overflow", {"z": entry("F32", [2 ** 32, 2 ** 32], 0, 0)})
    add("tensor-bits-overflow", {"z": entry("F64", [2 ** 61], 0, 0)})
    add("tensor-dim-2^64", '{"z":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}')
    add("tensor-offset-u64max", {"z": entry("U8", [1], u64, 0)})
    add("tensor-end-u64max", {"z": entry("U8", [1], 0, u64)}, b"\0")
    add("tensor-end-before-begin", {"a": entry("U8", [0], 0, 0), "z": entry("U8", [1], 1, 0)}, b"\0")
    add("tensor-gap", {"a": entry("U8", [1], 0, 1), "b": entry("U8", [1], 2, 3)}, b"\0\0\0")
    add("tensor-overlap", {"a": entry("U8", [2], 0, 2), "b": entry("U8", [2], 1, 3)}, b"\0\0\0")
    add("tensor-not-from-zero", {"a": entry("U8", [1], 1, 2)}, b"\0\0")
    add("tensor-size-mismatch", {"a": entry("F32", [2], 0, 4)}, b"\0" * 4)
    add("tensor-f4-odd", {"a": entry("F4", [3], 0, 2)}, b"\0\0")
    add("tensor-f4-even", {"a": entry("F4", [4], 0, 2)}, b"\0\0")
    add("tensor-f6-four", {"a": entry("F6_E2M3", [4], 0, 3)}, b"\0\0\0")
    add("tensor-f6-two", {"a": entry("F6_E3M2", [2], 0, 2)}, b"\0\0")
    add("tensor-c64", {"a": entry("C64", [1], 0, 8)}, bytes(8))
    add("data-short", {"a": entry("U8", [4], 0, 4)}, b"\0\0\0")
    add("data-long", {"a": entry("U8", [4], 0, 4)}, b"\0" * 5)
    for dtype in ["f32", "FLOAT32", "F8", "F6", "F8_E4M3FN", "", "Q4"]:
        add("dtype-unknown-" + (dtype or "empty"), {"a": entry(dtype, [1], 0, 1)}, b"\0")
    add("dtype-number", '{"a":{"dtype":3,"shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("dtype-null", '{"a":{"dtype":null,"shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("shape-negative", '{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', b"\0")
    add("shape-minus-zero", '{"a":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}')
    add("shape-float", '{"a":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}}', b"\0")
    add("shape-exponent", '{"a":{"dtype":"U8","shape":[1e0],"data_offsets":[0,1]}}', b"\0")
    add("shape-leading-zero", '{"a":{"dtype":"U8","shape":[01],"data_offsets":[0,1]}}', b"\0")
    add("shape-plus", '{"a":{"dtype":"U8","shape":[+1],"data_offsets":[0,1]}}', b"\0")
    add("shape-string", '{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}', b"\0")
    add("shape-null", '{"a":{"dtype":"U8","shape":null,"data_offsets":[0,1]}}', b"\0")
    add("shape-nested", '{"a":{"dtype":"U8","shape":[[1]],"data_offsets":[0,1]}}', b"\0")
    add("offsets-three", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,1]}}', b"\0")
    add("offsets-one", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}}', b"\0")
    add("offsets-empty", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[]}}', b"\0")
    add("field-missing-dtype", '{"a":{"shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("field-missing-shape", '{"a":{"dtype":"U8","data_offsets":[0,1]}}', b"\0")
    add("field-missing-offsets", '{"a":{"dtype":"U8","shape":[1]}}', b"\0")
    add("field-duplicate-dtype", '{"a":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("field-duplicate-shape", '{"a":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("field-extra", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":{"x":[1,2.5,null,true,"s"]}}}', b"\0")
    add("field-extra-huge-number", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1e999}}', b"\0")
    add("field-extra-big-int", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":123456789012345678901234567890}}', b"\0")
    add("field-extra-negative", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":-5}}', b"\0")
    add("field-order-swapped", '{"a":{"data_offsets":[0,1],"shape":[1],"dtype":"U8"}}', b"\0")
    add("entry-as-array", '{"a":["U8",[1],[0,1]]}', b"\0")
    add("entry-as-short-array", '{"a":["U8",[1]]}', b"\0")
    add("entry-as-long-array", '{"a":["U8",[1],[0,1],5]}', b"\0")
    add("entry-number", '{"a":1}')
    add("entry-null", '{"a":null}')
    for depth in (126, 127, 128, 200):
        add("nesting-%d" % depth, '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":' + "[" * depth + "]" * depth + "}}", b"\0")
    add("duplicate-tensor-same", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("duplicate-tensor-last-wins", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', b"\0\0")
    add("duplicate-tensor-first-fits", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', b"\0")
    add("metadata-null", '{"__metadata__":null}')
    add("metadata-empty", '{"__metadata__":{}}')
    add("metadata-ok", '{"__metadata__":{"k":"v","k2":""}}')
    add("metadata-number-value", '{"__metadata__":{"k":1}}')
    add("metadata-null-value", '{"__metadata__":{"k":null}}')
    add("metadata-nested", '{"__metadata__":{"k":{"x":"y"}}}')
    add("metadata-array", '{"__metadata__":["k","v"]}')
    add("metadata-string", '{"__metadata__":"pt"}')
    add("metadata-duplicate", '{"__metadata__":{"a":"b"},"__metadata__":{"c":"d"}}')
    add("metadata-duplicate-key", '{"__metadata__":{"a":"b","a":"c"}}')
    add("metadata-last", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"a":"b"}}', b"\0")
    add("metadata-as-tensor", '{"__metadata__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("metadata-escaped-key", '{"__metadata\\u005f_":{"a":"b"}}')
    add("name-empty", {"": entry("U8", [1], 0, 1)}, b"\0")
    add("name-escapes", '{"\\u0000\\n\\"\\\\\\/\\ud83d\\ude00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-lone-high-surrogate", '{"\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-lone-low-surrogate", '{"\\udc00":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-reversed-surrogates", '{"\\ude00\\ud83d":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-raw-control", '{"a\x01":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-raw-del", '{"a\x7f":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("name-bad-escape", '{"a\\x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("metadata-lone-surrogate", '{"__metadata__":{"k":"\\udfff"}}')
    for label, raw in [("latin1", b"\xe9"), ("overlong", b"\xc0\xaf"), ("surrogate", b"\xed\xa0\x80"),
                       ("truncated", b"\xe2\x82"), ("ff", b"\xff"), ("above-max", b"\xf4\x90\x80\x80")]:
        add("utf8-" + label + "-in-name", b'{"a' + raw + b'":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
        add("utf8-" + label + "-in-padding", b"{}" + raw)
    tensor = '"dtype":"U8","shape":[1],"data_offsets":[0,1]'
    extras = {"lone-surrogate": '"\\ud800"', "reversed-surrogates": '"\\udc00\\ud800"', "raw-control": '"a\x01"',
              "raw-tab": '"a\tb"', "bad-escape": '"\\q"', "bad-hex": '"\\u00zz"', "short-hex": '"\\u12"',
              "int-dot": "1.", "dot-int": ".5", "minus": "-", "exp-missing": "1e", "exp-plus": "1E+2",
              "neg-huge": "-1e400", "tiny": "1e-400", "nan": "NaN", "infinity": "Infinity", "minus-zero": "-0",
              "leading-zero": "01", "neg-leading-zero": "-01", "zero-frac": "0.000", "long-mantissa": "1" * 400,
              "long-fraction": "0." + "9" * 400 + "e308", "max-double": "1.7976931348623157e308",
              "above-max-double": "1.7976931348623159e308", "true": "true", "truncated-true": "tru",
              "upper-true": "True", "dup-keys": '{"k":1,"k":2}', "object-int-key": "{1:2}", "empty-key": '{"":1}',
              "escaped-lone-key": '{"\\udbff":1}', "trailing-comma-array": "[1,]", "trailing-comma-object": '{"k":1,}',
              "missing-colon": '{"k" 1}', "missing-value": '{"k":}', "nested-mixed": '[{"a":[{"b":[]}]}]'}
    for label, value in extras.items():
        add("extra-" + label, "{\"a\":{" + tensor + ",\"x\":" + value + "}}", b"\0")
    add("escaped-field-names", '{"a":{"\\u0064type":"U8","\\u0073hape":[1],"data_offsets":[0,1]}}', b"\0")
    add("escaped-dtype-value", '{"a":{"dtype":"\\u0055\\u0038","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("field-duplicate-offsets", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"data_offsets":[0,1]}}', b"\0")
    add("field-duplicate-extra", '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1,"x":2}}', b"\0")
    add("field-case", '{"a":{"Dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\0")
    add("tensor-f4-scalar", {"a": entry("F4", [], 0, 0)})
    add("tensor-f4-zero", {"a": entry("F4", [0], 0, 0)})
    add("tensor-f6-scalar", {"a": entry("F6_E2M3", [], 0, 1)}, b"\0")
    for depth in range(120, 127):
        add("nesting-object-%d" % depth, '{"a":{' + tensor + ',"x":' + '{"k":' * depth + "1" + "}" * depth + "}}", b"\0")
    for depth in range(120, 127):
        add("nesting-array-%d" % depth, '{"a":{' + tensor + ',"x":' + "[" * depth + "]" * depth + "}}", b"\0")
    add("metadata-escapes", '{"__metadata__":{"k\\n":"\\u00e9\\ud83d\\ude00\\/"}}')
    add("metadata-raw-control", '{"__metadata__":{"k":"\x1f"}}')
    add("metadata-huge-number-value", '{"__metadata__":{"k":1e999}}')
    add("whitespace-everywhere", ' { "a" : { "dtype" : "U8" , "shape" : [ 1 ] , "data_offsets" : [ 0 , 1 ] } } ', b"\0")
    add("whitespace-vertical-tab", '{\x0b}')
    add("whitespace-form-feed", '{\x0c}')
    add("whitespace-nbsp", '{\u00a0}')
    return cases


def structural_cases():
    """Header length edits, truncations and appended bytes on a valid file."""
    header, data = base_file()
    valid = file_of(header, data)
    length = struct.unpack("<Q", valid[:8])[0]
    cases = {"base": valid}
    for delta in (-8, -2, -1, 1, 2, 8, len(data), len(data) + 1):
        cases["length%+d" % delta] = struct.pack("<Q", length + delta) + valid[8:]
    for value in (0, 1, 7, 8, 10 ** 8 - 1, 10 ** 8, 10 ** 8 + 1, 2 ** 32, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1):
        cases["length=%d" % value] = struct.pack("<Q", value) + valid[8:]
    for cut in sorted(set([0, 1, 7, 8, 9, 16, length, length + 7, length + 8, length + 9, len(valid) - 1]
                          + list(range(10, len(valid), 7)))):
        cases["truncate-%d" % cut] = valid[:cut]
    for label, extra in (("nul", b"\0"), ("space", b" "), ("8-nul", b"\0" * 8), ("100-x", b"x" * 100)):
        cases["append-" + label] = valid + extra
    cases["lfs-pointer"] = (b"version https://git-lfs.github.com/spec/v1\n"
                            b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
    cases["lfs-pointer-short"] = b"version https://git-lfs"
    return cases


def mutation_cases(rng):
    """Random bit flips and byte edits inside the header of a valid file."""
    header, data = base_file()
    valid = file_of(header, data)
    end = 8 + struct.unpack("<Q", valid[:8])[0]
    cases = {}
    for i in range(200):
        mutated = bytearray(valid)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            mutated[rng.randrange(0, end)] ^= 1 << rng.randrange(8)
        cases["flip-%03d" % i] = bytes(mutated)
    specials = b'{}[]",:0123456789 -.eE\\u\0\xff'
    for i in range(150):
        mutated = bytearray(valid)
        mutated[rng.randrange(8, end)] = rng.choice(specials)
        cases["byte-%03d" % i] = bytes(mutated)
    for i in range(50):
        mutated = bytearray(valid)
        at = rng.randrange(8, end)
        del mutated[at:at + rng.randint(1, 4)]
        cases["delete-%03d" % i] = bytes(mutated)
    return cases


def reference_verdict(path):
    """OK, or the SafeTensorError variant: safe_open validates exactly what deserialize does; both must agree."""
    verdicts = []
    with open(path, "rb") as f:
        content = f.read()
    for attempt in (lambda: deserialize(content), lambda: safe_open(path, "np").__enter__().keys()):
        try:
            attempt()
            verdicts.append(("OK", ""))
        except Exception as e:  # SafetensorError, raised for every invalid file
            message = str(e)
            kind = next((k for text, k in ERROR_KINDS if text in message), "Unrecognized")
            verdicts.append((kind, message))
    if verdicts[0][0] != verdicts[1][0]:
        raise SystemExit("reference disagrees with itself on %s: deserialize %s, safe_open %s" % (path, verdicts[0], verdicts[1]))
    return verdicts[1]


def parity_cases(out, rng):
    folder = os.path.join(out, "parity")
    os.makedirs(folder)
    corpus = {}
    corpus.update(edge_cases())
    corpus.update(structural_cases())
    corpus.update(mutation_cases(rng))
    verdicts = []
    for index, (label, content) in enumerate(corpus.items()):
        file_name = "p%04d.safetensors" % index
        path = os.path.join(folder, file_name)
        with open(path, "wb") as f:
            f.write(content)
        kind, message = reference_verdict(path)
        verdicts.append({"file": file_name, "label": label, "verdict": kind, "message": message})
    with open(os.path.join(folder, "verdicts.json"), "w", encoding="utf-8") as f:
        json.dump(verdicts, f, ensure_ascii=True, indent=0)
    return len(verdicts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="an empty or new folder")
    parser.add_argument("--seed", type=int, default=20250826)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    nprng = np.random.default_rng(args.seed)
    written = writer_cases(args.out, rng, nprng)
    checked = parity_cases(args.out, rng)
    print("reference safetensors %s, seed %d: %d writer cases, %d parity files"
          % (sys.modules["safetensors"].__version__, args.seed, written, checked))


if __name__ == "__main__":
    main()
