from functools import partial

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim


def test_compile_matches_eager_and_retraces_on_constants():
    calls = []

    def f(x, y, k):
        calls.append(1)
        return mx.exp(x) * y + k

    cf = mx.compile(f)
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    assert mx.allclose(cf(x, y, 1.0), f(x, y, 1.0)).item()
    n = len(calls)
    cf(x * 2, y, 1.0)  # same structure and shapes: no new trace
    assert len(calls) == n
    assert mx.allclose(cf(x, y, 2.0), f(x, y, 2.0)).item()  # a new constant retraces


def test_compiled_training_step_with_state():
    mx.random.seed(0)
    model = nn.Linear(4, 1)
    opt = optim.SGD(learning_rate=0.1)
    state = [model.state, opt.state]

    def loss_fn(m, x, y):
        return mx.mean((m(x) - y) ** 2)

    grad_fn = nn.value_and_grad(model, loss_fn)

    @partial(mx.compile, inputs=state, outputs=state)
    def step(x, y):
        loss, grads = grad_fn(model, x, y)
        opt.update(model, grads)
        return loss

    x = mx.random.normal((16, 4), key=mx.random.key(1))
    y = x @ mx.array([[1.0], [-2.0], [0.5], [3.0]])
    losses = []
    for _ in range(30):
        losses.append(step(x, y).item())
        mx.eval(model.parameters(), opt.state)
    assert losses[-1] < losses[0] * 0.1
    assert opt.state["step"].item() == 30
    # No tracer left behind: the parameters evaluate on their own.
    mx.eval(model.parameters())
