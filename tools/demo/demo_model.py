"""The demo model in PyTorch: llama exactly as QuantScope's engine (and llama.cpp, arch "llama") runs it,
so the trained weights are written to GGUF as they are, with no permutation.

- RMSNorm: x / sqrt(mean(x^2) + eps) * weight, eps 1e-5.
- Attention: multi-head (n_head == n_head_kv), no biases, causal softmax with scale 1/sqrt(head_dim).
- RoPE on ADJACENT pairs (x[2i], x[2i+1]) rotated by pos * base^(-2i/head_dim): ggml's "normal" mode,
  which llama.cpp uses for arch llama. (HF checkpoints use the NeoX half-split and are permuted by
  llama.cpp's converter; training in the normal layout avoids that.)
- FFN: down(silu(gate(x)) * up(x)).
- Separate output matrix (not tied), final RMSNorm.
Every Linear's weight is [out, in] row-major, which is GGUF's ne = [in, out]: rows of `in` values.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(n_vocab=4096, n_embd=256, n_layer=4, n_head=4, n_ff=768, n_ctx=512, rope_base=10000.0, eps=1e-5)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(n_ctx, head_dim, base):
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(n_ctx, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()  # [n_ctx, head_dim/2]


def rope(x, cos, sin):
    # x: [B, H, T, hd]; pairs are adjacent elements
    x2 = x.view(*x.shape[:-1], -1, 2)
    a, b = x2[..., 0], x2[..., 1]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, ff = c["n_embd"], c["n_ff"]
        self.n_head = c["n_head"]
        self.attn_norm = RMSNorm(d, c["eps"])
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d, c["eps"])
        self.w_gate = nn.Linear(d, ff, bias=False)
        self.w_up = nn.Linear(d, ff, bias=False)
        self.w_down = nn.Linear(ff, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, D = x.shape
        hd = D // self.n_head
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.n_head, hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.n_head, hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.n_head, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))


class DemoLlama(nn.Module):
    def __init__(self, c=CONFIG):
        super().__init__()
        self.c = dict(c)
        self.tok_emb = nn.Embedding(c["n_vocab"], c["n_embd"])
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["n_layer"]))
        self.norm = RMSNorm(c["n_embd"], c["eps"])
        self.output = nn.Linear(c["n_embd"], c["n_vocab"], bias=False)
        cos, sin = rope_tables(c["n_ctx"], c["n_embd"] // c["n_head"], c["rope_base"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if name.endswith("wo.weight") or name.endswith("w_down.weight"):
                    std = 0.02 / math.sqrt(2 * c["n_layer"])
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        B, T = idx.shape
        x = self.tok_emb(idx)
        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).triu(1)
        cos, sin = self.cos[:T], self.sin[:T]
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.output(self.norm(x))

    def n_params(self):
        return sum(p.numel() for p in self.parameters())
