"""The seeds' programs end to end: the MLP in both styles, the unchanged MLX
program under `python -m lmx run`, and the fundamentals walk-through."""

import os
import re
import subprocess
import sys

from conftest import REPO

EXAMPLES = os.path.join(REPO, "examples", "python")


def run(args, timeout=600):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout


def accuracies(text):
    return [float(a) for a in re.findall(r"Test accuracy ([0-9.]+)", text)]


def test_mnist_mlp_object_style(mnist_dir):
    acc = accuracies(run([os.path.join(EXAMPLES, "mnist_mlp.py"), "--data", mnist_dir, "--epochs", "2"]))
    assert len(acc) == 2 and acc[-1] >= 0.85


def test_mnist_mlp_compiled_step(mnist_dir):
    acc = accuracies(
        run([os.path.join(EXAMPLES, "mnist_mlp.py"), "--data", mnist_dir, "--epochs", "2", "--compile-step",
             "--optimizer", "adamw", "--lr", "1e-3"])
    )
    assert acc[-1] >= 0.94


def test_mnist_mlp_functional_style(mnist_dir):
    acc = accuracies(
        run([os.path.join(EXAMPLES, "mnist_mlp.py"), "--data", mnist_dir, "--epochs", "2", "--style", "functional"])
    )
    assert acc[-1] >= 0.85


def test_mlx_program_runs_unchanged(mnist_dir):
    acc = accuracies(run(["-m", "lmx", "run", os.path.join(EXAMPLES, "mlx_mnist.py"), "--data", mnist_dir, "--epochs", "2"]))
    assert acc[-1] >= 0.85


def test_mlx_alias_is_only_for_the_run(tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("import mlx.core as mx, sys\nprint(mx.array([1, 2]).sum().item(), sys.argv[1:])\n")
    assert run(["-m", "lmx", "run", str(prog), "a", "b"]).strip() == "3 ['a', 'b']"
    out = subprocess.run([sys.executable, "-c", "import mlx"], capture_output=True, text=True)
    assert "No module named 'mlx'" in out.stderr or out.returncode == 0  # a real MLX may exist


def test_fundamentals_walkthrough():
    text = run([os.path.join(EXAMPLES, "fundamentals.py")])
    assert "layer sizes: [3, 2, 1]" in text
    assert "MLP(\n  (layers.0): Linear(input_dims=3, output_dims=2, bias=True)" in text
    # The output bias gradient of cross entropy with one class is 1 - 0.2345.
    assert "Gradients of Layer 1 biases:\narray([0.7655], dtype=float32)" in text
