import numpy as np
import pytest

import lmx.core as mx


def test_keys_are_reproducible():
    k = mx.random.key(7)
    a = mx.random.normal((4,), key=k)
    b = mx.random.normal((4,), key=k)
    assert a.tolist() == b.tolist()
    mx.random.seed(3)
    c = mx.random.uniform(shape=(3,))
    mx.random.seed(3)
    assert c.tolist() == mx.random.uniform(shape=(3,)).tolist()


def test_distributions():
    k = mx.random.key(0)
    u = np.array(mx.random.uniform(-1, 1, (10000,), key=k))
    assert u.min() >= -1 and u.max() < 1 and abs(u.mean()) < 0.05
    n = np.array(mx.random.normal((10000,), key=k))
    assert abs(n.std() - 1) < 0.05
    r = np.array(mx.random.randint(0, 5, (1000,), key=k))
    assert r.min() >= 0 and r.max() <= 4
    assert mx.random.bernoulli(0.5, (10,), key=k).dtype == mx.bool_
    p = mx.random.permutation(10, key=k)
    assert sorted(p.tolist()) == list(range(10))
    c = mx.random.categorical(mx.array([[0.0, 100.0]]), key=k)
    assert c.tolist() == [1]
    k1, k2 = mx.random.split(k)
    assert k1.tolist() != k2.tolist()


def _bits(a):
    return np.array(a, dtype=np.float32).reshape(-1).view(np.uint32).tolist()


def test_same_numbers_as_mlx():
    # MLX 0.32's outputs for these keys, as float32 bit patterns: the same
    # seed gives the same numbers bit for bit.
    k = mx.random.key(0)
    k7 = mx.random.key(2**33 + 7)
    assert _bits(mx.random.uniform(shape=(5,), key=k)) == [
        0x3F131278, 0x3DCC2839, 0x3EC94C4E, 0x3F64E8E0, 0x3F18B896]
    assert _bits(mx.random.uniform(-2.0, 3.0, (2, 3), key=k7)) == [
        0xBF8BFC38, 0x3E24DA90, 0x3CF9DC00, 0x3F7663B8, 0x3FFD97B6, 0x3F837174]
    assert _bits(mx.random.normal((5,), key=k)) == [
        0x3E405A38, 0xBFA4448E, 0xBE8ACC83, 0x3F9FE132, 0x3E7A5659]
    assert _bits(mx.random.normal((4,), loc=1.0, scale=2.0, key=k7)) == [
        0x403B7D1A, 0x40550455, 0x3E84C7FC, 0x3FEDFCB2]
    assert _bits(mx.random.gumbel((3,), key=k)) == [0x405604BF, 0xBE149DCF, 0x3F48555A]
    assert mx.random.randint(0, 10, (6,), key=k).tolist() == [5, 0, 7, 8, 5, 4]
    assert mx.random.bernoulli(0.3, (6,), key=k).tolist() == [
        False, True, False, False, False, False]
    p = mx.random.permutation(6, key=k)
    assert p.dtype == mx.uint32 and p.tolist() == [1, 5, 0, 4, 2, 3]
    assert mx.random.split(k7, 3).tolist() == [
        [778561915, 1856276227], [1744186564, 2544733001], [3419818263, 2600087039]]
    mx.random.seed(5)
    assert _bits(mx.random.uniform(shape=(3,))) == [0x3E368425, 0x3F7ED692, 0x3DC219CC]
    assert _bits(mx.random.normal((2,))) == [0xBE0CBCD2, 0xBF03C302]


def test_multivariate_normal_matches_mlx():
    mean = mx.array([1.0, 2.0])
    cov = mx.array([[2.0, 0.5], [0.5, 1.0]])
    x = mx.random.multivariate_normal(mean, cov, (3,), key=mx.random.key(0))
    want = [[0.99263966, 0.7849219], [2.171033, 3.3577495], [1.3171691, 1.9366244]]
    assert np.allclose(np.array(x), want, atol=1e-5)
    with pytest.raises(ValueError, match="dtype must be float32"):
        mx.random.multivariate_normal(mean, cov, dtype=mx.float16)


def test_linalg_svd():
    a = mx.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.5]])
    u, s, vt = mx.linalg.svd(a)
    assert u.shape == (3, 3) and s.shape == (2,) and vt.shape == (2, 2)
    assert np.allclose(np.array(s), [9.85292, 0.412266], atol=1e-5)
    assert np.allclose(np.array(u)[:, :2] * np.array(s) @ np.array(vt), np.array(a), atol=1e-5)
    assert np.allclose(np.array(mx.linalg.svd(a, compute_uv=False)), np.array(s))
    import lmx.core.linalg as la

    assert la.svd is mx.linalg.svd


def test_linalg_norm_and_cross():
    a = mx.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    assert abs(mx.linalg.norm(a).item() - 9.53939) < 1e-4
    assert abs(mx.linalg.norm(a, "nuc").item() - 10.2809) < 1e-4
    assert abs(mx.linalg.norm(a, float("inf")).item() - 15) < 1e-5
    assert mx.linalg.norm(mx.ones((2, 3, 4)), axis=(1, 2), keepdims=True).shape == (2, 1, 1)
    assert abs(mx.linalg.norm(mx.array([3.0, -4.0, 0.0]), 0).item() - 2) < 1e-6
    assert mx.linalg.cross(mx.array([1.0, 2, 3]), mx.array([4.0, 5, 6])).tolist() == [-3, 6, -3]
    with pytest.raises(ValueError, match="only supported for matrices"):
        mx.linalg.norm(mx.ones((2, 2, 2)), "fro")


def test_linalg_factorizations():
    a = mx.array([[4.0, 1.0], [1.0, 3.0]])
    assert np.allclose(np.array(a) @ np.array(mx.linalg.inv(a)), np.eye(2), atol=1e-5)
    assert np.allclose(np.array(mx.linalg.cholesky(a)), [[2, 0], [0.5, 1.65831]], atol=1e-5)
    w, v = mx.linalg.eigh(a)
    assert np.allclose(np.array(w), [2.38197, 4.61803], atol=1e-5)
    assert np.allclose(np.array(mx.linalg.eigvalsh(a, UPLO="U")), np.array(w), atol=1e-6)
    q, r = mx.linalg.qr(mx.array([[1.0, 2], [3, 4], [5, 6]]))
    assert q.shape == (3, 2) and np.allclose(np.array(q) @ np.array(r), [[1, 2], [3, 4], [5, 6]], atol=1e-5)
    x = mx.linalg.solve(a, mx.array([1.0, 2.0]))
    assert np.allclose(np.array(a) @ np.array(x), [1, 2], atol=1e-5)
    assert np.allclose(np.array(mx.linalg.pinv(a)), np.linalg.pinv(np.array(a)), atol=1e-5)
    t = mx.linalg.solve_triangular(mx.array([[2.0, 0], [1, 4]]), mx.array([1.0, 1.0]), upper=False)
    assert np.allclose(np.array(t), [0.5, 0.125])
    assert mx.linalg.tri_inv(mx.array([[2.0, 0], [1, 4]])).shape == (2, 2)
    assert mx.linalg.cholesky_inv(mx.linalg.cholesky(a)).shape == (2, 2)
    with pytest.raises(ValueError, match="square"):
        mx.linalg.inv(mx.ones((2, 3)))


def test_linalg_lu_and_determinants():
    # Values from MLX 0.32.4.
    a = mx.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
    p, l, u = mx.linalg.lu(a)
    assert p.tolist() == [1, 2, 0]
    assert np.allclose((np.array(l) @ np.array(u))[np.array(p)], np.array(a), atol=1e-5)
    lu, piv = mx.linalg.lu_factor(a)
    assert piv.tolist() == [2, 2, 2]
    assert abs(mx.linalg.det(a).item() + 3) < 1e-5
    sign, logabs = mx.linalg.slogdet(a)
    assert sign.item() == -1 and abs(logabs.item() - 1.09861) < 1e-5
    g = mx.grad(mx.linalg.det)(a)
    assert np.allclose(np.array(g), [[2, 2, -3], [4, -11, 6], [-3, 6, -3]], atol=1e-4)
