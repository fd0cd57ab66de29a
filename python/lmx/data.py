"""MNIST and Fashion-MNIST through the C++ loader, as (train_images,
train_labels, test_images, test_labels): images (N, 784) float32 in [0, 1],
labels uint32. Read from `data_dir` when given, else from the download cache
($LMX_DATA_DIR, $XDG_CACHE_HOME/lmx or ~/.cache/lmx), downloading (checksums
verified) when needed."""

import os

from lmx._core import _data


def _checked(data_dir):
    if data_dir is not None and not os.path.isdir(data_dir):
        raise ValueError(f"[data] The directory '{data_dir}' does not exist.")
    return data_dir


def mnist(data_dir=None, download=True):
    return _data.mnist(_checked(data_dir), download)


def fashion_mnist(data_dir=None, download=True):
    return _data.fashion_mnist(_checked(data_dir), download)
