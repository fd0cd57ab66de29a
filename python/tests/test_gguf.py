"""GGUF: files written by the gguf package (tests/reference/small.gguf, from
make_gguf_refs.py), lmx's own writer, and hostile headers."""

import os
import struct

import numpy as np
import pytest

import lmx.core as mx

REF = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference")


def test_reads_the_gguf_package_file():
    arrays, meta = mx.load(os.path.join(REF, "small.gguf"), return_metadata=True)
    want = np.load(os.path.join(REF, "gguf_expected.npz"))
    assert meta["general.architecture"] == "llama"
    assert meta["general.name"] == "tiny"
    assert meta["answer"].dtype == mx.uint32 and meta["answer"].item() == 42
    assert abs(meta["eps"].item() - 1e-5) < 1e-12
    assert meta["ids"].tolist() == [1, 2, 3] and meta["flag"].item() is True
    assert meta["names"] == ["a", "bc"]
    for name in ("f32", "f16", "i32", "f64"):
        assert np.array_equal(np.array(arrays[name]), want[name]), name
    assert arrays["f64"].dtype == mx.float64
    for name, bits in (("q_q4_0", 4), ("q_q4_1", 4), ("q_q8_0", 8)):
        w, s, b = arrays[name], arrays[name + ".scales"], arrays[name + ".biases"]
        assert w.dtype == mx.uint32 and w.shape == (3, 64 * bits // 32)
        assert s.shape == (3, 2) and s.dtype == mx.float16
        got = np.array(mx.dequantize(w, s, b, group_size=32, bits=bits).astype(mx.float32))
        assert np.allclose(got, want[name], atol=2e-3 * np.abs(want[name]).max()), name
        # The quantized weights work with quantized_matmul as they are.
        x = mx.ones((1, 64))
        y = mx.quantized_matmul(x, w, s, b, transpose=True, group_size=32, bits=bits)
        assert np.allclose(np.array(y), got.sum(1)[None], rtol=1e-2, atol=1e-2)


def test_round_trip(tmp_path):
    arrays = {
        "a": mx.arange(6, dtype=mx.float32).reshape(2, 3),
        "h": mx.array([1.5, -2.0], dtype=mx.float16),
        "bf": mx.array([3.0], dtype=mx.bfloat16),
        "i": mx.array([[1, 2]], dtype=mx.int64),
        "d": mx.array([0.25], dtype=mx.float64),
        "t": mx.arange(24, dtype=mx.int8).reshape(2, 3, 4).transpose(2, 0, 1),
    }
    meta = {"s": "text", "l": ["x", "yz"], "n": mx.array(7, dtype=mx.int32),
            "v": mx.array([1.0, 2.0]), "b": mx.array(False)}
    path = str(tmp_path / "m")
    mx.save_gguf(path, arrays, meta)
    back, m = mx.load(path + ".gguf", return_metadata=True)
    assert list(back) == list(arrays)
    for k, v in arrays.items():
        assert back[k].dtype == v.dtype and np.array_equal(np.array(back[k]), np.array(v)), k
    assert m["s"] == "text" and m["l"] == ["x", "yz"]
    assert m["n"].dtype == mx.int32 and m["n"].item() == 7
    assert m["v"].tolist() == [1.0, 2.0] and m["b"].item() is False


def test_save_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\[save_gguf\] Array 'u' has dtype uint32"):
        mx.save_gguf(str(tmp_path / "x.gguf"), {"u": mx.array([1], dtype=mx.uint32)})
    with pytest.raises(ValueError, match=r"\[save_gguf\] Metadata 'm' must be a scalar or 1-D"):
        mx.save_gguf(str(tmp_path / "x.gguf"), {}, {"m": mx.ones((2, 2))})
    assert not os.path.exists(tmp_path / "x.gguf")


def header(tensors, kvs, version=3):
    return b"GGUF" + struct.pack("<IQQ", version, tensors, kvs)


def gstr(s):
    return struct.pack("<Q", len(s)) + s


def tensor_info(name, dims, ggml_type, offset):
    return (gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
            + struct.pack("<IQ", ggml_type, offset))


def pad(b, align=32):
    return b + b"\0" * (-len(b) % align)


HOSTILE = [
    (b"GGUX" + b"\0" * 20, "does not start with GGUF"),
    (header(0, 0, version=9), "version 9 is not 2 or 3"),
    (b"GGUF\3\0", "needs 4 bytes"),
    (header(0, 1 << 60), "metadata count"),
    (header(1 << 60, 0), "tensor count"),
    (header(0, 1) + struct.pack("<Q", 1 << 50) + b"\0" * 8, "a metadata key needs"),
    (header(0, 1) + gstr(b"k") + struct.pack("<IIQ", 9, 4, 1 << 40), "longer than the file"),
    (header(0, 1) + gstr(b"k") + struct.pack("<IIQ", 9, 8, 1 << 40), "more strings than fit"),
    (header(0, 1) + gstr(b"k") + struct.pack("<I", 99), "unknown type 99"),
    (header(0, 2) + gstr(b"k") + struct.pack("<IB", 0, 1) + gstr(b"k") + struct.pack("<IB", 0, 1),
     "appears twice"),
    (header(0, 1) + gstr(b"general.alignment") + struct.pack("<II", 4, 3), "not a power of two"),
    (pad(header(1, 0) + tensor_info(b"t", [2, 2, 2, 2, 2], 0, 0)), "5 dimensions"),
    (pad(header(1, 0) + tensor_info(b"t", [4], 12, 0)), "ggml type 12"),
    (pad(header(1, 0) + tensor_info(b"t", [16], 2, 0)), "not a multiple of 32"),
    (pad(header(1, 0) + tensor_info(b"t", [1 << 31], 0, 0)), "dimension 2147483648"),
    (pad(header(1, 0) + tensor_info(b"t", [4], 0, 0)) + b"\0" * 8, "lies outside the 8 data bytes"),
    (pad(header(1, 0) + tensor_info(b"t", [2], 0, 1 << 62)) + b"\0" * 8, "lies outside"),
]


@pytest.mark.parametrize("data,message", HOSTILE)
def test_hostile_files(tmp_path, data, message):
    path = tmp_path / "bad.gguf"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match=r"\[load_gguf\] Invalid GGUF file .*" + message):
        mx.load(str(path))


def test_shape_overflow(tmp_path):
    path = tmp_path / "big.gguf"
    path.write_bytes(pad(header(1, 0) + tensor_info(b"t", [1 << 30, 1 << 30, 1 << 30], 0, 0)))
    with pytest.raises(OverflowError, match=r"\[load_gguf\] Shape .* has too many elements."):
        mx.load(str(path))
