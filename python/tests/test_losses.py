import numpy as np
import pytest

import lmx.core as mx
import lmx.nn as nn
from conftest import finite_difference_grad

rng = np.random.default_rng(0)
losses = nn.losses


def test_values_against_numpy():
    p = rng.normal(size=(4, 3)).astype(np.float32)
    t = rng.normal(size=(4, 3)).astype(np.float32)
    P, T = mx.array(p), mx.array(t)
    assert losses.mse_loss(P, T).item() == pytest.approx(((p - t) ** 2).mean(), rel=1e-5)
    assert losses.l1_loss(P, T, reduction="sum").item() == pytest.approx(np.abs(p - t).sum(), rel=1e-5)
    d = np.abs(p - t)
    huber = np.where(d <= 1, 0.5 * d**2, d - 0.5)
    np.testing.assert_allclose(np.array(losses.huber_loss(P, T)), huber, rtol=1e-5)
    sl1 = np.where(d < 1, 0.5 * d**2, d - 0.5).mean()
    assert losses.smooth_l1_loss(P, T).item() == pytest.approx(sl1, rel=1e-5)
    np.testing.assert_allclose(np.array(losses.log_cosh_loss(P, T)), np.log(np.cosh(p - t)), rtol=1e-4, atol=1e-6)
    z = rng.uniform(0.1, 0.9, size=(5,)).astype(np.float32)
    y = (rng.uniform(size=(5,)) > 0.5).astype(np.float32)
    bce = -(y * np.log(z) + (1 - y) * np.log(1 - z)).mean()
    assert losses.binary_cross_entropy(mx.array(z), mx.array(y), with_logits=False).item() == pytest.approx(bce, rel=1e-4)


def test_cross_entropy_forms():
    logits = rng.normal(size=(3, 4)).astype(np.float32)
    labels = np.array([0, 3, 1])
    lse = np.log(np.exp(logits).sum(1))
    ref = lse - logits[np.arange(3), labels]
    np.testing.assert_allclose(np.array(losses.cross_entropy(mx.array(logits), mx.array(labels))), ref, rtol=1e-5)
    probs = np.eye(4, dtype=np.float32)[labels]
    np.testing.assert_allclose(np.array(losses.cross_entropy(mx.array(logits), mx.array(probs))), ref, rtol=1e-5)
    smooth = losses.cross_entropy(mx.array(logits), mx.array(labels), label_smoothing=0.1, reduction="mean")
    assert smooth.shape == ()
    with pytest.raises(ValueError, match="reduction"):
        losses.cross_entropy(mx.array(logits), mx.array(labels), reduction="bad")


def test_loss_gradients_match_finite_differences():
    t = rng.normal(size=(3, 2))
    for fn in (losses.mse_loss, losses.huber_loss, losses.smooth_l1_loss, losses.log_cosh_loss):
        def f(x):
            return mx.sum(fn(x, mx.array(t.astype(np.float32))))

        x0 = rng.normal(size=(3, 2))
        g = mx.grad(f)(mx.array(x0.astype(np.float32)))
        num = finite_difference_grad(lambda x: f(mx.array(x.astype(np.float32))).item(), x0.copy(), 1e-2)
        np.testing.assert_allclose(np.array(g), num, rtol=2e-2, atol=2e-2)


def test_triplet_kl_margin():
    a = mx.array([[0.0, 0.0]])
    pos = mx.array([[0.0, 1.0]])
    neg = mx.array([[3.0, 4.0]])
    assert losses.triplet_loss(a, pos, neg, margin=1.0).item() == pytest.approx(0.0, abs=1e-5)
    assert losses.margin_ranking_loss(mx.array([1.0]), mx.array([2.0]), mx.array([1.0])).item() == pytest.approx(1.0)
    lp = mx.log(mx.array([[0.5, 0.5]]))
    assert losses.kl_div_loss(lp, lp).item() == pytest.approx(0.0, abs=1e-6)
