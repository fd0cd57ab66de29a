"""The seeds' MNIST MLP in PyTorch (Python), for bench/mnist/run.sh. Prints the
same lines as examples/mnist_mlp."""
import argparse
import os
import time

import numpy as np
import torch

from idx import idx


p = argparse.ArgumentParser()
p.add_argument("--hidden-dim", type=int, default=32)
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--optimizer", default="sgd")
p.add_argument("--data", required=True)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
load = lambda n: idx(os.path.join(a.data, n))
xtr = torch.from_numpy(load("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0)
ytr = torch.from_numpy(load("train-labels-idx1-ubyte.gz").astype(np.int64))
xte = torch.from_numpy(load("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0)
yte = torch.from_numpy(load("t10k-labels-idx1-ubyte.gz").astype(np.int64))

sizes = [784, a.hidden_dim, a.hidden_dim, 10]
layers = []
for i in range(len(sizes) - 1):
    layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    if i + 2 < len(sizes):
        layers.append(torch.nn.ReLU())
model = torch.nn.Sequential(*layers)
if a.optimizer == "adamw":
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
else:
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
n = xtr.shape[0]
for e in range(a.epochs):
    start = time.perf_counter()
    perm = torch.randperm(n)
    for s in range(0, n, 256):
        ids = perm[s:s + 256]
        x, y = xtr[ids], ytr[ids]
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    secs = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(f"Epoch {e}: Test accuracy {acc:.3f}, Time {secs:.3f} (s)", flush=True)
