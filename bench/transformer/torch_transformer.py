"""The character transformer of examples/char_transformer in PyTorch (Python),
for bench/transformer/run.sh: the same sizes, layers, optimizer, data and
output lines as torch_transformer.cpp (which says what they are)."""
import argparse
import math
import time

import torch

nn, F = torch.nn, torch.nn.functional


def rope(x):
    L, d = x.shape[2], x.shape[3]
    half = d // 2
    inv = torch.exp(torch.arange(0, half, dtype=torch.float32) * (-math.log(10000.0) / half))
    theta = torch.arange(0, L, dtype=torch.float32)[:, None] * inv[None, :]
    c, s = torch.cos(theta), torch.sin(theta)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)


class RMSNorm(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dims))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.weight


class Block(nn.Module):
    def __init__(self, dims, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = RMSNorm(dims), RMSNorm(dims)
        self.q, self.k, self.v, self.o = (nn.Linear(dims, dims, bias=False) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(dims, 4 * dims), nn.Linear(4 * dims, dims)

    def attention(self, x):
        B, L, _ = x.shape
        split = lambda t: t.view(B, L, self.heads, -1).transpose(1, 2)
        q, k, v = rope(split(self.q(x))), rope(split(self.k(x))), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        mask = torch.ones(L, L, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
        return self.o((torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(B, L, -1))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class CharLM(nn.Module):
    def __init__(self, vocab, dims, heads, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dims)
        self.blocks = nn.ModuleList(Block(dims, heads) for _ in range(layers))
        self.norm, self.head = nn.LayerNorm(dims), nn.Linear(dims, vocab)

    def forward(self, tokens):
        x = self.embedding(tokens)
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x))


p = argparse.ArgumentParser()
p.add_argument("--text", default="examples/data/corpus.txt")
p.add_argument("--steps", type=int, default=600)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
text = open(a.text, "rb").read()
chars = sorted(set(text))
index = {c: i for i, c in enumerate(chars)}
data = torch.tensor([index[c] for c in text], dtype=torch.int64)
print(f"{len(text)} characters, vocabulary of {len(chars)}")
batch, context = 32, 64
model = CharLM(len(chars), 96, 4, 2)
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
offsets = torch.arange(context)[None, :]
start, running = time.perf_counter(), 0.0
for step in range(1, a.steps + 1):
    pos = torch.randint(0, len(text) - context - 1, (batch, 1)) + offsets
    x, y = data[pos], data[pos + 1]
    opt.zero_grad()
    loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
    loss.backward()
    opt.step()
    running += loss.item()
    if step % 50 == 0:
        print(f"step {step:4d}  loss {running / 50:.3f}  ({time.perf_counter() - start:.1f} s)",
              flush=True)
        running = 0.0
