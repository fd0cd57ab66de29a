"""Seed 003's Sequential CNN (channels last, as MLX) trained on MNIST in the
seeds' functional style: net.apply(params, x), params = opt.update(params, grads).

  python examples/python/cnn.py --epochs 1
"""

import argparse
import time

import numpy as np

import lmx.core as mx
import lmx.nn as nn
from lmx import data
from lmx.nn import losses
from lmx.optimizers import Adam


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=None)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-size", type=int, default=None, help="use the first N training images")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    np.random.seed(args.seed)
    mx.random.seed(args.seed)

    train_x, train_y, test_x, test_y = map(mx.array, data.mnist(args.data))
    if args.train_size:
        train_x, train_y = train_x[: args.train_size], train_y[: args.train_size]
    train_x = train_x.reshape(-1, 28, 28, 1)
    test_x = test_x.reshape(-1, 28, 28, 1)

    net = nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 14 * 14, 10),
    )

    def loss_fn(params, x, y):
        logits = net.apply(params, x)
        return mx.mean(losses.cross_entropy(logits, y))

    params = net.parameters()
    opt = Adam(args.lr)
    grad_fn = mx.value_and_grad(loss_fn)
    n = train_y.size
    for epoch in range(args.epochs):
        tic = time.perf_counter()
        perm = mx.array(np.random.permutation(n))
        for step, s in enumerate(range(0, n, args.batch_size)):
            ids = perm[s : s + args.batch_size]
            loss, grads = grad_fn(params, train_x[ids], train_y[ids])
            params = opt.update(params, grads)
            mx.eval(params, opt.state)
            if step % 100 == 0:
                print(step, loss.item())
        net.update(params)
        net.eval()
        correct = 0
        for s in range(0, test_y.size, 1000):
            logits = net(test_x[s : s + 1000])
            correct += mx.sum(mx.argmax(logits, axis=1) == test_y[s : s + 1000]).item()
        net.train()
        print(f"Epoch {epoch}: Test accuracy {correct / test_y.size:.3f}, Time {time.perf_counter() - tic:.1f} (s)")


if __name__ == "__main__":
    main()
