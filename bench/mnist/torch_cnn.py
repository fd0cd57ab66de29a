"""The LeNet-style MNIST CNN of examples/mnist_cnn in PyTorch (Python), for
bench/mnist/run_cnn.sh: same layers, Adam at 1e-3, batches of 128 in a new
random order each epoch, and the same output lines (NCHW where lmx is NHWC)."""
import argparse
import os
import time

import numpy as np
import torch

from idx import idx

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--data", required=True)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
load = lambda n: idx(os.path.join(a.data, n))
images = lambda n: torch.from_numpy(load(n).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
labels = lambda n: torch.from_numpy(load(n).astype(np.int64))
xtr, ytr = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
xte, yte = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")

nn = torch.nn
model = nn.Sequential(
    nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(4 * 4 * 32, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
n = xtr.shape[0]
for e in range(a.epochs):
    start = time.perf_counter()
    perm = torch.randperm(n)
    loss_sum, steps = 0.0, 0
    for s in range(0, n, a.batch_size):
        ids = perm[s:s + a.batch_size]
        x, y = xtr[ids], ytr[ids]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss_sum += loss.item()
        steps += 1
    secs = time.perf_counter() - start
    with torch.no_grad():
        correct = sum((model(xte[s:s + 1000]).argmax(1) == yte[s:s + 1000]).sum().item()
                      for s in range(0, xte.shape[0], 1000))
    print(f"Epoch {e}: Test accuracy {correct / xte.shape[0]:.4f}, Time {secs:.3f} (s), "
          f"Train loss {loss_sum / steps:.4f}", flush=True)
