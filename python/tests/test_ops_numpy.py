import numpy as np
import pytest

import lmx.core as mx


def test_against_numpy():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = mx.array(a)
    assert np.array_equal(mx.diagonal(x, 1), np.diagonal(a, 1))
    assert np.array_equal(mx.diag(mx.array([1, 2]), -1), np.diag([1, 2], -1))
    assert mx.trace(x).item() == np.trace(a)
    assert np.array_equal(mx.diff(x, 2, axis=1), np.diff(a, 2, axis=1))
    assert np.array_equal(mx.flip(x, 1), np.flip(a, 1))
    assert np.array_equal(mx.flip(x), np.flip(a))
    assert np.array_equal(mx.roll(x, 1), np.roll(a, 1))
    assert np.array_equal(mx.roll(x, (1, 2), (0, 1)), np.roll(a, (1, 2), (0, 1)))
    assert np.array_equal(mx.roll(x, 2, (0, 1)), np.roll(a, 2, (0, 1)))
    b = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    assert np.allclose(mx.tensordot(mx.array(b), mx.array(b), ([0, 1], [0, 1])),
                       np.tensordot(b, b, ([0, 1], [0, 1])))
    assert np.allclose(mx.tensordot(x, mx.array(b), 2), np.tensordot(a, b, 2))
    assert np.array_equal(mx.kron(mx.array([[1, 2], [3, 4]]), mx.array([[0, 1], [1, 0]])),
                          np.kron([[1, 2], [3, 4]], [[0, 1], [1, 0]]))
    assert mx.vecdot(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).item() == 11.0
    for f in ("hanning", "hamming", "bartlett", "blackman"):
        assert np.allclose(getattr(mx, f)(7), getattr(np, f)(7), atol=1e-6)
    assert np.array_equal(mx.trunc(mx.array([-1.5, 2.7])), np.trunc([-1.5, 2.7]))
    assert np.allclose(mx.degrees(mx.array([1.0])), np.degrees([1.0]))
    assert np.allclose(mx.radians(mx.array([90.0])), np.radians([90.0]))
    assert mx.logical_xor(mx.array([True, False]), True).tolist() == [False, True]
    assert mx.count_nonzero(mx.array([[1, 0], [2, 3]]), axis=0).tolist() == [2, 1]
    assert mx.median(mx.array([3, 1, 2, 4])).item() == 2.5
    assert mx.median(mx.array([[3.0, 1.0], [2.0, 4.0]]), axis=0).tolist() == [2.5, 2.5]
    s = mx.searchsorted(mx.array([1, 2, 3]), mx.array([2, 2.5]))
    assert s.dtype == mx.uint32 and s.tolist() == [1, 2]
    assert mx.searchsorted(mx.array([1, 2, 3]), mx.array([2]), "right").tolist() == [2]
    p = mx.partition(mx.array([5, 1, 4, 2, 3]), 2)
    assert p[2].item() == 3 and max(p[:2].tolist()) < 3 and min(p[3:].tolist()) > 3
    assert mx.argpartition(mx.array([5, 1, 4, 2, 3]), 2).dtype == mx.uint32


def test_shapes_and_tuples():
    assert mx.atleast_1d(mx.array(1)).shape == (1,)
    r = mx.atleast_2d(mx.array(1), mx.array([1, 2]))
    assert [a.shape for a in r] == [(1, 1), (1, 2)]
    assert mx.atleast_3d(mx.array([1, 2])).shape == (1, 2, 1)
    u = mx.unstack(mx.arange(6).reshape(2, 3), axis=1)
    assert isinstance(u, tuple) and len(u) == 3 and u[2].tolist() == [2, 5]
    g = mx.meshgrid(mx.arange(3), mx.arange(2))
    assert isinstance(g, tuple) and g[0].shape == (2, 3)
    gi = mx.meshgrid(mx.arange(3), mx.arange(2), indexing="ij", sparse=True)
    assert [a.shape for a in gi] == [(3, 1), (1, 2)]


def test_gradients():
    g = mx.grad(lambda x: mx.trace(x * x))(mx.array([[1.0, 2.0], [3.0, 4.0]]))
    assert g.tolist() == [[2.0, 0.0], [0.0, 8.0]]
    g = mx.grad(lambda x: mx.median(x))(mx.array([3.0, 1.0, 2.0]))
    assert g.tolist() == [0.0, 0.0, 1.0]


def test_errors():
    with pytest.raises(ValueError, match=r"\[diagonal\] Array must have at least two dimensions"):
        mx.diagonal(mx.array([1, 2]))
    with pytest.raises(ValueError, match=r"\[tensordot\] Different number of axes"):
        mx.tensordot(mx.ones((2, 3)), mx.ones((3, 2)), ([0, 1], [0]))
    with pytest.raises(ValueError, match=r"\[searchsorted\] side must be"):
        mx.searchsorted(mx.array([1]), mx.array([1]), "middle")


def test_views_fp8_and_products():
    assert mx.view(mx.array([1.0]), mx.uint32).tolist() == [1065353216]
    assert mx.contiguous(mx.arange(6).reshape(2, 3).T).tolist() == [[0, 3], [1, 4], [2, 5]]
    x = mx.array([0.0, 1.0, -2.5, 500.0, 0.3])
    q = mx.to_fp8(x)
    assert q.dtype == mx.uint8 and q.tolist() == [0, 56, 194, 126, 42]
    assert mx.from_fp8(q).dtype == mx.bfloat16
    assert mx.from_fp8(q, mx.float32).tolist() == [0.0, 1.0, -2.5, 448.0, 0.3125]
    assert mx.hadamard_transform(mx.ones((4,))).tolist() == [2, 0, 0, 0]
    assert mx.hadamard_transform(mx.arange(12.0), scale=1.0).tolist()[:4] == [64, -6, 0, -6]
    a = mx.arange(24.0).reshape(2, 3, 4)
    b = mx.arange(40.0).reshape(2, 4, 5)
    g = mx.gather_mm(a, b, mx.array([1, 0]), mx.array([0, 1]))
    assert np.allclose(g, np.array(a)[[1, 0]] @ np.array(b)[[0, 1]])
    s = mx.segmented_mm(mx.ones((3, 4)), mx.ones((4, 2)), mx.array([[0, 2], [2, 4]]))
    assert s.shape == (2, 3, 2)
    m = mx.arange(12.0).reshape(3, 4)
    assert mx.slice(m, mx.array([1, 2]), [0, 1], (2, 2)).tolist() == [[6, 7], [10, 11]]
    u = mx.slice_update(m, mx.zeros((1, 2)), mx.array([2]), [1])
    assert u.tolist()[0] == [0, 1, 0, 0]
    assert np.allclose(mx.logcumsumexp(mx.array([0.0, 1.0])),
                       np.logaddexp.accumulate([0.0, 1.0]))


def test_unique_minmax_matrix_transpose():
    # Values from MLX 0.32.4.
    a = mx.array([3, 1, 3, 2, 1, 5])
    assert mx.unique(a, 3).tolist() == [1, 2, 3]
    v, i, inv, c = mx.unique(a, size=6, return_index=True, return_inverse=True, return_counts=True)
    assert v.tolist() == [1, 2, 3, 5, 1, 1]
    assert i.dtype == mx.uint32 and i.tolist() == [1, 3, 0, 5, 1, 1]
    assert inv.tolist() == [2, 0, 2, 1, 0, 3]
    assert c.dtype == mx.int32 and c.tolist() == [2, 1, 2, 1, 0, 0]
    v, c = mx.unique(a, 6, return_counts=True, fill_value=-1)
    assert v.tolist() == [1, 2, 3, 5, -1, -1]
    assert mx.unique(mx.array([], dtype=mx.float32), size=2, fill_value=7).tolist() == [7, 7]
    with pytest.raises(ValueError, match=r"\[unique\] A fill value is required"):
        mx.unique(mx.array([], dtype=mx.float32), size=2)
    lo, hi = mx.minmax(mx.array([[3, 1], [2, 7]]), axis=0)
    assert lo.tolist() == [2, 1] and hi.tolist() == [3, 7]
    lo, hi = mx.minmax(mx.array([3, 1, 2]))
    assert (lo.item(), hi.item()) == (1, 3)
    assert mx.matrix_transpose(mx.zeros((2, 3, 4))).shape == (2, 4, 3)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        mx.matrix_transpose(mx.zeros((3,)))


def test_thread_local_streams_and_bool_repr():
    import threading

    t = mx.new_thread_local_stream(mx.cpu)
    assert repr(t).startswith("ThreadLocalStream(Device(cpu, 0), ")
    assert isinstance(t, mx.Stream)
    seen = []

    def run():
        with mx.stream(t):
            seen.append(repr(mx.default_stream(mx.cpu)))

    th = threading.Thread(target=run)
    th.start()
    th.join()
    with mx.stream(t):
        mine = repr(mx.default_stream(mx.cpu))
    assert seen and seen[0] != mine
    assert mx.add(1, 2, stream=t).item() == 3
    assert repr(mx.array([True, False])) == "array([True, False], dtype=bool)"
