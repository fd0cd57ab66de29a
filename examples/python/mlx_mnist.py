"""The seeds' MNIST MLP exactly as written for MLX (imports of mlx.*), with a
small stand-in for mlx-examples' `mnist` loader. Run it with lmx unchanged:

  python -m lmx run examples/python/mlx_mnist.py [--data DIR] [--epochs N]
"""

import argparse
import gzip
import os

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np


def load_mnist(directory):
    def read(name, offset):
        with gzip.open(os.path.join(directory, name), "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)

    train_x = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0
    train_y = read("train-labels-idx1-ubyte.gz", 8).astype(np.uint32)
    test_x = read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0
    test_y = read("t10k-labels-idx1-ubyte.gz", 8).astype(np.uint32)
    return train_x, train_y, test_x, test_y


class MLP(nn.Module):
    def __init__(self, num_layers: int, input_dim: int, hidden_dim: int, output_dim: int):
        super().__init__()
        layer_sizes = [input_dim] + [hidden_dim] * num_layers + [output_dim]
        self.layers = [nn.Linear(idim, odim) for idim, odim in zip(layer_sizes[:-1], layer_sizes[1:])]

    def __call__(self, x):
        for l in self.layers[:-1]:
            x = mx.maximum(l(x), 0.0)
        return self.layers[-1](x)


def loss_fn(model, X, y):
    return mx.mean(nn.losses.cross_entropy(model(X), y))


def eval_fn(model, X, y):
    return mx.mean(mx.argmax(model(X), axis=1) == y)


def batch_iterate(batch_size, X, y):
    perm = mx.array(np.random.permutation(y.size))
    for s in range(0, y.size, batch_size):
        ids = perm[s : s + batch_size]
        yield X[ids], y[ids]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "mnist"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    np.random.seed(args.seed)
    mx.random.seed(args.seed)

    num_layers, hidden_dim, num_classes = 2, 32, 10
    batch_size, learning_rate = 256, 1e-1
    train_images, train_labels, test_images, test_labels = map(mx.array, load_mnist(args.data))

    model = MLP(num_layers, train_images.shape[-1], hidden_dim, num_classes)
    mx.eval(model.parameters())
    loss_and_grad_fn = nn.value_and_grad(model, loss_fn)
    optimizer = optim.SGD(learning_rate=learning_rate)

    for e in range(args.epochs):
        for X, y in batch_iterate(batch_size, train_images, train_labels):
            loss, grads = loss_and_grad_fn(model, X, y)
            optimizer.update(model, grads)
            mx.eval(model.parameters(), optimizer.state)
        accuracy = eval_fn(model, test_images, test_labels)
        print(f"Epoch {e}: Test accuracy {accuracy.item():.3f}")


if __name__ == "__main__":
    main()
