"""mx.export_function / mx.import_function / mx.exporter as MLX's: inputs as
*args/**kwargs or a tuple and dict, a tuple back, several traces, shapeless,
another process, transforms of imported functions, and their errors."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn


def test_add_round_trip(tmp_path):
    path = str(tmp_path / "add.mlxfn")
    mx.export_function(path, lambda x, y: x + y, mx.array(1.0), mx.array(1.0))
    add = mx.import_function(path)
    out = add(mx.array(1.0), mx.array(2.0))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].item() == 3.0
    (out,) = add((mx.array(1.0), mx.array(3.0)))  # one tuple of inputs
    assert out.item() == 4.0


def test_signature_mismatch_message(tmp_path):
    path = str(tmp_path / "add.mlxfn")
    mx.export_function(path, lambda x, y: x + y, mx.array(1.0), mx.array(1.0))
    add = mx.import_function(path)
    with pytest.raises(ValueError) as e:
        add(mx.array(1), mx.array(3.0))
    assert str(e.value) == (
        "[import_function::call] No imported function found which matches the given positional and keyword "
        "arguments. Possible functions include:\n 1. Function with 2 positional inputs and 0 keyword inputs:\n"
        "   1: () float32\n   2: () float32\n\nCalled with 2 positional inputs and 0 keyword inputs:\n"
        "  1: () int32\n  2: () float32\n"
    )
    with pytest.raises(ValueError, match=r"1: \(2\) float32"):
        add(mx.array([1.0, 2.0]), mx.array(3.0))


def test_keywords(tmp_path):
    path = str(tmp_path / "kw.mlxfn")
    mx.export_function(path, lambda x, *, w: [x * w, x - w], mx.array([1.0, 2.0]), w=mx.array(3.0))
    f = mx.import_function(path)
    a, b = f(mx.array([1.0, 2.0]), w=mx.array(2.0))
    assert a.tolist() == [2.0, 4.0] and b.tolist() == [-1.0, 0.0]
    a, _ = f((mx.array([1.0, 2.0]),), {"w": mx.array(5.0)})
    assert a.tolist() == [5.0, 10.0]
    with pytest.raises(ValueError, match='"w": \\(\\) float32'):
        f(mx.array([1.0, 2.0]), mx.array(2.0))


def test_exporter_several_traces(tmp_path):
    path = str(tmp_path / "sum.mlxfn")

    def total(*args):
        return sum(args)

    with mx.exporter(path, total) as ex:
        ex(mx.array(1))
        ex(mx.array(1), mx.array(2))
        ex(mx.array(1), mx.array(2), mx.array(3))
    with pytest.raises(RuntimeError, match=r"\[export_function\] Attempting to write after exporting is closed."):
        ex(mx.array(1.0))
    f = mx.import_function(path)
    assert f(mx.array(5))[0].item() == 5
    assert f(mx.array(5), mx.array(6))[0].item() == 11
    assert f(mx.array(5), mx.array(6), mx.array(7))[0].item() == 18
    with pytest.raises(ValueError, match="Called with 4 positional inputs"):
        f(mx.array(1), mx.array(1), mx.array(1), mx.array(1))


def test_shapeless(tmp_path):
    path = str(tmp_path / "s.mlxfn")
    mx.export_function(path, lambda x: mx.exp(x) * 2, mx.array([1.0, 2.0]), shapeless=True)
    f = mx.import_function(path)
    x = mx.random.normal((7,))
    assert np.allclose(np.array(f(x)[0]), np.exp(np.array(x)) * 2, rtol=1e-6)
    with pytest.raises(ValueError, match=r"1: \(5\) int32"):
        f(mx.ones((5,), dtype=mx.int32))


def test_model_in_another_process(tmp_path):
    mx.random.seed(3)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    mx.eval(model.parameters())
    x = mx.random.normal((5, 8))
    path = str(tmp_path / "mlp.mlxfn")
    mx.export_function(path, lambda x: nn.softmax(model(x), axis=-1), x)
    want = nn.softmax(model(x), axis=-1)
    mx.save(str(tmp_path / "x.npy"), x)
    code = (
        "import lmx.core as mx, sys\n"
        "f = mx.import_function(sys.argv[1])\n"
        "mx.save(sys.argv[3], f(mx.load(sys.argv[2]))[0])\n"
    )
    env = dict(os.environ)
    subprocess.run([sys.executable, "-c", code, path, str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                   check=True, env=env)
    got = mx.load(str(tmp_path / "y.npy"))
    assert np.allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)


def test_imported_function_composes_with_transforms(tmp_path):
    path = str(tmp_path / "g.mlxfn")

    def f(x, y):
        return (mx.sin(x) * y).sum()

    x, y = mx.random.normal((4,)), mx.random.normal((4,))
    mx.export_function(path, f, x, y)
    g = mx.import_function(path)
    want = mx.grad(f, argnums=(0, 1))(x, y)
    got = mx.grad(lambda a, b: g(a, b)[0], argnums=(0, 1))(x, y)
    for w, o in zip(want, got):
        assert np.allclose(np.array(w), np.array(o), rtol=1e-5)
    compiled = mx.compile(lambda a, b: g(a, b)[0])
    assert np.allclose(compiled(x, y).item(), f(x, y).item(), rtol=1e-5)


def test_errors(tmp_path):
    with pytest.raises(RuntimeError, match=r"\[import_function\] Failed to open "):
        mx.import_function(str(tmp_path / "missing.mlxfn"))
    junk = tmp_path / "junk.mlxfn"
    junk.write_bytes(b"hello world")
    with pytest.raises(RuntimeError, match="exported-function header"):
        mx.import_function(str(junk))
    with pytest.raises(ValueError, match=r"\[export_function\] Outputs can be either a single array"):
        mx.export_function(str(tmp_path / "x.mlxfn"), lambda x: 3, mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[export_function\] Inputs can either be a variable number"):
        mx.export_function(str(tmp_path / "x.mlxfn"), lambda x: x, 3)
