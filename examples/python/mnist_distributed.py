"""The seeds' MNIST MLP trained data-parallel: every rank starts from the same
seed (so the same weights), takes its shard of each minibatch, and averages
its gradients with the others' (nn.average_gradients) before the update, so
every rank keeps the same weights. Rank 0 prints the test accuracy.

  python -m lmx.launch -n 2 examples/python/mnist_distributed.py --epochs 2
  python examples/python/mnist_distributed.py          # one process, the same job
"""

import argparse
import gzip
import hashlib
import os

import numpy as np

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim
from lmx.utils import tree_flatten


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
    def __init__(self, num_layers, input_dim, hidden_dim, output_dim):
        super().__init__()
        sizes = [input_dim] + [hidden_dim] * num_layers + [output_dim]
        self.layers = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = mx.maximum(layer(x), 0.0)
        return self.layers[-1](x)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "data", "mnist"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256, help="the total over all ranks")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--all-reduce-size", type=int, default=32 * 1024**2, help="bucket bytes (0: per array)")
    p.add_argument("--report", help="a directory for each rank's final accuracy and weight digest")
    args = p.parse_args()

    world = mx.distributed.init()
    rank, size = world.rank(), world.size()
    if args.batch_size % size:
        raise SystemExit(f"--batch-size {args.batch_size} does not split over {size} ranks")
    np.random.seed(args.seed)
    mx.random.seed(args.seed)
    train_x, train_y, test_x, test_y = map(mx.array, load_mnist(args.data))

    model = MLP(2, 784, 32, 10)
    mx.eval(model.parameters())
    optimizer = optim.SGD(learning_rate=args.lr)

    def loss_fn(model, x, y):
        return mx.mean(nn.losses.cross_entropy(model(x), y))

    loss_and_grad = nn.value_and_grad(model, loss_fn)
    shard = args.batch_size // size
    for epoch in range(args.epochs):
        # The same permutation on every rank (same seed); each takes its rows.
        perm = np.random.permutation(train_y.size)
        for start in range(0, train_y.size - args.batch_size + 1, args.batch_size):
            ids = mx.array(perm[start + rank * shard : start + (rank + 1) * shard])
            loss, grads = loss_and_grad(model, train_x[ids], train_y[ids])
            grads = nn.average_gradients(grads, world, args.all_reduce_size)
            optimizer.update(model, grads)
            mx.eval(model.parameters(), optimizer.state)
        accuracy = mx.mean(mx.argmax(model(test_x), axis=1) == test_y).item()
        if rank == 0:
            print(f"Epoch {epoch}: Test accuracy {accuracy:.4f} ({size} ranks)", flush=True)
    # A digest of the weights, so a launcher can check the ranks agree.
    digest = hashlib.sha256(b"".join(np.array(v).tobytes() for _, v in tree_flatten(model.parameters())))
    print(f"rank {rank} weights {digest.hexdigest()[:16]}", flush=True)
    if args.report:
        with open(os.path.join(args.report, f"rank{rank}_of_{size}.txt"), "w") as f:
            f.write(f"{accuracy:.6f} {digest.hexdigest()}\n")


if __name__ == "__main__":
    main()
