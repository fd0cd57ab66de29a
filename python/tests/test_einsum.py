"""mx.einsum and mx.einsum_path against numpy.einsum."""

import numpy as np
import pytest

import lmx.core as mx

CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl,lm->im", [(10, 20), (20, 5), (5, 30), (30, 2)]),
    ("ba", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i", [(5,), (5,)]),
    ("ii", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("iji->j", [(2, 3, 2)]),
    ("bij,bjk->bik", [(3, 2, 4), (3, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 6, 4)]),
    ("bhqk,bhkd->bhqd", [(2, 3, 5, 6), (2, 3, 6, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (5, 3, 4)]),
    ("...i,i->...", [(2, 3, 4), (4,)]),
    ("i...->...", [(3, 2, 2)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("abc,cd,bd->a", [(2, 3, 4), (4, 5), (3, 5)]),
    ("ijk,jil->kl", [(3, 4, 5), (4, 3, 2)]),
    ("Ab,bA->A", [(3, 2), (2, 3)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    (",i->i", [(), (3,)]),
]


@pytest.mark.parametrize("subscripts,shapes", CASES)
def test_against_numpy(subscripts, shapes):
    rng = np.random.default_rng(len(subscripts))
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    want = np.einsum(subscripts, *xs)
    got = mx.einsum(subscripts, *[mx.array(x) for x in xs])
    assert got.shape == want.shape
    assert np.allclose(np.array(got), want, rtol=1e-4, atol=1e-4)
    path, text = mx.einsum_path(subscripts, *[mx.array(x) for x in xs])
    want_path = np.einsum_path(subscripts, *xs, optimize="greedy")[0][1:]
    assert path == [tuple(p) for p in want_path]
    assert text.startswith(f"  Complete contraction:  {subscripts}\n")


def test_path_summary():
    path, text = mx.einsum_path("ij,jk,kl->il", mx.ones((2, 3)), mx.ones((3, 4)), mx.ones((4, 5)))
    assert path == [(1, 2), (0, 1)]
    assert text == ("  Complete contraction:  ij,jk,kl->il\n"
                    "         Naive scaling:  4\n"
                    "     Optimized scaling:  3\n"
                    "      Naive FLOP count:  360\n"
                    "  Optimized FLOP count:  180\n")


def test_grad_and_float64():
    a = mx.array(np.arange(6.0).reshape(2, 3), dtype=mx.float32)
    b = mx.array(np.ones((3, 2)), dtype=mx.float32)
    g = mx.grad(lambda x: mx.einsum("ij,jk->", x, b))(a)
    assert np.allclose(g, np.ones((2, 3)) * 2)
    d = mx.einsum("ij,jk", mx.array(a, dtype=mx.float64), mx.array(b, dtype=mx.float64))
    assert d.dtype == mx.float64


def test_errors():
    a = mx.ones((2, 3))
    with pytest.raises(ValueError, match=r"\[einsum\] Number of operands, 1, does not match"):
        mx.einsum("ij,jk", a)
    with pytest.raises(ValueError, match=r"Invalid number of subscripts 3 for input 0"):
        mx.einsum("ijk", a)
    with pytest.raises(ValueError, match=r"Cannot broadcast dimension 0 of input 1 with shape \(4,4\)"):
        mx.einsum("ij,jk", a, mx.ones((4, 4)))
    with pytest.raises(ValueError, match=r"Repeat indices not allowed in output."):
        mx.einsum("ij->ii", a)
    with pytest.raises(ValueError, match=r"Subscripts must be letters, but got '1'."):
        mx.einsum("i1", a)
