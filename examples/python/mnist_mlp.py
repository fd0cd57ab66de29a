"""The seeds' MNIST MLP (MLX's example) with its imports changed to lmx.

  python examples/python/mnist_mlp.py                       # SGD, object style
  python examples/python/mnist_mlp.py --style functional    # the curated notes' AdamW loop
"""

import argparse
import time

import numpy as np

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim
from lmx import data


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


def batch_iterate(batch_size, X, y, prefetch=True):
    perm = mx.array(np.random.permutation(y.size))
    batches = ((X[perm[s : s + batch_size]], y[perm[s : s + batch_size]]) for s in range(0, y.size, batch_size))
    if not prefetch:  # the seeds' loop as written
        yield from batches
        return
    # As the C++ main job: the next minibatch is gathered in the background
    # (async_eval) while the current one trains.
    current = next(batches)
    for upcoming in batches:
        mx.async_eval(upcoming)
        yield current
        current = upcoming
    yield current


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=None, help="directory with the four MNIST *-ubyte.gz files")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion_mnist"])
    p.add_argument("--style", default="object", choices=["object", "functional"])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--hidden-dim", type=int, default=32)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--optimizer", default=None, choices=["sgd", "adamw"],
                   help="sgd (object style) or adamw (functional style) by default")
    p.add_argument("--lr", type=float, default=None, help="0.1 (SGD) or 3e-4 (AdamW) by default")
    p.add_argument("--no-compile", action="store_true", help="run the loss and gradient uncompiled")
    p.add_argument("--compile-step", action="store_true",
                   help="compile the whole step, optimizer included (MLX's inputs=/outputs= pattern)")
    p.add_argument("--no-prefetch", action="store_true", help="gather each minibatch when it is used")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    np.random.seed(args.seed)
    mx.random.seed(args.seed)
    load = data.mnist if args.dataset == "mnist" else data.fashion_mnist
    train_images, train_labels, test_images, test_labels = map(mx.array, load(args.data))

    model = MLP(args.num_layers, train_images.shape[-1], args.hidden_dim, 10)
    mx.eval(model.parameters())

    def make_optimizer(default):
        name = args.optimizer or default
        if name == "sgd":
            return optim.SGD(learning_rate=args.lr or 1e-1)
        return optim.AdamW(learning_rate=args.lr or 3e-4)

    if args.style == "object":
        optimizer = make_optimizer("sgd")
        loss_and_grad_fn = nn.value_and_grad(model, loss_fn)
        if not args.no_compile and not args.compile_step:
            # As the C++ main job: the loss and its gradient are one compiled
            # function (the model, an argument, is its state).
            loss_and_grad_fn = mx.compile(loss_and_grad_fn)

        def step(X, y):
            loss, grads = loss_and_grad_fn(model, X, y)
            optimizer.update(model, grads)
            return loss

        if args.compile_step:
            # MLX's pattern: the whole step, optimizer included, compiled with
            # the model's and the optimizer's state as inputs and outputs.
            state = [model.state, optimizer.state]
            step = mx.compile(step, inputs=state, outputs=state)

        for e in range(args.epochs):
            tic = time.perf_counter()
            for X, y in batch_iterate(args.batch_size, train_images, train_labels, not args.no_prefetch):
                step(X, y)
                mx.eval(model.parameters(), optimizer.state)
            toc = time.perf_counter()
            accuracy = eval_fn(model, test_images, test_labels)
            print(f"Epoch {e}: Test accuracy {accuracy.item():.3f}, Time {toc - tic:.3f} (s)")
    else:
        # The curated notes: parameters passed explicitly, AdamW, opt.update
        # returning the new parameters.
        params = model.parameters()
        opt = make_optimizer("adamw")

        def functional_loss(p, x, y):
            logits = model.apply(p, x)
            return mx.mean(nn.losses.cross_entropy(logits, y))

        grad_fn = mx.value_and_grad(functional_loss)
        for e in range(args.epochs):
            tic = time.perf_counter()
            for X, y in batch_iterate(args.batch_size, train_images, train_labels, not args.no_prefetch):
                loss, grads = grad_fn(params, X, y)
                params = opt.update(params, grads)
                mx.eval(params, opt.state)
            toc = time.perf_counter()
            model.update(params)
            model.eval()
            accuracy = eval_fn(model, test_images, test_labels)
            model.train()
            print(f"Epoch {e}: Test accuracy {accuracy.item():.3f}, Time {toc - tic:.3f} (s)")


if __name__ == "__main__":
    main()
