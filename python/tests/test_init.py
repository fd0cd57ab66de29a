import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn


def test_initializers():
    assert nn.init.constant(0.5)(mx.zeros((2, 2))).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    u = np.array(nn.init.uniform(-2.0, 2.0)(mx.zeros((1000,))))
    assert u.min() >= -2 and u.max() <= 2
    n = np.array(nn.init.normal(1.0, 0.1)(mx.zeros((5000,))))
    assert abs(n.mean() - 1) < 0.01 and abs(n.std() - 0.1) < 0.01
    assert nn.init.identity()(mx.zeros((3, 3))).tolist()[1] == [0, 1, 0]
    g = np.array(nn.init.glorot_uniform()(mx.zeros((100, 100)), gain=2.0))
    assert np.abs(g).max() <= 2.0 * np.sqrt(6 / 200) + 1e-6
    h = np.array(nn.init.he_normal()(mx.zeros((200, 100)), mode="fan_out"))
    assert abs(h.std() - 1 / np.sqrt(200)) < 0.005  # MLX: gain / sqrt(fan)
    o = np.array(nn.init.orthogonal()(mx.zeros((4, 4))))
    np.testing.assert_allclose(o @ o.T, np.eye(4), atol=1e-4)
    s = np.array(nn.init.sparse(0.5)(mx.zeros((10, 4))))
    assert ((s == 0).sum(0) >= 5).all()
    assert nn.init.constant(1.0, dtype=mx.float16)(mx.zeros((2,))).dtype == mx.float16


def test_initializer_errors():
    with pytest.raises(ValueError):
        nn.init.he_normal()(mx.zeros((3, 3)), mode="sideways")
