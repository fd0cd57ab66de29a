"""MNIST and Fashion-MNIST through the C++ loader (a directory, the cache, or
a verified download), as (train_images, train_labels, test_images,
test_labels): images (N, 784) float32 in [0, 1], labels uint32."""

import os

from lmx._core import _data


def _shared_dir(name):
    # The repository's reference copy, when running beside ../shared.
    here = os.path.dirname(os.path.abspath(__file__))
    for base in (os.getcwd(), here):
        for up in ("..", os.path.join("..", ".."), os.path.join("..", "..", "..")):
            d = os.path.join(base, up, "shared", "data", name)
            if os.path.isdir(d):
                return os.path.normpath(d)
    return None


def mnist(data_dir=None, download=True):
    return _data.mnist(data_dir or _shared_dir("mnist"), download)


def fashion_mnist(data_dir=None, download=True):
    return _data.fashion_mnist(data_dir or _shared_dir("fashion-mnist"), download)
