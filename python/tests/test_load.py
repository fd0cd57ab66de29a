import numpy as np
import pytest

import lmx.core as mx


def test_npy_npz_safetensors(tmp_path):
    a = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    mx.save(str(tmp_path / "a"), a)
    assert mx.load(str(tmp_path / "a.npy")).tolist() == a.tolist()
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.array(a))
    mx.savez(str(tmp_path / "z.npz"), a, b=a + 1)
    d = mx.load(str(tmp_path / "z.npz"))
    assert list(d) == ["arr_0", "b"] and d["b"].tolist() == (a + 1).tolist()
    mx.savez_compressed(str(tmp_path / "c.npz"), x=a)
    assert np.load(tmp_path / "c.npz")["x"].tolist() == a.tolist()
    mx.save_safetensors(str(tmp_path / "s.safetensors"), {"w": a}, metadata={"k": "v"})
    arrays, meta = mx.load(str(tmp_path / "s.safetensors"), return_metadata=True)
    assert arrays["w"].tolist() == a.tolist() and meta == {"k": "v"}
    assert mx.load_safetensors(str(tmp_path / "s.safetensors"))["w"].shape == (2, 3)


def test_load_errors(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(Exception, match=r"\[load"):
        mx.load(str(bad))
    with pytest.raises(ValueError, match="Unknown file format"):
        mx.load(str(tmp_path / "x.unknown"))


def test_data_directory_must_exist(tmp_path):
    from lmx import data

    with pytest.raises(ValueError, match="does not exist"):
        data.mnist(str(tmp_path / "missing"))
