"""Resident memory over a long training run from Python: the seeds' MLP
(784-32-32-10, SGD, batch 256) for --steps steps, compiled by default,
printing RSS every --every steps. Memory should stay flat.

  PYTHONPATH=build/python:python .venv/bin/python bench/python/rss.py --steps 100000 --data ../shared/data/mnist
"""

import argparse
import resource
import time

import numpy as np

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim
from lmx import data


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(784, 32), nn.Linear(32, 32), nn.Linear(32, 10)]

    def __call__(self, x):
        for l in self.layers[:-1]:
            x = mx.maximum(l(x), 0.0)
        return self.layers[-1](x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=100000)
    p.add_argument("--every", type=int, default=10000)
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--data", default=None, help="MNIST directory (default: the download cache)")
    a = p.parse_args()
    x_train, y_train, _, _ = map(mx.array, data.mnist(a.data))
    model = MLP()
    opt = optim.SGD(learning_rate=0.1)
    vg = nn.value_and_grad(model, lambda m, x, y: mx.mean(nn.losses.cross_entropy(m(x), y)))

    def step(x, y):
        loss, grads = vg(model, x, y)
        opt.update(model, grads)
        return loss

    if not a.no_compile:
        state = [model.state, opt.state]
        step = mx.compile(step, inputs=state, outputs=state)
    n = y_train.size
    perm = mx.array(np.random.permutation(n))
    tic = time.perf_counter()
    for i in range(a.steps):
        s = (i * 256) % (n - 256)
        ids = perm[s : s + 256]
        loss = step(x_train[ids], y_train[ids])
        mx.eval(loss, model.parameters(), opt.state)
        if i % a.every == 0 or i == a.steps - 1:
            print(f"step {i:>7}: RSS {rss_mb():8.1f} MB, loss {loss.item():.3f}, "
                  f"{(time.perf_counter() - tic) / (i + 1) * 1e3:.3f} ms/step", flush=True)


if __name__ == "__main__":
    main()
