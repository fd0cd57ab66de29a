"""The names mlx.core has beside its operations: NumPy-style aliases,
constants, and small helpers defined by other operations."""

import contextlib
import math

from lmx import _core

acos, acosh, asin, asinh = _core.arccos, _core.arccosh, _core.arcsin, _core.arcsinh
atan, atanh, atan2 = _core.arctan, _core.arctanh, _core.arctan2
bitwise_left_shift, bitwise_right_shift = _core.left_shift, _core.right_shift
pow = _core.power
permute_dims = _core.transpose

pi = math.pi
e = math.e
euler_gamma = 0.5772156649015329
inf = math.inf
nan = math.nan
newaxis = None


def astype(a, dtype, /, *, stream=None):
    return _core.array(a).astype(dtype, stream=stream)


def asarray(a, dtype=None):
    return a if isinstance(a, _core.array) and dtype in (None, a.dtype) else _core.array(a, dtype)


def from_dlpack(x):
    return _core.array(x)


def full_like(a, vals, dtype=None, *, stream=None):
    a = _core.array(a) if not isinstance(a, _core.array) else a
    return _core.full(a.shape, vals, dtype or a.dtype, stream=stream)


def empty(shape, dtype=_core.float32, *, stream=None):
    # lmx has no uninitialised arrays: empty gives zeros, as MLX's does.
    return _core.zeros(shape, dtype, stream=stream)


def empty_like(a, *, stream=None):
    return _core.zeros_like(a, stream=stream)


def broadcast_shapes(*shapes):
    return _core.broadcast_arrays(*[_core.zeros(s, _core.bool_) for s in shapes])[0].shape


def result_type(*arrays_and_dtypes):
    dtypes = []
    for x in arrays_and_dtypes:
        if isinstance(x, _core.Dtype):
            dtypes.append(x)
        elif isinstance(x, _core.array):
            dtypes.append(x.dtype)
        else:
            raise ValueError("[result_type] Inputs must be arrays or dtypes.")
    out = dtypes[0]
    for t in dtypes[1:]:
        out = _core.promote_types(out, t)
    return out


def can_cast(from_, to):
    return _core.promote_types(from_, to) == to


_kinds = {
    "bool": [_core.bool_],
    "signed integer": [_core.int8, _core.int16, _core.int32, _core.int64],
    "unsigned integer": [_core.uint8, _core.uint16, _core.uint32, _core.uint64],
    "real floating": [_core.float16, _core.bfloat16, _core.float32, _core.float64],
    "complex floating": [_core.complex64],
}
_kinds["integral"] = _kinds["signed integer"] + _kinds["unsigned integer"]
_kinds["numeric"] = _kinds["integral"] + _kinds["real floating"] + _kinds["complex floating"]


def isdtype(dtype, kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    for k in kinds:
        if isinstance(k, _core.Dtype):
            if dtype == k:
                return True
        elif dtype in _kinds[k]:
            return True
    return False


class PrintOptions:
    def __init__(self, precision=-1):
        self.precision = precision


_print_options = PrintOptions()


def set_printoptions(precision=-1):
    _print_options.precision = precision
    _core._set_print_precision(precision)


def get_printoptions():
    return PrintOptions(_print_options.precision)


@contextlib.contextmanager
def printoptions(precision=-1):
    saved = _print_options.precision
    set_printoptions(precision)
    try:
        yield
    finally:
        set_printoptions(saved)

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("contextlib", "math")]
