import copy
import pickle

import numpy as np
import pytest

import lmx.core as mx


def test_dtype_inference():
    assert mx.array(1).dtype == mx.int32
    assert mx.array(2**31).dtype == mx.int64
    assert mx.array(1.5).dtype == mx.float32
    assert mx.array(True).dtype == mx.bool_
    assert mx.array([1, 2.5]).dtype == mx.float32
    assert mx.array([1 + 2j]).dtype == mx.complex64
    assert mx.array(np.array([1.0])).dtype == mx.float32  # float64 -> float32, as MLX
    assert mx.array(np.array([1, 2])).dtype == mx.int64
    assert mx.array(np.array([1], dtype=np.float16)).dtype == mx.float16
    assert mx.array([1, 2], dtype=mx.float16).dtype == mx.float16


def test_weak_scalars():
    x = mx.array([1, 2], dtype=mx.float16)
    assert (x * 2.0).dtype == mx.float16
    assert (2.0 * x).dtype == mx.float16
    assert (mx.array([1, 2]) * 2.0).dtype == mx.float32
    assert (mx.array([1, 2], dtype=mx.uint8) + 3).dtype == mx.uint8
    assert (mx.array([True]) + 1).dtype == mx.int32
    with pytest.raises(ValueError, match="overflow"):
        mx.array([1, 2], dtype=mx.uint8) + 300


def test_properties():
    a = mx.zeros((2, 3, 4))
    assert a.shape == (2, 3, 4)
    assert a.ndim == 3 and a.size == 24 and a.itemsize == 4 and a.nbytes == 96
    assert a.T.shape == (4, 3, 2)
    assert len(a) == 2
    with pytest.raises(TypeError):
        len(mx.array(1))


def test_repr_matches_mlx():
    assert repr(mx.array([[1, 2], [3, 4]])) == "array([[1, 2],\n       [3, 4]], dtype=int32)"
    assert repr(mx.array(1.5)) == "array(1.5, dtype=float32)"
    assert repr(mx.array(True)) == "array(True, dtype=bool)"
    assert repr(mx.array([True, False])) == "array([True, False], dtype=bool)"
    assert str(mx.array([0.5, -1.2, 3.3])) == "array([0.5, -1.2, 3.3], dtype=float32)"
    assert repr(mx.float32) == "mlx.core.float32"


def test_item_tolist_and_bool():
    assert mx.array(3).item() == 3
    assert isinstance(mx.array(3).item(), int)
    assert mx.array([1.5]).tolist() == [1.5]
    assert mx.array([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert mx.array([[1, 2], [3, 4]]).T.tolist() == [[1, 3], [2, 4]]
    assert bool(mx.array(1)) and not bool(mx.array(0))
    with pytest.raises(ValueError, match=r"\[convert\] Only length-1 arrays"):
        bool(mx.array([1, 2]))


def test_nonuniform_list_raises():
    with pytest.raises(ValueError, match="non-uniform length"):
        mx.array([[1, 2], [3]])


def test_unconvertible_raises_type_error():
    with pytest.raises(TypeError, match=r"\[array\] Cannot convert"):
        mx.array("text")
    with pytest.raises(TypeError):
        mx.array([1, 2]) + "a"


def test_numpy_round_trip_and_sharing():
    a = mx.arange(6).reshape(2, 3)
    n = np.array(a)
    assert n.shape == (2, 3) and n.dtype == np.int32
    v = np.asarray(a)
    m = memoryview(a)
    assert m.shape == (2, 3) and m.format == "i"
    assert v.ctypes.data == np.asarray(a).ctypes.data  # shares memory
    t = np.asarray(a.T)
    np.testing.assert_array_equal(t, n.T)


def test_numpy_on_either_side():
    a = mx.array([1.0, 2.0])
    n = np.array([1.0, 1.0], dtype=np.float32)
    r = n + a
    assert isinstance(r, mx.array)
    assert (a - n).tolist() == [0.0, 1.0]


def test_operators():
    a = mx.array([1, 2, 3])
    assert (a + 1).tolist() == [2, 3, 4]
    assert (1 - a).tolist() == [0, -1, -2]
    assert (a // 2).tolist() == [0, 1, 1]
    assert (a % 2).tolist() == [1, 0, 1]
    assert (a**2).tolist() == [1, 4, 9]
    assert (a == 2).tolist() == [False, True, False]
    assert (-a).tolist() == [-1, -2, -3]
    assert (~mx.array([True, False])).tolist() == [False, True]
    m = mx.array([[1.0, 2.0], [3.0, 4.0]])
    assert (m @ m).tolist() == [[7.0, 10.0], [15.0, 22.0]]
    b = a
    b += 1  # rebinds the array in place, as MLX
    assert a.tolist() == [2, 3, 4]


def test_broadcast_error_message():
    with pytest.raises(ValueError, match=r"Shapes \(2\) and \(3\) cannot be broadcast"):
        mx.array([1, 2]) + mx.array([1, 2, 3])


def test_iteration_and_hash():
    rows = list(mx.array([[1, 2], [3, 4]]))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    a = mx.array(1)
    assert {a: 1}[a] == 1


def test_pickle_and_deepcopy():
    a = mx.array([[1.5, 2.0], [3.0, 4.0]])
    b = pickle.loads(pickle.dumps(a))
    assert b.tolist() == a.tolist() and b.dtype == a.dtype
    c = copy.deepcopy(a)
    assert c.tolist() == a.tolist()


def test_astype_and_dtypes():
    a = mx.array([1.7, -2.2])
    assert a.astype(mx.int32).tolist() == [1, -2]
    assert mx.issubdtype(mx.float32, mx.floating)
    assert not mx.issubdtype(mx.int32, mx.floating)
    assert mx.issubdtype(mx.int8, mx.integer)
    assert mx.float32.size == 4
    assert repr(mx.finfo(mx.float32)) == "finfo(min=-3.40282e+38, max=3.40282e+38, dtype=float32)"
    assert repr(mx.iinfo(mx.int32)) == "iinfo(min=-2147483648, max=2147483647, dtype=int32)"


def test_dlpack():
    a = mx.arange(4, dtype=mx.float32)
    n = np.from_dlpack(a)
    np.testing.assert_array_equal(n, [0, 1, 2, 3])


def test_aliases_constants_and_printoptions():
    assert mx.acos is mx.arccos and mx.pow is mx.power
    assert mx.pi == pytest.approx(3.14159265) and mx.newaxis is None
    assert mx.zeros((2, 3)).mT.shape == (3, 2)
    assert mx.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert mx.result_type(mx.array(1), mx.float32) == mx.float32
    assert mx.can_cast(mx.int32, mx.float32) and not mx.can_cast(mx.float32, mx.int32)
    assert mx.isdtype(mx.float16, "real floating") and not mx.isdtype(mx.int8, "real floating")
    assert mx.full_like(mx.zeros(2), 3).tolist() == [3.0, 3.0]
    with mx.printoptions(precision=2):
        assert repr(mx.array([1.23456])) == "array([1.23], dtype=float32)"
    assert repr(mx.array([1.23456])) == "array([1.23456], dtype=float32)"
    with pytest.raises(ValueError, match=r"\[result_type\]"):
        mx.result_type(1)
