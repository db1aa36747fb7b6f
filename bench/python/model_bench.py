#!/usr/bin/env python3
"""PyTorch eager reference for `arbor bench model`: Arbor's flow DiT written in PyTorch.

The model must match src/Arbor/Models (FlowDiT.cs, DiTBlock.cs, MultiHeadAttention.cs, TextEncoder.cs,
TimestepEmbedding.cs) module for module and operation for operation; its modules carry Arbor's names,
so Arbor's state dict loads into it strictly (--check does exactly that and compares the outputs).

Two measurements, the same as Arbor's side (src/Arbor.Cli/Bench/ModelBenchmark.cs):
  train   one pretraining step as src/Arbor/Pretraining/Pretrainer.cs does it: logit-normal t, noise,
          text encode, x_t, velocity, MSE to (noise - x0), backward, global grad-norm clip, AdamW step
          -> images/s = batch * steps / seconds
  sample  a guided Euler loop as TextToImagePipeline.Generate: noise, encode prompts and the empty
          prompt, CFG as one doubled batch per step, clamp -> image-steps/s = batch * steps / seconds

Run by the Arbor CLI as a subprocess with the same thread settings; prints one JSON object (last line).
Python lives only here, as the yardstick Arbor is measured against; it is never part of Arbor.
"""
import argparse, json, math, struct, sys, time
import torch
import torch.nn.functional as F


# ---------------------------------------------------------------- the model (Arbor's names) ----

def sdpa(q, k, v, mask):
    """Arbor's F.ScaledDotProductAttention: fused on torch >= 2, else the composite of native/src/ops_nn.cpp."""
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
    if mask is not None:
        scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    return torch.matmul(torch.softmax(scores, -1), v)


class MultiHeadAttention(torch.nn.Module):
    def __init__(self, dim, heads, context_dim):
        super().__init__()
        self.heads = heads
        self.q = torch.nn.Linear(dim, dim)
        self.kv = torch.nn.Linear(context_dim, 2 * dim)
        self.out = torch.nn.Linear(dim, dim)

    def forward(self, x, context, key_mask=None):
        b, n, d = x.shape
        h = self.heads
        m = context.size(1)
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        kv = self.kv(context).reshape(b, m, 2, h, d // h).permute(2, 0, 3, 1, 4)
        mask = key_mask.reshape(b, 1, 1, m) if key_mask is not None else None
        a = sdpa(q, kv[0], kv[1], mask)
        return self.out(a.transpose(1, 2).reshape(b, n, d))


class EncoderLayer(torch.nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, heads, dim)
        self.norm2 = torch.nn.LayerNorm(dim)
        self.fc1 = torch.nn.Linear(dim, 4 * dim)
        self.fc2 = torch.nn.Linear(4 * dim, dim)

    def forward(self, x, mask):
        h = self.norm1(x)
        x = x + self.attn(h, h, mask)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class TextEncoder(torch.nn.Module):
    def __init__(self, vocab, max_tokens, dim, depth, heads):
        super().__init__()
        self.max_tokens = max_tokens
        self.tokens = torch.nn.Embedding(vocab, dim)
        self.positions = torch.nn.Embedding(max_tokens, dim)
        self.layers = torch.nn.ModuleList([EncoderLayer(dim, heads) for _ in range(depth)])
        self.norm = torch.nn.LayerNorm(dim)
        with torch.no_grad():
            self.tokens.weight.mul_(0.02)
            self.positions.weight.mul_(0.02)

    def encode(self, ids, mask):
        """(tokens [B, L, D], mask [B, L], pooled [B, D]) as Arbor's TextEncoder.Encode."""
        L = ids.size(1)
        x = self.tokens(ids) + self.positions(torch.arange(L)).unsqueeze(0)
        for layer in self.layers:
            x = layer(x, mask)
        x = self.norm(x)
        m = mask.to(torch.float32).unsqueeze(2)
        pooled = (x * m).sum(1) / m.sum(1)
        return x, mask, pooled


class TimestepEmbedding(torch.nn.Module):
    def __init__(self, dim, frequencies=256):
        super().__init__()
        self.frequencies = frequencies
        self.fc1 = torch.nn.Linear(frequencies, dim)
        self.fc2 = torch.nn.Linear(dim, dim)

    @staticmethod
    def sinusoidal(t, dims):
        half = dims // 2
        k = torch.arange(0, half, 1, dtype=torch.float32)
        freqs = (k * (-math.log(10000.0) / half)).exp()
        args = (t.to(torch.float32) * 1000).unsqueeze(1) * freqs.unsqueeze(0)
        return torch.cat([args.cos(), args.sin()], 1)

    def forward(self, t):
        return self.fc2(F.silu(self.fc1(self.sinusoidal(t, self.frequencies))))


def modulate(x, shift, scale):
    return x * (scale + 1) + shift


class DiTBlock(torch.nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(dim, 1e-6, elementwise_affine=False)
        self.attn = MultiHeadAttention(dim, heads, dim)
        self.norm2 = torch.nn.LayerNorm(dim, 1e-6, elementwise_affine=False)
        self.cross = MultiHeadAttention(dim, heads, dim)
        self.norm3 = torch.nn.LayerNorm(dim, 1e-6, elementwise_affine=False)
        self.fc1 = torch.nn.Linear(dim, mlp_ratio * dim)
        self.fc2 = torch.nn.Linear(mlp_ratio * dim, dim)
        self.adaLN = torch.nn.Linear(dim, 9 * dim)
        with torch.no_grad():
            self.adaLN.weight.zero_()
            self.adaLN.bias.zero_()

    def forward(self, x, c, text, text_mask):
        m = self.adaLN(F.silu(c)).unsqueeze(1).chunk(9, 2)
        h = modulate(self.norm1(x), m[0], m[1])
        x = x + m[2] * self.attn(h, h)
        x = x + m[5] * self.cross(modulate(self.norm2(x), m[3], m[4]), text, text_mask)
        x = x + m[8] * self.fc2(F.gelu(self.fc1(modulate(self.norm3(x), m[6], m[7])), approximate="tanh"))
        return x


def sincos_positions(grid, dim):
    """[1, g*g, D] as FlowDiT.SinCosPositions: computed in double, stored as float32."""
    quarter = dim // 4
    table = []
    for r in range(grid):
        for col in range(grid):
            row = [0.0] * dim
            for k in range(quarter):
                omega = 1.0 / math.pow(10000, k / quarter)
                row[k] = math.sin(r * omega)
                row[quarter + k] = math.cos(r * omega)
                row[2 * quarter + k] = math.sin(col * omega)
                row[3 * quarter + k] = math.cos(col * omega)
            table.append(row)
    return torch.tensor(table, dtype=torch.float64).to(torch.float32).reshape(1, grid * grid, dim)


class FlowDiT(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        d, p, c = a.dim, a.patch, a.channels
        self.image_size, self.patch_size, self.channels = a.image_size, p, c
        self.text = TextEncoder(a.vocab, a.max_tokens, a.text_dim, a.text_depth, a.text_heads)
        self.patch_embed = torch.nn.Linear(c * p * p, d)
        self.text_proj = torch.nn.Linear(a.text_dim, d)
        self.pooled_proj = torch.nn.Linear(a.text_dim, d)
        self.time = TimestepEmbedding(d)
        self.blocks = torch.nn.ModuleList([DiTBlock(d, a.heads, a.mlp_ratio) for _ in range(a.depth)])
        self.final_norm = torch.nn.LayerNorm(d, 1e-6, elementwise_affine=False)
        self.final_adaLN = torch.nn.Linear(d, 2 * d)
        self.final = torch.nn.Linear(d, c * p * p)
        self.register_buffer("positions", sincos_positions(a.image_size // p, d))
        with torch.no_grad():
            for t in (self.final_adaLN.weight, self.final_adaLN.bias, self.final.weight, self.final.bias):
                t.zero_()

    def velocity(self, x, t, condition):
        tokens, mask, pooled = condition
        c = self.time(t) + self.pooled_proj(pooled)
        text = self.text_proj(tokens)
        h = self.patch_embed(self.patchify(x)) + self.positions
        for block in self.blocks:
            h = block(h, c, text, mask)
        m = self.final_adaLN(F.silu(c)).unsqueeze(1).chunk(2, 2)
        h = self.final(modulate(self.final_norm(h), m[0], m[1]))
        return self.unpatchify(h)

    def patchify(self, x):
        b, c, p, g = x.size(0), self.channels, self.patch_size, self.image_size // self.patch_size
        return x.reshape(b, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, c * p * p)

    def unpatchify(self, tokens):
        b, c, p, g = tokens.size(0), self.channels, self.patch_size, self.image_size // self.patch_size
        return tokens.reshape(b, g, g, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(b, c, g * p, g * p)


# ---------------------------------------------------------------- the workload ----

def token_ids(batch, max_tokens, vocab):
    """The benchmark's prompts (ModelBenchmark.TokenIds): BOS, then 0..14 word ids, then padding."""
    ids = torch.zeros(batch, max_tokens, dtype=torch.int64)
    mask = torch.zeros(batch, max_tokens, dtype=torch.bool)
    for b in range(batch):
        real = 1 + (5 * b + 3) % (max_tokens - 1)
        for i in range(real):
            ids[b, i] = 1 if i == 0 else 2 + (7 * b + 13 * i) % (vocab - 2)
            mask[b, i] = True
    return ids, mask


def empty_prompt(batch, max_tokens):
    ids = torch.zeros(batch, max_tokens, dtype=torch.int64)
    mask = torch.zeros(batch, max_tokens, dtype=torch.bool)
    ids[:, 0] = 1
    mask[:, 0] = True
    return ids, mask


def linear_times(steps, shift=1.0):
    times = []
    for i in range(steps + 1):
        t = 1.0 - i / steps
        times.append(shift * t / (1 + (shift - 1) * t))
    times[steps] = 0.0
    return times


def timed(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "BOOL": torch.uint8, "U8": torch.uint8}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        start, end = e["data_offsets"]
        dt = dtypes[e["dtype"]]
        buf = bytearray(data[base + start:base + end])
        t = torch.frombuffer(buf, dtype=dt) if buf else torch.empty(0, dtype=dt)
        t = t.reshape(e["shape"]).clone()
        out[name] = t.bool() if e["dtype"] == "BOOL" else t
    return out


def check(a, path):
    """Loads Arbor's (randomized) weights strictly into this model and compares positions and the velocity."""
    st = read_safetensors(path)
    state = {k: v for k, v in st.items() if not k.startswith(("input.", "output."))}
    model = FlowDiT(a)
    positions_diff = (model.positions - state["positions"]).abs().max().item()
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        cond = model.text.encode(st["input.ids"], st["input.mask"])
        v = model.velocity(st["input.x"], st["input.t"], cond)
    ref = st["output.v"]
    return {"positions_max_abs_diff": positions_diff,
            "velocity_max_abs_diff": (v - ref).abs().max().item(),
            "velocity_max_abs": ref.abs().max().item(),
            "pooled_max_abs_diff": (cond[2] - st["output.pooled"]).abs().max().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--image-size", type=int, default=32)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--mlp-ratio", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=40)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--text-dim", type=int, default=128)
    ap.add_argument("--text-depth", type=int, default=2)
    ap.add_argument("--text-heads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--train-steps", type=int, default=2, help="optimizer steps per timed repetition")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--sample-batch", type=int, default=32)
    ap.add_argument("--sample-steps", type=int, default=10)
    ap.add_argument("--guidance", type=float, default=4.5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--expect-params", type=int, default=None, help="Arbor's parameter count; a mismatch is an error")
    ap.add_argument("--check", default=None, help="safetensors file of Arbor weights, inputs and velocity to compare")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "fused_attention": hasattr(F, "scaled_dot_product_attention")}

    init = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)
    model = FlowDiT(a)
    res["params"] = sum(p.numel() for p in model.parameters())
    if a.expect_params is not None and res["params"] != a.expect_params:
        sys.exit(f"model_bench.py: PyTorch model has {res['params']} parameters, Arbor's has {a.expect_params}")
    if a.check:
        res["check"] = check(a, a.check)

    rng = torch.Generator().manual_seed(a.seed + 1)
    shape = (a.channels, a.image_size, a.image_size)

    # ---- pretraining: as Pretrainer.Run, minus data loading, caption dropout, LR schedule and EMA ----
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    res["adamw_foreach"] = bool(optimizer.param_groups[0].get("foreach") or False)
    x0 = torch.rand((a.batch,) + shape, generator=init) * 2 - 1
    ids, mask = token_ids(a.batch, a.max_tokens, a.vocab)
    params = [p for p in model.parameters() if p.requires_grad]

    def train_step():
        t = (torch.randn(a.batch, generator=rng) * 1.0 + 0.0).sigmoid()
        noise = torch.randn(x0.shape, generator=rng)
        condition = model.text.encode(ids, mask)
        tt = t.reshape(a.batch, 1, 1, 1)
        xt = (1 - tt) * x0 + tt * noise
        loss = F.mse_loss(model.velocity(xt, t, condition), noise - x0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, a.grad_clip)
        loss.item()
        optimizer.step()

    def train_rep():
        for _ in range(a.train_steps):
            train_step()

    res["train_images_per_s"] = [a.batch * a.train_steps / s for s in timed(train_rep, a.reps)]

    # ---- sampling: as TextToImagePipeline.Generate with GuidedVelocity + EulerSampler ----
    model.eval()
    sids, smask = token_ids(a.sample_batch, a.max_tokens, a.vocab)
    uids, umask = empty_prompt(a.sample_batch, a.max_tokens)
    times = linear_times(a.sample_steps)
    B = a.sample_batch

    def generate():
        with torch.no_grad():
            noise = torch.randn((B,) + shape, generator=rng)
            cond = model.text.encode(sids, smask)
            uncond = model.text.encode(uids, umask)
            doubled = tuple(torch.cat([c, u]) for c, u in zip(cond, uncond))
            x = noise
            for i in range(a.sample_steps):
                v = model.velocity(torch.cat([x, x]), torch.full((2 * B,), times[i]), doubled)
                vc, vu = v.narrow(0, 0, B), v.narrow(0, B, B)
                x = x + (vu + (vc - vu) * a.guidance) * (times[i + 1] - times[i])
            return x.clamp(-1, 1)

    res["sample_image_steps_per_s"] = [B * a.sample_steps / s for s in timed(generate, a.reps)]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
