import numpy as np

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
