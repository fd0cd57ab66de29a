#!/usr/bin/env python3
"""Writes the PyTorch reference outputs the nn tests compare against.

Run with Debian's python3-torch (`/usr/bin/python3 tests/reference/make_torch_refs.py`);
the .npz files it writes are checked in so CI needs no PyTorch. Inputs are
channels-last (lmx/MLX layout); they are permuted for PyTorch and back.
Each case stores its inputs, its parameters and PyTorch's output under
"<case>.<name>" keys.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def to_torch_layout(x):  # (N, S..., C) -> (N, C, S...)
    nd = x.ndim
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, nd - 1, *range(1, nd - 1))))


def from_torch_layout(t):  # (N, C, S...) -> (N, S..., C)
    x = t.detach().numpy()
    nd = x.ndim
    return np.ascontiguousarray(x.transpose(0, *range(2, nd), 1))


def weight_to_torch(w, transposed, groups):
    # lmx conv weight: (C_out, K..., C_in/groups) -> torch (C_out, C_in/groups, K...)
    nd = w.ndim
    t = torch.from_numpy(np.ascontiguousarray(w.transpose(0, nd - 1, *range(1, nd - 1))))
    if transposed:
        # lmx transposed weight (C_out, K..., C_in/groups) -> torch (C_in, C_out/groups, K...)
        c_out, c_in_g = t.shape[0], t.shape[1]
        t = t.reshape(groups, c_out // groups, c_in_g, *t.shape[2:]).transpose(1, 2)
        t = t.reshape(groups * c_in_g, c_out // groups, *t.shape[3:])
    return t


def conv_cases():
    out = {}
    # (nd, N, spatial, C_in, C_out, kernel, stride, padding, dilation, groups, transposed, out_pad)
    cases = [
        (1, 2, 9, 3, 4, 3, 1, 0, 1, 1, 0, 0),
        (1, 2, 10, 4, 6, 3, 2, 1, 2, 2, 0, 0),
        (2, 2, 7, 3, 5, 3, 1, 1, 1, 1, 0, 0),
        (2, 1, 8, 4, 4, 3, 2, 2, 1, 4, 0, 0),
        (2, 2, 9, 2, 3, 2, 3, 0, 2, 1, 0, 0),
        (3, 1, 5, 2, 3, 2, 1, 1, 1, 1, 0, 0),
        (3, 1, 6, 2, 4, 3, 2, 0, 1, 2, 0, 0),
        (1, 2, 5, 3, 4, 3, 2, 1, 1, 1, 1, 1),
        (2, 1, 4, 2, 3, 3, 2, 1, 1, 1, 1, 1),
        (2, 2, 5, 4, 2, 2, 1, 0, 2, 2, 1, 0),
        (3, 1, 3, 2, 2, 2, 2, 0, 1, 1, 1, 0),
    ]
    for i, (nd, n, sp, cin, cout, k, st, pd, dil, g, tr, op) in enumerate(cases):
        x = rand(n, *([sp] * nd), cin)
        if tr:
            w = rand(cout, *([k] * nd), cin // g)
        else:
            w = rand(cout, *([k] * nd), cin // g)
        tx = to_torch_layout(x)
        tw = weight_to_torch(w, tr, g)
        if tr:
            fn = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][nd - 1]
            y = fn(tx, tw, stride=st, padding=pd, output_padding=op, groups=g, dilation=dil)
        else:
            fn = [F.conv1d, F.conv2d, F.conv3d][nd - 1]
            y = fn(tx, tw, stride=st, padding=pd, dilation=dil, groups=g)
        key = f"case{i}"
        out[key + ".x"] = x
        out[key + ".w"] = w
        out[key + ".params"] = np.array([nd, st, pd, dil, g, tr, op], dtype=np.int32)
        out[key + ".y"] = from_torch_layout(y)
    return out


def main():
    np.savez(os.path.join(HERE, "conv.npz"), **conv_cases())


if __name__ == "__main__":
    main()
