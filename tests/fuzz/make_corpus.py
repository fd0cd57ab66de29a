"""Seed corpora for tests/fuzz: small valid files from lmx's writers and
NumPy, plus the hostile inputs of issue 13 kept as regression files."""

import gzip
import os
import struct
import sys

import numpy as np

import lmx.core as mx

out = sys.argv[1]
for d in ("npy", "npz", "safetensors", "gguf", "idx", "weights", "export"):
    os.makedirs(os.path.join(out, d), exist_ok=True)


def put(kind, name, data):
    with open(os.path.join(out, kind, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


tmp = os.path.join(out, "_tmp")
os.makedirs(tmp, exist_ok=True)
arrays = {"a": mx.arange(6, dtype=mx.float32).reshape(2, 3), "b": mx.array([1, 2, 3], dtype=mx.int64),
          "c": mx.array([True, False])}
for name, a in arrays.items():
    mx.save(os.path.join(tmp, name), a)
    put("npy", f"lmx_{name}.npy", read(os.path.join(tmp, name + ".npy")))
np.save(os.path.join(tmp, "np.npy"), np.arange(4, dtype=np.float16))
put("npy", "numpy_f16.npy", read(os.path.join(tmp, "np.npy")))
np.save(os.path.join(tmp, "npf.npy"), np.asfortranarray(np.ones((2, 3), np.float32)))
put("npy", "numpy_fortran.npy", read(os.path.join(tmp, "npf.npy")))
npy = read(os.path.join(tmp, "a.npy"))
put("npy", "wrap_shape.npy", npy.replace(b"(2, 3)", b"(1048576, 1048576, 1073741824)"))

mx.savez(os.path.join(tmp, "s.npz"), **arrays)
mx.savez_compressed(os.path.join(tmp, "c.npz"), **arrays)
np.savez_compressed(os.path.join(tmp, "n.npz"), x=np.zeros(10))
for n in ("s", "c", "n"):
    put("npz", f"{n}.npz", read(os.path.join(tmp, n + ".npz")))
    put("weights", f"{n}.npz", read(os.path.join(tmp, n + ".npz")))
bomb = bytearray(read(os.path.join(tmp, "c.npz")))
cd = bomb.find(b"PK\x01\x02")
bomb[cd + 24 : cd + 28] = struct.pack("<I", 3000000000)
put("npz", "bomb.npz", bytes(bomb))

mx.save_safetensors(os.path.join(tmp, "w.safetensors"), arrays, metadata={"format": "mlx"})
put("safetensors", "w.safetensors", read(os.path.join(tmp, "w.safetensors")))
put("weights", "w.safetensors", read(os.path.join(tmp, "w.safetensors")))
mx.save_gguf(os.path.join(tmp, "w.gguf"), {"a": arrays["a"], "b": arrays["b"]}, {"name": "m", "ids": mx.array([1, 2]), "l": ["a"]})
put("gguf", "w.gguf", read(os.path.join(tmp, "w.gguf")))
# The gguf package's file, with quantized tensors.
ref = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference", "small.gguf")
put("gguf", "small.gguf", read(ref))
# Exported functions: elementwise, layout, reductions, a product and a constant.
w = mx.arange(12, dtype=mx.float32).reshape(3, 4)
mx.export_function(os.path.join(tmp, "f.lmxfn"), lambda x, y: [mx.exp(x) @ w + y.sum(), x.T], mx.ones((2, 3)), y=mx.ones((4,)))
put("export", "f.lmxfn", read(os.path.join(tmp, "f.lmxfn")))
mx.export_function(os.path.join(tmp, "s.lmxfn"), lambda x: mx.softmax(x * 2, axis=-1), mx.ones((2, 3)), shapeless=True)
put("export", "s.lmxfn", read(os.path.join(tmp, "s.lmxfn")))
header = b'{"a":{"dtype":"F32","shape":[1048576,1048576,1073741824],"data_offsets":[0,0]}}'
put("safetensors", "wrap.safetensors", struct.pack("<Q", len(header)) + header)


def idx(dims, payload):
    raw = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload
    return gzip.compress(raw)


put("idx", "images.gz", idx([2, 3, 3], bytes(range(18))))
put("idx", "labels.gz", idx([4], bytes([1, 2, 3, 4])))
put("idx", "wrap.gz", idx([1 << 28, 1 << 28, 256], b""))
put("idx", "claim.gz", idx([1 << 10, 1 << 10, 1 << 10], b""))
for f in os.listdir(tmp):
    os.remove(os.path.join(tmp, f))
os.rmdir(tmp)
