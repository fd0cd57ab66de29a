"""mx.distributed alone (a group of one) and under mpirun with 2 and 3 ranks:
collectives against local values, gradients, nn.average_gradients, the
data-parallel MNIST example, faults that end the job in bounded time, and the
launcher."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn

from conftest import REPO

MPIRUN = shutil.which("mpirun")
needs_mpi = pytest.mark.skipif(MPIRUN is None, reason="Open MPI's mpirun is not installed")


def launch(tmp_path, code, n, timeout=120, env=None, args=()):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(code))
    e = dict(os.environ, LMX_NUM_THREADS="1", OMPI_MCA_mpi_yield_when_idle="1")
    e.update(env or {})
    cmd = [sys.executable, "-m", "lmx.launch", "-n", str(n), str(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)


def test_one_process_is_a_group_of_one():
    g = mx.distributed.init()
    assert (g.rank(), g.size()) == (0, 1)
    assert isinstance(mx.distributed.is_available(), bool)
    x = mx.array([1.0, 2.0])
    for op in (mx.distributed.all_sum, mx.distributed.all_max, mx.distributed.all_min,
               mx.distributed.all_gather, mx.distributed.sum_scatter):
        assert op(x).tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"\[send\] Cannot send to a singleton group."):
        mx.distributed.send(x, 0)
    with pytest.raises(ValueError, match=r"\[recv\] Cannot recv from a singleton group."):
        mx.distributed.recv((2,), mx.float32, 0)
    grads = {"w": mx.ones((2, 2))}
    assert nn.average_gradients(grads)["w"].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="Unknown backend 'ring'"):
        mx.distributed.init(backend="ring")
    with pytest.raises(TypeError):
        mx.distributed.all_sum(x, group=3)  # not a Group
    with pytest.raises(ValueError, match=r"\[split\] The color must be non-negative"):
        g.split(-1)


COLLECTIVES = """
import os
import sys
import numpy as np
import lmx.core as mx
import lmx.nn as nn

g = mx.distributed.init(strict=True)
n, r = g.size(), g.rank()
for dt in (mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.int64, mx.uint8, mx.float64):
    for shape in ((), (5,), (2, 3, 4)):
        base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) % 7
        mine = mx.array(base + r).astype(dt)
        parts = [np.asarray(base + k) for k in range(n)]
        assert np.array_equal(np.array(mx.distributed.all_sum(mine, group=g).astype(mx.float64)), sum(parts)), (dt, shape)
        assert np.array_equal(np.array(mx.distributed.all_max(mine).astype(mx.float64)), parts[-1])
        assert np.array_equal(np.array(mx.distributed.all_min(mine).astype(mx.float64)), parts[0])
        gathered = np.array(mx.distributed.all_gather(mine).astype(mx.float64))
        want = np.stack(parts) if shape == () else np.concatenate(parts)
        assert np.array_equal(gathered, want), (dt, shape)
x = mx.ones((2 * n, 3)) * (r + 1)
assert mx.distributed.sum_scatter(x).tolist() == [[n * (n + 1) / 2] * 3] * 2
# Gradients: the vjp of all_sum is an all_sum.
w = mx.arange(3, dtype=mx.float32) + r
gx = mx.grad(lambda x: mx.distributed.all_sum(x * w).sum())(mx.ones(3))
assert np.allclose(np.array(gx), n * np.array(w))
# average_gradients is the mean, bucketed or not, and in a lower precision.
grads = {"a": mx.full((3, 4), float(r)), "b": [mx.full((5,), 2.0 * r)]}
for size in (0, 16, 32 * 1024**2):
    avg = nn.average_gradients(grads, all_reduce_size=size)
    assert np.allclose(np.array(avg["a"]), (n - 1) / 2) and np.allclose(np.array(avg["b"][0]), n - 1)
avg = nn.average_gradients(grads, communication_type=mx.bfloat16)
assert avg["a"].dtype == mx.float32 and np.allclose(np.array(avg["a"]), (n - 1) / 2, atol=1e-2)
# split: ranks of one parity.
sub = g.split(r % 2)
assert mx.distributed.all_sum(mx.array(1), group=sub).item() == sub.size()
# Shapes that differ between ranks are an error on every rank, naming both.
try:
    mx.eval(mx.distributed.all_sum(mx.ones((2 if r == 0 else 3,))))
    raise SystemExit("no error")
except ValueError as e:
    assert "Rank 0 has float32 array of shape (2) but rank 1 has float32 array of shape (3)" in str(e), e
open(os.path.join(sys.argv[1], f"ok{r}"), "w").close()
"""


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_collectives_under_mpirun(tmp_path, n):
    out = launch(tmp_path, COLLECTIVES, n, args=[str(tmp_path)])
    assert out.returncode == 0, out.stdout + out.stderr
    assert sorted(p.name for p in tmp_path.glob("ok*")) == [f"ok{k}" for k in range(n)]


@needs_mpi
def test_data_parallel_mnist_matches_one_process(tmp_path, mnist_dir):
    example = os.path.join(REPO, "examples", "python", "mnist_distributed.py")
    env = dict(os.environ, LMX_NUM_THREADS="1", OMPI_MCA_mpi_yield_when_idle="1")
    args = [example, "--data", mnist_dir, "--epochs", "1", "--report", str(tmp_path)]
    two = subprocess.run([sys.executable, "-m", "lmx.launch", "-n", "2", *args], capture_output=True, text=True,
                         timeout=300, env=env)
    assert two.returncode == 0, two.stderr
    reports = [(tmp_path / f"rank{k}_of_2.txt").read_text().split() for k in range(2)]
    one = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, env=env)
    assert one.returncode == 0, one.stderr
    alone = (tmp_path / "rank0_of_1.txt").read_text().split()
    # Bit-identical weights on every rank; the accuracy of one process with
    # the same total batch.
    assert reports[0][1] == reports[1][1]
    assert reports[0][0] == reports[1][0]
    assert abs(float(reports[0][0]) - float(alone[0])) <= 0.005


@needs_mpi
@pytest.mark.parametrize("fault", ["exit", "raise"])
def test_a_failing_rank_ends_the_job_in_bounded_time(tmp_path, fault):
    code = f"""
    import sys
    import lmx.core as mx
    g = mx.distributed.init()
    if g.rank() == 1:
        {"sys.exit(3)" if fault == "exit" else "raise RuntimeError('rank 1 failed')"}
    mx.eval(mx.distributed.all_sum(mx.ones((4,))))
    print("rank", g.rank(), "finished")
    """
    start = time.monotonic()
    out = launch(tmp_path, code, 2, timeout=120, env={"LMX_DISTRIBUTED_TIMEOUT": "5"})
    assert out.returncode != 0
    assert time.monotonic() - start < 100
    assert "rank 0 finished" not in out.stdout


def test_launcher(tmp_path):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "lmx.launch", "--print", "-n", "3", "train.py", "--epochs", "1"],
                         capture_output=True, text=True, env=env)
    if MPIRUN is not None:
        assert out.returncode == 0
        assert f"-np 3 {sys.executable} train.py --epochs 1" in out.stdout
    env["PATH"] = str(tmp_path)  # no mpirun here
    out = subprocess.run([sys.executable, "-m", "lmx.launch", "-n", "2", "train.py"], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 127
    assert "lmx-launch: mpirun was not found. Install Open MPI" in out.stderr
