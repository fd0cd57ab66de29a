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


def pool_cases():
    out = {}
    # (nd, kind, kernel, stride, padding)
    cases = [(1, "max", 3, 2, 1), (1, "avg", 2, 1, 0), (2, "max", 2, 2, 0), (2, "avg", 3, 2, 1),
             (2, "max", 3, 1, 1), (3, "max", 2, 1, 1), (3, "avg", 2, 2, 0)]
    for i, (nd, kind, k, st, pd) in enumerate(cases):
        x = rand(2, *([7] * nd), 3)
        tx = to_torch_layout(x)
        if kind == "max":
            fn = [F.max_pool1d, F.max_pool2d, F.max_pool3d][nd - 1]
            y = fn(tx, k, st, pd)
        else:
            fn = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][nd - 1]
            y = fn(tx, k, st, pd, count_include_pad=True)
        key = f"case{i}"
        out[key + ".x"] = x
        out[key + ".params"] = np.array([nd, kind == "max", k, st, pd], dtype=np.int32)
        out[key + ".y"] = from_torch_layout(y)
    return out


def upsample_cases():
    out = {}
    # (nd, mode, scale, align_corners)
    cases = [(1, "nearest", 2.0, 0), (2, "nearest", 1.5, 0), (2, "linear", 2.0, 0),
             (2, "linear", 2.0, 1), (1, "linear", 3.0, 0), (3, "linear", 2.0, 0),
             (2, "cubic", 2.0, 0), (2, "cubic", 2.0, 1), (3, "nearest", 2.0, 0)]
    for i, (nd, mode, sc, ac) in enumerate(cases):
        x = rand(2, *([4] * nd), 3)
        tx = to_torch_layout(x)
        tmode = mode
        if mode == "linear":
            tmode = ["linear", "bilinear", "trilinear"][nd - 1]
        if mode == "cubic":
            tmode = "bicubic"
        kw = {} if mode == "nearest" else {"align_corners": bool(ac)}
        y = F.interpolate(tx, scale_factor=sc, mode=tmode, **kw)
        key = f"case{i}"
        out[key + ".x"] = x
        out[key + ".params"] = np.array([nd, ["nearest", "linear", "cubic"].index(mode), ac],
                                        dtype=np.int32)
        out[key + ".scale"] = np.array([sc], dtype=np.float32)
        out[key + ".y"] = from_torch_layout(y)
    return out


def np_weights(prefix, pairs):
    return {prefix + k: v.detach().numpy().astype(np.float32).copy() for k, v in pairs}


def mha_weights(prefix, attn, dims):
    w = attn.in_proj_weight
    return np_weights(prefix, [("query_proj.weight", w[:dims]), ("key_proj.weight", w[dims:2 * dims]),
                               ("value_proj.weight", w[2 * dims:]),
                               ("out_proj.weight", attn.out_proj.weight)])


def zero_attention_biases(attn):
    with torch.no_grad():
        if attn.in_proj_bias is not None:
            attn.in_proj_bias.zero_()
        if attn.out_proj.bias is not None:
            attn.out_proj.bias.zero_()


def encoder_layer_weights(prefix, layer, dims):
    out = mha_weights(prefix + "attention.", layer.self_attn, dims)
    out.update(np_weights(prefix, [
        ("ln1.weight", layer.norm1.weight), ("ln1.bias", layer.norm1.bias),
        ("ln2.weight", layer.norm2.weight), ("ln2.bias", layer.norm2.bias),
        ("linear1.weight", layer.linear1.weight), ("linear1.bias", layer.linear1.bias),
        ("linear2.weight", layer.linear2.weight), ("linear2.bias", layer.linear2.bias)]))
    return out


def randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rand(*p.shape) * 0.5))


def attention_cases():
    out = {}
    torch.manual_seed(0)
    dims, heads = 16, 4
    # Multi-head attention with an additive causal mask.
    attn = torch.nn.MultiheadAttention(dims, heads, bias=False, batch_first=True)
    randomize(attn)
    q, kv = rand(2, 5, dims), rand(2, 7, dims)
    mask = np.triu(np.full((5, 7), -1e9, dtype=np.float32), 3)
    y, _ = attn(torch.from_numpy(q), torch.from_numpy(kv), torch.from_numpy(kv),
                attn_mask=torch.from_numpy(mask), need_weights=False)
    out.update(mha_weights("mha.", attn, dims))
    out.update({"mha_in.q": q, "mha_in.kv": kv, "mha_in.mask": mask,
                "mha_out.y": y.detach().numpy()})
    # Encoder layers, pre- and post-norm, and a two-layer encoder with a final norm.
    for norm_first in (True, False):
        layer = torch.nn.TransformerEncoderLayer(dims, heads, 32, dropout=0.0, batch_first=True,
                                                 norm_first=norm_first)
        randomize(layer)
        zero_attention_biases(layer.self_attn)
        x = rand(2, 6, dims)
        tag = f"enc{int(norm_first)}"
        out.update(encoder_layer_weights(tag + ".", layer, dims))
        out[tag + "_in.x"] = x
        out[tag + "_out.y"] = layer(torch.from_numpy(x)).detach().numpy()
    layer = torch.nn.TransformerEncoderLayer(dims, heads, 32, dropout=0.0, batch_first=True,
                                             norm_first=True)
    encoder = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(dims),
                                          enable_nested_tensor=False)
    randomize(encoder)
    for l in encoder.layers:
        zero_attention_biases(l.self_attn)
    x = rand(2, 6, dims)
    for i, l in enumerate(encoder.layers):
        out.update(encoder_layer_weights(f"encoder.layers.{i}.", l, dims))
    out.update(np_weights("encoder.", [("ln.weight", encoder.norm.weight),
                                       ("ln.bias", encoder.norm.bias)]))
    causal = np.triu(np.full((6, 6), -1e9, dtype=np.float32), 1)
    out["encoder_in.x"] = x
    out["encoder_in.mask"] = causal
    out["encoder_out.y"] = encoder(torch.from_numpy(x),
                                   mask=torch.from_numpy(causal)).detach().numpy()
    # Decoder layer (pre-norm) with a causal self-attention mask.
    for norm_first in (True, False):
        dec = torch.nn.TransformerDecoderLayer(dims, heads, 32, dropout=0.0, batch_first=True,
                                               norm_first=norm_first)
        randomize(dec)
        zero_attention_biases(dec.self_attn)
        zero_attention_biases(dec.multihead_attn)
        tag = f"dec{int(norm_first)}"
        out.update(mha_weights(tag + ".self_attention.", dec.self_attn, dims))
        out.update(mha_weights(tag + ".cross_attention.", dec.multihead_attn, dims))
        out.update(np_weights(tag + ".", [
            ("ln1.weight", dec.norm1.weight), ("ln1.bias", dec.norm1.bias),
            ("ln2.weight", dec.norm2.weight), ("ln2.bias", dec.norm2.bias),
            ("ln3.weight", dec.norm3.weight), ("ln3.bias", dec.norm3.bias),
            ("linear1.weight", dec.linear1.weight), ("linear1.bias", dec.linear1.bias),
            ("linear2.weight", dec.linear2.weight), ("linear2.bias", dec.linear2.bias)]))
        x, mem = rand(2, 6, dims), rand(2, 4, dims)
        out[tag + "_in.x"] = x
        out[tag + "_in.memory"] = mem
        out[tag + "_in.mask"] = causal
        out[tag + "_out.y"] = dec(torch.from_numpy(x), torch.from_numpy(mem),
                                  tgt_mask=torch.from_numpy(causal)).detach().numpy()
    return out


def recurrent_cases():
    out = {}
    torch.manual_seed(1)
    D, H = 5, 6
    x = rand(3, 4, D)
    h0, c0 = rand(3, H), rand(3, H)
    out["in.x"], out["in.h0"], out["in.c0"] = x, h0, c0
    rnn = torch.nn.RNN(D, H, batch_first=True)
    y, _ = rnn(torch.from_numpy(x), torch.from_numpy(h0)[None])
    out.update(np_weights("rnn.", [("Wxh", rnn.weight_ih_l0), ("Whh", rnn.weight_hh_l0),
                                   ("bias", rnn.bias_ih_l0 + rnn.bias_hh_l0)]))
    out["rnn_out.y"] = y.detach().numpy()
    gru = torch.nn.GRU(D, H, batch_first=True)
    y, _ = gru(torch.from_numpy(x), torch.from_numpy(h0)[None])
    bih, bhh = gru.bias_ih_l0, gru.bias_hh_l0
    b = torch.cat([bih[:2 * H] + bhh[:2 * H], bih[2 * H:]])
    out.update(np_weights("gru.", [("Wx", gru.weight_ih_l0), ("Wh", gru.weight_hh_l0), ("b", b),
                                   ("bhn", bhh[2 * H:])]))
    out["gru_out.y"] = y.detach().numpy()
    y0, _ = gru(torch.from_numpy(x))
    out["gru_out.y_no_h0"] = y0.detach().numpy()
    lstm = torch.nn.LSTM(D, H, batch_first=True)
    y, (hn, cn) = lstm(torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]))
    out.update(np_weights("lstm.", [("Wx", lstm.weight_ih_l0), ("Wh", lstm.weight_hh_l0),
                                    ("bias", lstm.bias_ih_l0 + lstm.bias_hh_l0)]))
    out["lstm_out.y"] = y.detach().numpy()
    out["lstm_out.c_last"] = cn[0].detach().numpy()
    return out


def main():
    np.savez(os.path.join(HERE, "conv.npz"), **conv_cases())
    np.savez(os.path.join(HERE, "pool.npz"), **pool_cases())
    np.savez(os.path.join(HERE, "upsample.npz"), **upsample_cases())
    np.savez(os.path.join(HERE, "attention.npz"), **attention_cases())
    np.savez(os.path.join(HERE, "recurrent.npz"), **recurrent_cases())


if __name__ == "__main__":
    main()
