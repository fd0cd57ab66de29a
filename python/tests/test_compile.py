from functools import partial

import pytest

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


def _train(compiled, steps=5):
    mx.random.seed(3)
    model = nn.Linear(4, 2)
    opt = optim.AdamW(learning_rate=0.05)
    vg = nn.value_and_grad(model, lambda m, x, y: mx.mean((m(x) - y) ** 2))

    def step(x, y):
        loss, grads = vg(model, x, y)
        opt.update(model, grads)
        return loss

    if compiled:
        state = [model.state, opt.state]
        step = mx.compile(step, inputs=state, outputs=state)
    x = mx.random.normal((8, 4), key=mx.random.key(0))
    y = mx.random.normal((8, 2), key=mx.random.key(1))
    for _ in range(steps):
        step(x, y)
        mx.eval(model.parameters(), opt.state)
    return model, opt


def test_compiled_adam_keeps_its_moments_between_calls():
    # The optimizer creates its state inside the first traced call; later
    # calls must carry m and v, so compiled and eager training agree.
    m1, o1 = _train(False)
    m2, o2 = _train(True)
    assert mx.allclose(m1.weight, m2.weight, atol=1e-6).item()
    assert set(o2.state["weight"]) == {"m", "v"}
    assert o2.state["step"].item() == 5


def test_compile_takes_a_module_argument():
    model = nn.Linear(3, 1)
    f = mx.compile(lambda m, x: m(x).sum())
    x = mx.ones((2, 3))
    assert f(model, x).item() == pytest.approx(model(x).sum().item(), rel=1e-6)
    model.weight = mx.zeros((1, 3))  # the next call sees the new parameters
    assert f(model, x).item() == pytest.approx(model(x).sum().item(), rel=1e-6)
    with pytest.raises(ValueError, match="nn.value_and_grad"):
        mx.grad(lambda m: m(x).sum())(model)


def test_shapeless_compile():
    calls = []

    def f(a):
        calls.append(1)
        return a * 2

    cf = mx.compile(f, shapeless=True)
    assert cf(mx.ones(2)).tolist() == [2, 2]
    assert cf(mx.ones(3)).tolist() == [2, 2, 2]
    assert len(calls) == 1
