import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn
import lmx.optimizers as optim
from lmx.utils import tree_flatten, tree_unflatten


def quadratic_steps(opt, steps=200):
    params = {"x": mx.array([3.0, -2.0])}
    grad = mx.grad(lambda p: mx.sum(p["x"] ** 2))
    for _ in range(steps):
        params = opt.update(params, grad(params))  # the seeds' functional style
        mx.eval(params, opt.state)
    return params["x"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.SGD(learning_rate=0.1),
        lambda: optim.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        lambda: optim.Adam(learning_rate=0.1),
        lambda: optim.AdamW(learning_rate=0.1, weight_decay=0.0),
        lambda: optim.RMSprop(learning_rate=0.05),
        lambda: optim.Adagrad(learning_rate=0.5),
        lambda: optim.Lion(learning_rate=0.03),
        lambda: optim.Adamax(learning_rate=0.1),
    ],
)
def test_optimizers_minimise_a_quadratic(make):
    x = quadratic_steps(make())
    assert np.abs(np.array(x)).max() < 0.1


def test_sgd_step_is_exact():
    opt = optim.SGD(learning_rate=0.5)
    new = opt.apply_gradients({"w": mx.array([2.0])}, {"w": mx.array([1.0])})
    assert new["w"].tolist() == [0.0]
    assert opt.state["step"].item() == 1


def test_object_style_updates_module_and_state():
    model = nn.Linear(2, 1)
    opt = optim.Adam(learning_rate=1e-2)
    grads = nn.value_and_grad(model, lambda m, x: mx.sum(m(x)))(model, mx.ones((1, 2)))[1]
    before = model.weight.tolist()
    opt.update(model, grads)
    mx.eval(model.parameters(), opt.state)
    assert model.weight.tolist() != before
    assert set(opt.state) >= {"step", "learning_rate", "weight", "bias"}
    assert set(opt.state["weight"]) == {"m", "v"}


def test_schedules_and_callable_learning_rate():
    sched = optim.cosine_decay(1.0, 10)
    assert sched(mx.array(0)).item() == pytest.approx(1.0)
    assert sched(mx.array(10)).item() == pytest.approx(0.0, abs=1e-6)
    opt = optim.SGD(learning_rate=optim.step_decay(1.0, 0.5, 1))
    opt.apply_gradients({"w": mx.array([1.0])}, {"w": mx.array([0.0])})
    assert opt.learning_rate.item() == pytest.approx(0.5)
    opt2 = optim.SGD(learning_rate=lambda step: 0.1 * step)
    opt2.apply_gradients({"w": mx.array([1.0])}, {"w": mx.array([0.0])})
    assert opt2.learning_rate.item() == pytest.approx(0.1)
    opt2.learning_rate = 0.25
    assert opt2.learning_rate.item() == 0.25


def test_state_saves_and_restores(tmp_path):
    opt = optim.Adam(learning_rate=0.1)
    params = {"w": mx.array([1.0, 2.0])}
    params = opt.update(params, {"w": mx.array([0.5, 0.5])})
    path = str(tmp_path / "opt.safetensors")
    mx.save_safetensors(path, dict(tree_flatten(opt.state)))
    opt2 = optim.Adam(learning_rate=0.1)
    opt2.state = tree_unflatten(list(mx.load(path).items()))
    a = opt.update(params, {"w": mx.array([0.1, 0.1])})
    b = opt2.update(params, {"w": mx.array([0.1, 0.1])})
    assert a["w"].tolist() == b["w"].tolist()


def test_clip_grad_norm():
    grads = {"a": mx.array([3.0]), "b": mx.array([4.0])}
    clipped, norm = optim.clip_grad_norm(grads, max_norm=1.0)
    assert norm.item() == pytest.approx(5.0)
    assert clipped["a"].item() == pytest.approx(0.6)


def test_bad_gradient_shape():
    opt = optim.SGD(learning_rate=0.1)
    with pytest.raises(ValueError, match=r"\[optimizer\] Gradient shape"):
        opt.apply_gradients({"w": mx.zeros((3,))}, {"w": mx.zeros((2,))})


def test_multi_optimizer_routes_by_path():
    model = nn.Linear(2, 2)
    opt = optim.MultiOptimizer([optim.SGD(learning_rate=1.0), optim.SGD(learning_rate=0.0)],
                               [lambda path, p: "bias" in path])
    grads = {"weight": mx.ones((2, 2)), "bias": mx.ones((2,))}
    w, b = model.weight, model.bias
    opt.update(model, grads)
    assert (model.bias - (b - 1)).abs().max().item() == 0  # lr 1 for the bias
    assert (model.weight - w).abs().max().item() == 0  # lr 0 for the rest
