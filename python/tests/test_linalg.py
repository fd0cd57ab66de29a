"""mx.linalg against numpy.linalg: batched, float64, ill-conditioned and
rank-deficient matrices; factorizations checked by reconstruction."""

import numpy as np
import pytest

import lmx.core as mx


def rand(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def spd(n, batch=(), seed=0):
    a = rand(batch + (n, n), seed, np.float64)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(np.float32)


def close(a, b, tol=1e-4):
    assert np.allclose(np.array(a), b, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 4, 4)])
def test_svd_qr(shape):
    a = rand(shape)
    u, s, vt = mx.linalg.svd(mx.array(a))
    close(s, np.linalg.svd(a, compute_uv=False))
    k = min(shape[-2:])
    rec = (np.array(u)[..., :k] * np.array(s)[..., None, :]) @ np.array(vt)[..., :k, :]
    close(rec, a)
    close(mx.linalg.svd(mx.array(a), compute_uv=False), np.linalg.svd(a, compute_uv=False))
    if len(shape) == 2:
        q, r = mx.linalg.qr(mx.array(a))
        close(np.array(q) @ np.array(r), a)
        close(np.array(q).T @ np.array(q), np.eye(q.shape[1]))


def test_complex_svd():
    a = (rand((3, 5, 4), 11) + 1j * rand((3, 5, 4), 12)).astype(np.complex64)
    u, s, vt = mx.linalg.svd(mx.array(a))
    assert s.dtype == mx.float32 and u.dtype == mx.complex64
    close(s, np.linalg.svd(a, compute_uv=False))
    rec = (np.array(u)[..., :4] * np.array(s)[..., None, :]) @ np.array(vt)
    assert np.allclose(rec, a, atol=1e-4)


def test_rank_deficient_and_ill_conditioned():
    r = np.outer(rand(5, 1), rand(4, 2)).astype(np.float32)  # rank one
    s = np.array(mx.linalg.svd(mx.array(r), compute_uv=False))
    assert s[0] > 1 and np.all(s[1:] < 1e-5)
    # (NumPy's default cutoff is meant for float64; lmx's, as MLX's, scales with eps.)
    close(mx.linalg.pinv(mx.array(r)), np.linalg.pinv(r, rcond=1e-5), 1e-3)
    # A Hilbert matrix (condition ~1e7 at n=6) in float64.
    h = 1.0 / (np.arange(6)[:, None] + np.arange(6)[None, :] + 1.0)
    b = np.arange(6.0)
    x = mx.linalg.solve(mx.array(h, dtype=mx.float64), mx.array(b, dtype=mx.float64))
    assert np.allclose(h @ np.array(x), b, atol=1e-8)
    close(mx.linalg.inv(mx.array(h, dtype=mx.float64)), np.linalg.inv(h), 1e-3)


def test_inverse_solve_det():
    a = rand((3, 4, 4), 1) + 4 * np.eye(4, dtype=np.float32)
    close(mx.linalg.inv(mx.array(a)), np.linalg.inv(a))
    b = rand((3, 4, 2), 2)
    close(mx.linalg.solve(mx.array(a), mx.array(b)), np.linalg.solve(a, b))
    v = rand((3, 4), 3)
    close(mx.linalg.solve(mx.array(a), mx.array(v)), np.linalg.solve(a, v[..., None])[..., 0])
    close(mx.linalg.det(mx.array(a)), np.linalg.det(a), 1e-3)
    sign, logdet = mx.linalg.slogdet(mx.array(a))
    want_sign, want_log = np.linalg.slogdet(a)
    close(sign, want_sign)
    close(logdet, want_log)
    low = np.tril(a[0])
    close(mx.linalg.tri_inv(mx.array(low), upper=False), np.linalg.inv(low))
    close(mx.linalg.solve_triangular(mx.array(low), mx.array(v[0]), upper=False),
          np.linalg.solve(low, v[0]))
    p, l, u = mx.linalg.lu(mx.array(a[0]))
    close((np.array(l) @ np.array(u))[np.array(p)], a[0])


def test_cholesky_and_symmetric_eigen():
    a = spd(5, (2,), 4)
    l = mx.linalg.cholesky(mx.array(a))
    close(l, np.linalg.cholesky(a), 1e-3)
    close(mx.linalg.cholesky_inv(l), np.linalg.inv(a), 1e-3)
    w, v = mx.linalg.eigh(mx.array(a))
    close(w, np.linalg.eigvalsh(a), 1e-3)
    close(np.array(v) @ (np.array(w)[..., None] * np.swapaxes(np.array(v), -1, -2)), a, 1e-3)
    close(mx.linalg.eigvalsh(mx.array(a), UPLO="U"), np.linalg.eigvalsh(a, UPLO="U"), 1e-3)


def test_hermitian_eigh():
    z = rand((2, 4, 4), 13) + 1j * rand((2, 4, 4), 14)
    a = (z @ np.conj(np.swapaxes(z, -1, -2))).astype(np.complex64)
    w, v = mx.linalg.eigh(mx.array(a))
    assert w.dtype == mx.float32 and v.dtype == mx.complex64
    close(w, np.linalg.eigvalsh(a), 1e-3)
    v = np.array(v)
    assert np.allclose(a @ v, v * np.array(w)[..., None, :], atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
def test_eig(dtype):
    a = rand((3, 5, 5), 5).astype(dtype)
    if dtype == np.complex64:
        a = a + 1j * rand((3, 5, 5), 6)
    w, v = mx.linalg.eig(mx.array(a))
    assert w.dtype == mx.complex64 and v.dtype == mx.complex64
    w, v = np.array(w), np.array(v)
    assert np.allclose(a @ v, v * w[..., None, :], atol=1e-4)
    key = lambda z: np.sort_complex(np.round(z, 3))
    assert np.allclose(key(np.array(mx.linalg.eigvals(mx.array(a)))), key(np.linalg.eigvals(a)),
                       atol=2e-3)


def test_norm_and_cross():
    a = rand((3, 4), 7)
    for ord_ in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        close(mx.linalg.norm(mx.array(a), ord=ord_), np.linalg.norm(a, ord=ord_), 1e-3)
    for ord_ in [None, 0, 1, 2, 3, np.inf, -np.inf]:
        close(mx.linalg.norm(mx.array(a), ord=ord_, axis=1), np.linalg.norm(a, ord=ord_, axis=1))
    close(mx.linalg.norm(mx.array(a), axis=0, keepdims=True), np.linalg.norm(a, axis=0, keepdims=True))
    x, y = rand((2, 3), 8), rand((2, 3), 9)
    close(mx.linalg.cross(mx.array(x), mx.array(y)), np.cross(x, y))


def test_errors():
    with pytest.raises(ValueError, match=r"\[linalg::eig\] Only defined for square matrices."):
        mx.linalg.eig(mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[linalg::solve\] Last dimension of first input"):
        mx.linalg.solve(mx.eye(2), mx.ones(3))
    with pytest.raises(ValueError, match=r"\[linalg::solve\] The matrix is singular."):
        mx.eval(mx.linalg.solve(mx.zeros((2, 2)), mx.ones(2)))
    with pytest.raises(ValueError, match=r"\[linalg::inv\] The matrix is singular"):
        mx.eval(mx.linalg.inv(mx.zeros((2, 2))))
