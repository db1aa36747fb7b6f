#!/usr/bin/env python3
"""PyTorch eager reference for `arbor bench binding` (the same three measurements, the same model).

Run by the Arbor CLI as a subprocess with the same thread settings; prints one JSON object.
Python lives only here, as the yardstick Arbor is measured against; it is never part of Arbor.
"""
import argparse, json, math, os, statistics, time
import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    """Pre-LN transformer block; must match src/Arbor.Cli/Bench/BenchTransformer.cs exactly."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(dim)
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.norm2 = torch.nn.LayerNorm(dim)
        self.fc1 = torch.nn.Linear(dim, 4 * dim)
        self.fc2 = torch.nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        h = self.heads
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if hasattr(F, "scaled_dot_product_attention"):
            a = F.scaled_dot_product_attention(q, k, v)
        else:  # torch 1.13: the same composite Arbor uses there
            a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // h), dim=-1) @ v
        x = x + self.proj(a.transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def timed(fn, reps, inner=1):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--tiny-ops", type=int, default=20000)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--gemm", type=int, default=1024)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    x8, y8 = torch.randn(8, 8), torch.randn(8, 8)
    def tiny():
        for _ in range(a.tiny_ops):
            c = x8 + y8
    tiny()
    res["tiny_add_us"] = [t / a.tiny_ops * 1e6 for t in timed(tiny, a.reps)]

    model = torch.nn.Sequential(*[Block(a.dim, a.heads) for _ in range(a.depth)])
    res["params"] = sum(p.numel() for p in model.parameters())
    xb = torch.randn(a.batch, a.tokens, a.dim)
    def step():
        model.zero_grad(set_to_none=True)
        model(xb).square().mean().backward()
    step()
    res["transformer_s"] = timed(step, a.reps)

    n = a.gemm
    ga, gb = torch.randn(n, n), torch.randn(n, n)
    def gemm():
        torch.mm(ga, gb)
    gemm()
    res["sgemm_gflops"] = [2 * n**3 / t / 1e9 for t in timed(gemm, a.reps, inner=3)]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
