import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn
from lmx.utils import tree_flatten


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = [nn.Linear(i, o) for i, o in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for l in self.layers[:-1]:
            x = mx.maximum(l(x), 0.0)
        return self.layers[-1](x)


def test_python_module_registers_attributes():
    m = MLP([3, 2, 1])
    p = m.parameters()
    assert list(p) == ["layers"]
    assert [sorted(d) for d in p["layers"]] == [["bias", "weight"], ["bias", "weight"]]
    assert p["layers"][0]["weight"].shape == (2, 3)
    assert m.layers[0].weight.shape == (2, 3)
    assert repr(m) == (
        "MLP(\n  (layers.0): Linear(input_dims=3, output_dims=2, bias=True)\n"
        "  (layers.1): Linear(input_dims=2, output_dims=1, bias=True)\n)"
    )
    assert m(mx.ones((4, 3))).shape == (4, 1)


def test_live_containers_and_mlx_structure():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
            self.d = {"a": mx.zeros((2,)), "b": 3, "c": [mx.ones((1,))]}
            self.x = mx.array([1.0])
            self.n = 5

    m = M()
    p = m.parameters()
    assert list(p) == ["layers", "d", "x"]
    assert p["layers"][1] == {}
    assert list(p["d"]) == ["a", "b", "c"] and p["d"]["b"] == {}
    m.layers.append(nn.Linear(1, 1))  # seen by the next walk
    assert len(m.parameters()["layers"]) == 4
    assert "(layers.3): Linear(input_dims=1, output_dims=1, bias=True)" in repr(m)
    assert m.n == 5
    assert [k for k, _ in m.named_modules()] == ["", "layers.3", "layers.2", "layers.1", "layers.0"]
    assert list(m.children()) == ["layers"]


def test_freeze_unfreeze_and_trainable():
    m = MLP([3, 2, 1])
    m.freeze()
    assert tree_flatten(m.trainable_parameters()) == []
    m.unfreeze()
    m.layers[0].freeze(keys=["bias"])
    keys = [k for k, _ in tree_flatten(m.trainable_parameters())]
    assert "layers.0.bias" not in keys and "layers.0.weight" in keys
    with pytest.raises(ValueError, match="no parameter or submodule named 'nope'"):
        m.freeze(keys=["nope"], strict=True)


def test_update_and_errors():
    m = MLP([3, 2, 1])
    w = mx.zeros((2, 3))
    m.update({"layers": [{"weight": w}, {}]})
    assert m.layers[0].weight.tolist() == w.tolist()
    with pytest.raises(ValueError, match=r"\[update\] Expected shape \(2,3\) for .layers.0.weight."):
        m.update({"layers": [{"weight": mx.zeros((5,))}]})
    with pytest.raises(ValueError, match="no parameter or submodule 'other'"):
        m.update({"other": mx.zeros((1,))})
    m.layers[1].weight = mx.ones((1, 2))  # assignment to a C++ layer's parameter
    assert m.parameters()["layers"][1]["weight"].tolist() == [[1, 1]]


def test_cpp_and_python_modules_nest():
    class Double(nn.Module):
        def __call__(self, x):
            return 2 * x

    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.s = mx.array([3.0])

        def __call__(self, x):
            return self.s * x

    seq = nn.Sequential(nn.Linear(2, 2), Double(), Scale(), nn.relu)
    assert seq(mx.ones((1, 2))).shape == (1, 2)
    flat = dict(tree_flatten(seq.parameters()))
    assert set(flat) == {"layers.0.weight", "layers.0.bias", "layers.2.s"}
    assert "(layers.1): Double()" in repr(seq)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = seq

    o = Outer()
    assert "body.layers.2.s" in dict(tree_flatten(o.parameters()))


def test_train_eval_and_dropout():
    m = nn.Sequential(nn.Dropout(0.5))
    assert m.training
    m.eval()
    assert not m.training and not m.layers[0].training
    x = mx.ones((100,))
    assert m(x).tolist() == x.tolist()
    m.train()
    assert m(x).tolist() != x.tolist()


def test_save_and_load_weights(tmp_path):
    m = MLP([3, 2, 1])
    path = str(tmp_path / "w.safetensors")
    m.save_weights(path)
    m2 = MLP([3, 2, 1])
    m2.load_weights(path)
    for (k1, v1), (k2, v2) in zip(tree_flatten(m.parameters()), tree_flatten(m2.parameters())):
        assert k1 == k2 and v1.tolist() == v2.tolist()
    m3 = MLP([3, 4, 1])
    with pytest.raises(ValueError, match=r"\[load_weights\] Expected shape"):
        m3.load_weights(path)
    npz = str(tmp_path / "w.npz")
    m.save_weights(npz)
    m2.load_weights(npz)


def test_leaf_modules_update_modules_set_dtype_apply():
    m = MLP([3, 2, 1])
    leaves = m.leaf_modules()
    assert list(leaves) == ["layers"] and len(leaves["layers"]) == 2
    m.update_modules({"layers": [nn.Linear(3, 2, bias=False), m.layers[1]]})
    assert "bias" not in m.parameters()["layers"][0]
    m.set_dtype(mx.float16)
    assert m.layers[1].weight.dtype == mx.float16
    m.apply(lambda a: mx.zeros_like(a))
    assert m.layers[1].weight.tolist() == [[0, 0]]


def test_functional_apply():
    m = MLP([3, 2, 1])
    params = m.parameters()
    zero = {"layers": [{"weight": mx.zeros((2, 3)), "bias": mx.zeros((2,))}, params["layers"][1]]}
    out = m.apply(zero, mx.ones((1, 3)))
    assert np.allclose(np.array(out), np.array(params["layers"][1]["bias"]))
    assert m.layers[0].weight.tolist() == params["layers"][0]["weight"].tolist()  # restored


def test_value_and_grad_of_model():
    m = MLP([3, 2, 1])

    def loss(model, x, y):
        return mx.mean((model(x) - y) ** 2)

    x, y = mx.ones((4, 3)), mx.zeros((4, 1))
    value, grads = nn.value_and_grad(m, loss)(m, x, y)
    assert value.shape == ()
    assert grads["layers"][0]["weight"].shape == (2, 3)
    # Gradient of the last bias against a finite difference.
    b = m.layers[1].bias
    eps = 1e-3
    m.layers[1].bias = b + eps
    up = loss(m, x, y).item()
    m.layers[1].bias = b - eps
    down = loss(m, x, y).item()
    m.layers[1].bias = b
    assert grads["layers"][1]["bias"].item() == pytest.approx((up - down) / (2 * eps), rel=1e-2, abs=1e-3)


def test_layers_forward_shapes():
    x = mx.random.normal((2, 8, 8, 3), key=mx.random.key(0))
    assert nn.Conv2d(3, 4, kernel_size=3, padding=1)(x).shape == (2, 8, 8, 4)
    assert nn.MaxPool2d(2)(x).shape == (2, 4, 4, 3)
    assert nn.AvgPool2d(kernel_size=2, stride=2)(x).shape == (2, 4, 4, 3)
    assert nn.BatchNorm(3)(x).shape == x.shape
    assert nn.LayerNorm(3)(x).shape == x.shape
    assert nn.Embedding(10, 4)(mx.array([1, 2])).shape == (2, 4)
    assert nn.MultiHeadAttention(8, 2)(mx.ones((1, 5, 8)), mx.ones((1, 5, 8)), mx.ones((1, 5, 8))).shape == (1, 5, 8)
    assert nn.GELU()(mx.array([0.0])).tolist() == [0.0]
    assert nn.RoPE(8)(mx.ones((1, 4, 8))).shape == (1, 4, 8)
    assert repr(nn.Conv2d(3, 4, 3)).startswith("Conv2d(3, 4, kernel_size=(3, 3)")


def test_activations_and_losses():
    x = mx.array([-1.0, 0.0, 2.0])
    assert nn.relu(x).tolist() == [0, 0, 2]
    assert nn.leaky_relu(x, negative_slope=0.1).tolist() == pytest.approx([-0.1, 0, 2])
    logits = mx.array([[2.0, 0.5], [0.1, 1.0]])
    targets = mx.array([0, 1])
    ce = nn.losses.cross_entropy(logits, targets)
    ln = np.array(logits)
    ref = -np.log(np.exp(ln[[0, 1], [0, 1]]) / np.exp(ln).sum(1))
    np.testing.assert_allclose(np.array(ce), ref, rtol=1e-5)
    assert nn.losses.mse_loss(x, mx.zeros(3)).item() == pytest.approx(5 / 3)
    assert nn.losses.cross_entropy(logits, targets, reduction="mean").shape == ()


def test_init():
    w = nn.init.constant(0.5)(mx.zeros((2, 2)))
    assert w.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    g = nn.init.glorot_uniform()(mx.zeros((100, 100)), gain=2.0)
    assert abs(np.array(g)).max() <= 2.0 * np.sqrt(6 / 200) + 1e-6
    assert nn.init.he_normal()(mx.zeros((3, 3)), mode="fan_out").shape == (3, 3)


def test_quantize_model():
    class Q(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(64, 64), nn.Linear(64, 8)]

        def __call__(self, x):
            return self.layers[1](self.layers[0](x))

    m = Q()
    x = mx.random.normal((2, 64), key=mx.random.key(0))
    before = m(x)
    nn.quantize(m, group_size=32, bits=8)
    assert "QuantizedLinear" in repr(m)
    assert mx.max(mx.abs(m(x) - before)).item() < 0.1


def test_attribute_errors():
    m = MLP([2, 1])
    with pytest.raises(AttributeError, match="'MLP' object has no attribute 'nothing'"):
        m.nothing
    del m.layers
    assert m.parameters() == {}


def test_freeze_a_submodule_by_name_and_base_call():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.norm = nn.LayerNorm(2)

    b = Block()
    b.freeze(keys="lin")
    assert [k for k, _ in tree_flatten(b.trainable_parameters())] == ["norm.weight", "norm.bias"]
    b.unfreeze(keys=["lin"])
    assert len(tree_flatten(b.trainable_parameters())) == 4
    with pytest.raises(TypeError, match="'Module' object is not callable"):
        nn.Module()(mx.zeros(1))
    with pytest.raises(TypeError, match="'Block' object is not callable"):
        b(mx.zeros(1))


def test_optimizer_state_skips_modules_without_parameters():
    import lmx.optimizers as optim

    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    opt = optim.SGD(learning_rate=0.1)
    grads = nn.value_and_grad(seq, lambda m, x: m(x).sum())(seq, mx.ones((1, 2)))[1]
    opt.update(seq, grads)
    assert [k for k, _ in tree_flatten(opt.state)] == ["step", "learning_rate", "layers.0.weight.v", "layers.0.bias.v"]


def test_module_is_dict_like_and_more_layers():
    lin = nn.Linear(2, 2, bias=False)
    assert lin.keys() == ["weight"] and "weight" in lin and "bias" not in lin
    assert lin["weight"].shape == (2, 2)
    with pytest.raises(KeyError):
        lin["bias"]
    seq = nn.Sequential(nn.ReLU())
    assert [k for k, _ in seq.items()] == ["layers"]
    t = nn.Transformer(dims=16, num_heads=2, num_encoder_layers=1, num_decoder_layers=1)
    assert t(mx.ones((1, 3, 16)), mx.ones((1, 2, 16))).shape == (1, 2, 16)
    assert nn.Flatten()(mx.zeros((2, 3, 4))).shape == (2, 12)
    assert nn.Unflatten(1, (3, 4))(mx.zeros((2, 12))).shape == (2, 3, 4)
    out, (h, c) = None, nn.LSTM(4, 8)(mx.zeros((1, 5, 4)))
    assert h.shape == (1, 5, 8)
    assert nn.GRU(4, 8)(mx.zeros((1, 5, 4))).shape == (1, 5, 8)


def test_subclass_may_assign_before_or_without_super_init():
    class Early(nn.Module):
        def __init__(self):
            self.x = mx.ones((1,))
            super().__init__()
            self.y = mx.zeros((1,))

    class Never(nn.Module):
        def __init__(self):
            self.l = nn.Linear(1, 1)

        def __call__(self, x):
            return self.l(x) * 0 + 7

    assert list(Early().parameters()) == ["x", "y"]
    assert nn.Sequential(Never())(mx.ones((1, 1))).tolist() == [[7.0]]  # C++ calls the Python __call__

    class BadLinear(nn.Linear):
        def __init__(self):
            self.q = 1

    with pytest.raises(TypeError, match=r"BadLinear.__init__ must call super\(\).__init__"):
        BadLinear()
