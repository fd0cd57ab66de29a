#!/usr/bin/env python3
"""Writes the GGUF files the loader tests read, with the gguf package from
PyPI (`pip install gguf numpy`; run with that interpreter). The files and
gguf_expected.npz (each tensor as the gguf package dequantizes it) are checked
in, so CI needs no gguf package.
"""
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import quants

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)

w = gguf.GGUFWriter(os.path.join(HERE, "small.gguf"), "llama")
w.add_uint32("answer", 42)
w.add_string("general.name", "tiny")
w.add_float32("eps", 1e-5)
w.add_array("ids", [1, 2, 3])
w.add_bool("flag", True)
w.add_array("names", ["a", "bc"])
expected = {}
plain = {
    "f32": rng.standard_normal((2, 3)).astype(np.float32),
    "f16": rng.standard_normal((4,)).astype(np.float16),
    "i32": np.arange(5, dtype=np.int32),
    "f64": rng.standard_normal((2, 2, 2)).astype(np.float64),
}
for name, x in plain.items():
    w.add_tensor(name, x)
    expected[name] = x
for t in (Q.Q4_0, Q.Q4_1, Q.Q8_0):
    x = rng.standard_normal((3, 64)).astype(np.float32)
    q = quants.quantize(x, t)
    name = "q_" + t.name.lower()
    w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=t)
    expected[name] = quants.dequantize(q, t).reshape(3, 64).astype(np.float32)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
np.savez(os.path.join(HERE, "gguf_expected.npz"), **expected)
