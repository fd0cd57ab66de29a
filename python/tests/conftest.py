import os

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_MNIST = os.path.join(REPO, "..", "shared", "data", "mnist")


def finite_difference_grad(f, x, eps=1e-3):
    """Central differences of a scalar function of a float64 NumPy array."""
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f(x)
        flat[i] = old - eps
        fm = f(x)
        flat[i] = old
        g.reshape(-1)[i] = (fp - fm) / (2 * eps)
    return g


@pytest.fixture
def mnist_dir():
    if not os.path.isdir(SHARED_MNIST):
        pytest.skip("../shared/data/mnist is not present")
    return SHARED_MNIST
