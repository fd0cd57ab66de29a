"""mx.fft against numpy.fft: lengths (odd, prime, long), axes, s, norms."""

import numpy as np
import pytest

import lmx.core as mx


def close(a, b, tol=1e-4):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    scale = max(np.abs(b).max(), 1e-30)
    assert np.abs(a - b).max() / scale < tol


def signal(shape, seed=0, complex_=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if complex_:
        x = x + 1j * rng.standard_normal(shape)
        return x.astype(np.complex64)
    return x.astype(np.float32)


@pytest.mark.parametrize("n", [1, 2, 7, 12, 61, 97, 127, 255, 256, 1000, 4099, 65537, 1 << 16])
def test_one_axis_lengths(n):
    x = signal((n,), n)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    close(mx.fft.ifft(mx.array(x)), np.fft.ifft(x))
    r = x.real.copy()
    close(mx.fft.rfft(mx.array(r)), np.fft.rfft(r))
    h = np.fft.rfft(r).astype(np.complex64)
    close(mx.fft.irfft(mx.array(h), n=n), np.fft.irfft(h, n=n))


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_norms_n_and_axes(norm):
    x = signal((4, 6, 5), 1)
    a = mx.array(x)
    close(mx.fft.fft(a, n=8, axis=1, norm=norm), np.fft.fft(x, n=8, axis=1, norm=norm))
    close(mx.fft.ifft(a, n=3, axis=0, norm=norm), np.fft.ifft(x, n=3, axis=0, norm=norm))
    close(mx.fft.fft2(a, norm=norm), np.fft.fft2(x, norm=norm))
    close(mx.fft.ifft2(a, s=(3, 7), norm=norm), np.fft.ifft2(x, s=(3, 7), norm=norm))
    close(mx.fft.fftn(a, norm=norm), np.fft.fftn(x, norm=norm))
    close(mx.fft.fftn(a, s=(5, 2), axes=(2, 0), norm=norm),
          np.fft.fftn(x, s=(5, 2), axes=(2, 0), norm=norm))
    close(mx.fft.ifftn(a, axes=[1], norm=norm), np.fft.ifftn(x, axes=[1], norm=norm))
    r = x.real.copy()
    ar = mx.array(r)
    close(mx.fft.rfft(ar, n=9, axis=1, norm=norm), np.fft.rfft(r, n=9, axis=1, norm=norm))
    close(mx.fft.rfft2(ar, norm=norm), np.fft.rfft2(r, norm=norm))
    close(mx.fft.rfftn(ar, axes=(0, 2), norm=norm), np.fft.rfftn(r, axes=(0, 2), norm=norm))
    close(mx.fft.irfft(a, axis=0, norm=norm), np.fft.irfft(x, axis=0, norm=norm))
    close(mx.fft.irfft2(a, s=(5, 7), norm=norm), np.fft.irfft2(x, s=(5, 7), norm=norm))
    close(mx.fft.irfftn(a, norm=norm), np.fft.irfftn(x, norm=norm))


def test_dtypes_and_round_trips():
    x = signal((3, 10), 2, complex_=False)
    assert mx.fft.fft(mx.array(x)).dtype == mx.complex64
    assert mx.fft.rfft(mx.array(x)).dtype == mx.complex64
    assert mx.fft.irfft(mx.fft.rfft(mx.array(x))).dtype == mx.float32
    x64 = mx.array(x, dtype=mx.float64)
    close(mx.fft.rfft(x64), np.fft.rfft(x))
    back = mx.fft.irfft(mx.fft.rfft(mx.array(x)), n=10)
    close(back, x, 1e-5)
    c = signal((5, 7), 3)
    close(mx.fft.ifftn(mx.fft.fftn(mx.array(c))), c, 1e-5)
    # A transposed (strided) input.
    t = mx.array(c).T
    close(mx.fft.fft(t, axis=0), np.fft.fft(c.T, axis=0))


def test_batched_long_transform():
    x = signal((3, 1 << 15), 4)
    close(mx.fft.fft(mx.array(x)), np.fft.fft(x))
    close(mx.fft.fft(mx.array(x), axis=0), np.fft.fft(x, axis=0))


def test_frequencies_and_shifts():
    close(mx.fft.fftfreq(7, d=0.3), np.fft.fftfreq(7, d=0.3), 1e-6)
    close(mx.fft.rfftfreq(8, d=2.0), np.fft.rfftfreq(8, d=2.0), 1e-6)
    a = np.arange(12).reshape(3, 4)
    assert np.array_equal(mx.fft.fftshift(mx.array(a)), np.fft.fftshift(a))
    assert np.array_equal(mx.fft.fftshift(mx.array(a), axes=1), np.fft.fftshift(a, axes=1))
    assert np.array_equal(mx.fft.ifftshift(mx.array(a), axes=[0]), np.fft.ifftshift(a, axes=[0]))


def test_grad_and_vmap():
    x = mx.array([1.0, 2.0, 3.0, 4.0])
    g = mx.grad(lambda v: mx.fft.rfft(v).real.sum())(x)
    assert np.allclose(g, [3.0, 0.0, 1.0, 0.0])
    w = mx.array([0.3, -1.0, 2.0, 0.5])
    g = mx.grad(lambda v: (mx.fft.fft(v).imag * w).sum())(x)
    F = np.fft.fft(np.eye(4), axis=0)
    assert np.allclose(g, (F.imag * np.array(w)[:, None]).sum(0), atol=1e-5)
    b = signal((5, 3), 5)
    close(mx.vmap(mx.fft.fft, in_axes=1)(mx.array(b)), np.fft.fft(b.T))


def test_errors():
    a = mx.ones((2, 3))
    with pytest.raises(ValueError, match=r"\[fft\] Invalid norm. Expected one of"):
        mx.fft.fft(a, norm="bad")
    with pytest.raises(ValueError, match=r"\[fftn\] `axes` should not be `None` if `s`"):
        mx.fft.fftn(a, s=[2, 2])
    with pytest.raises(ValueError, match=r"\[fftn\] Duplicated axis received \(0,1,0\)"):
        mx.fft.fftn(a, axes=[0, 1, 0])
    with pytest.raises(ValueError, match=r"\[fftn\] Invalid FFT output size requested \(0\)"):
        mx.fft.fft(a, n=0)
    with pytest.raises(ValueError, match=r"\[fftn\] Shape and axes have different sizes."):
        mx.fft.fftn(a, s=[4], axes=[0, 1])
    with pytest.raises(IndexError, match=r"\[fftn\] Invalid axis 2 for array with 2 dimensions."):
        mx.fft.fft(a, axis=2)
    with pytest.raises(ValueError, match=r"\[fftfreq\] `n` must be greater than 0."):
        mx.fft.fftfreq(0)
    with pytest.raises(IndexError, match=r"\[fftshift\] Invalid axis 3"):
        mx.fft.fftshift(a, axes=[3])
