"""KV cache: incremental decoding gives the same logits as recomputing, at O(n) per token instead of O(n²).

Symbolic: count the multiply-adds of one decoder layer from its matrix shapes (Q, K, V, O projections
d × d, a 4d FFN, scores q·Kᵀ and the weighted sum over n keys): a cached step at context n costs
L·(24d² + 4nd) + 2dV FLOPs, recomputing the whole prefix n·(24Ld² + 2dV) + 4Ln²d; the attention part
doubles with n in the first and quadruples in the second.
Numeric (float64): a 2-layer causal decoder built from nn.Embedding, nn.Linear and nn.LayerNorm,
decoded token by token with cached keys and values against a full forward over the whole sequence;
torch.utils.flop_counter.FlopCounterMode counts the FLOPs of both at two lengths and is compared with
the lambdified formulas.
Counterfactual (p.myth): the same model without the causal mask (an encoder): there the past keys
and values depend on later tokens, and a cache really does change the outputs.
"""

# How closely tests/test_evidence_binding.py asks a fresh quick run to repeat these rows of the
# snapshot (others: 1e-6): a float32 rounding gap: its size depends on the CPU's matmul kernels (1.2e-7 vs 1.8e-7 between AVX2 and plain).
SNAPSHOT_RTOL = {"kv_cache_fp32_gap": 0.5}

TITLE = {
    "en": "KV cache: same logits as recomputing, linear instead of quadratic cost per token",
    "zh": "KV 缓存：与重新计算的 logits 相同，每个 token 的代价从平方变为线性",
}
CLAIMS = [
    {
        "en": "In a causal decoder, decoding with cached K and V gives the same logits as recomputing the whole prefix.",
        "zh": "在因果解码器中，用缓存的 K、V 逐步解码得到的 logits 与重新计算整个前缀相同。",
    },
    {
        "en": "With the cache, the step at context n costs L·(24d² + 4nd) + 2dV FLOPs (linear in n); recomputing "
              "costs n·(24Ld² + 2dV) + 4Ln²d (quadratic in n).",
        "zh": "有缓存时，上下文长度为 n 的一步需要 L·(24d² + 4nd) + 2dV FLOPs（对 n 线性）；重新计算需要 "
              "n·(24Ld² + 2dV) + 4Ln²d（对 n 平方）。",
    },
    {
        "en": "The cache is exact only because of the causal mask: without it, earlier positions' keys and values "
              "depend on later tokens.",
        "zh": "缓存之所以精确，全靠因果掩码：没有掩码时，前面位置的 K、V 依赖后面的 token。",
    },
]

D, HEADS, LAYERS, VOCAB = 16, 2, 2, 11


def flop_formulas():
    """(cached step at context n, full recompute of n tokens) in FLOPs, from matrix shapes (2·m·k·n per matmul)."""
    import sympy as sp

    n, d, L, V = sp.symbols("n d L V", positive=True, integer=True)
    mm = lambda m, k, q: 2 * m * k * q  # noqa: E731  (m × k) @ (k × q)
    per_token_layer = 4 * mm(1, d, d) + mm(1, d, 4 * d) + mm(1, 4 * d, d)  # Q, K, V, O and the FFN
    step = L * (per_token_layer + mm(1, d, n) + mm(1, n, d)) + mm(1, d, V)  # one query against n keys
    full = n * (L * per_token_layer + mm(1, d, V)) + L * (mm(n, d, n) + mm(n, n, d))  # all n queries
    return (n, d, L, V), sp.expand(step), sp.expand(full)


def derive(p):
    import sympy as sp

    (n, d, L, V), step, full = flop_formulas()
    p.step("cached step at context n (Q, K, V, O, FFN on one token; q·Kᵀ and weights·V over n keys)", step)
    p.step("full recompute over n tokens (the masked score matrix is still an n × n matmul)", full)
    p.identity("cached step = L·(24d² + 4nd) + 2dV", step, L * (24 * d**2 + 4 * n * d) + 2 * d * V,
               id="kv_step_formula")
    p.identity("recompute = n·(24Ld² + 2dV) + 4Ln²d", full, n * (24 * L * d**2 + 2 * d * V) + 4 * L * n**2 * d,
               id="kv_full_formula")
    attn_step = step - step.subs(n, 0)
    attn_full = full.coeff(n, 2) * n**2
    p.identity("attention FLOPs of a cached step at 2n / at n = 2 (linear)",
               sp.simplify(attn_step.subs(n, 2 * n) / attn_step), 2, id="kv_step_linear")
    p.identity("attention FLOPs of a recompute at 2n / at n = 4 (quadratic)",
               sp.simplify(attn_full.subs(n, 2 * n) / attn_full), 4, id="kv_full_quadratic")
    total = sp.summation(step.subs(n, sp.Symbol("t")), (sp.Symbol("t"), 1, n))
    p.step("generating n tokens with the cache: Σ_t step(t) — O(n²) in total, against O(n³) without", sp.expand(total))


def experiment(p):
    import sympy as sp
    import torch
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    f64 = torch.float64
    (n_s, d_s, L_s, V_s), step_f, full_f = flop_formulas()
    step_flops = sp.lambdify(n_s, step_f.subs({d_s: D, L_s: LAYERS, V_s: VOCAB}))
    full_flops = sp.lambdify(n_s, full_f.subs({d_s: D, L_s: LAYERS, V_s: VOCAB}))
    causal = not p.myth  # the myth's model: no causal mask

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(D, D, bias=False, dtype=f64) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(D, dtype=f64), nn.LayerNorm(D, dtype=f64)
            self.ffn = nn.Sequential(nn.Linear(D, 4 * D, bias=False, dtype=f64), nn.GELU(),
                                     nn.Linear(4 * D, D, bias=False, dtype=f64))

        def forward(self, x, cache=None):
            """x: (T, D) new positions; cache: (K, V) of earlier positions, extended in place."""
            h = self.ln1(x)
            split = lambda t: t.view(t.shape[0], HEADS, D // HEADS).transpose(0, 1)  # noqa: E731
            q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
            if cache is not None:
                if cache:
                    k, v = torch.cat([cache[0], k], 1), torch.cat([cache[1], v], 1)
                cache[:] = [k, v]
            scores = torch.matmul(q, k.transpose(1, 2)) / (D // HEADS) ** 0.5
            if causal and cache is None:
                T = x.shape[0]
                scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1),
                                            float("-inf"))
            att = torch.matmul(scores.softmax(-1), v).transpose(0, 1).reshape(x.shape[0], D)
            x = x + self.o(att)
            return x + self.ffn(self.ln2(x))

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.pos = nn.Embedding(VOCAB, D, dtype=f64), nn.Embedding(64, D, dtype=f64)
            self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
            self.head = nn.Linear(D, VOCAB, bias=False, dtype=f64)

        def forward(self, tokens, start=0, caches=None):
            x = self.emb(tokens) + self.pos(torch.arange(start, start + len(tokens), device=tokens.device))
            for i, layer in enumerate(self.layers):
                x = layer(x, None if caches is None else caches[i])
            return self.head(x)

    def decode_cached(model, tokens):
        caches = [[] for _ in range(LAYERS)]
        return torch.cat([model(tokens[t:t + 1], t, caches) for t in range(len(tokens))])

    cpu = torch.Generator().manual_seed(p.seed)  # tokens drawn on the CPU generator, then moved
    gaps = []
    for seed in range(3):
        torch.manual_seed(p.seed + seed)
        model = Decoder().to(p.device)
        for T in (5, 12):
            tokens = torch.randint(0, VOCAB, (T,), generator=cpu).to(p.device)
            with torch.no_grad():
                gaps.append((f"seed {seed}, T = {T}", (decode_cached(model, tokens) - model(tokens)).abs().max()))
    p.sweep("max |cached logits − recomputed logits| over seeds × lengths (float64, causal decoder)", gaps, "<",
            1e-12, id="kv_cache_same_logits", refutes="a KV cache changes the model's outputs")

    # In float32 the cached and the full forward run different matmul shapes: equal up to rounding only.
    torch.manual_seed(p.seed)
    model32 = Decoder().to(p.device).float()
    tokens = torch.randint(0, VOCAB, (12,), generator=cpu).to(p.device)
    with torch.no_grad():
        full32 = model32(tokens)
        gap32 = (decode_cached(model32, tokens) - full32).abs().max() / full32.abs().max()
    p.less("float32: max |cached − recomputed| / max |logit| (rounding, different kernel shapes)", gap32, 1e-5,
           id="kv_cache_fp32_gap")

    # FLOPs, counted by FlopCounterMode, at two context lengths.
    torch.manual_seed(p.seed)
    model = Decoder().to(p.device)
    counted = {}
    for n in (16, 32):
        tokens = torch.randint(0, VOCAB, (n,), generator=cpu).to(p.device)
        caches = [[] for _ in range(LAYERS)]
        with torch.no_grad():
            for t in range(n - 1):
                model(tokens[t:t + 1], t, caches)
            with FlopCounterMode(display=False) as fc:
                model(tokens[n - 1:n], n - 1, caches)
            counted[("step", n)] = fc.get_total_flops()
            with FlopCounterMode(display=False) as fc:
                model(tokens)
            counted[("full", n)] = fc.get_total_flops()
    p.equal("FlopCounterMode: cached step at context n = 16", counted[("step", 16)], int(step_flops(16)),
            id="kv_step_flops_16")
    p.equal("FlopCounterMode: full recompute of n = 16 tokens", counted[("full", 16)], int(full_flops(16)),
            id="kv_full_flops_16")
    p.equal("FlopCounterMode: cached step at context n = 32", counted[("step", 32)], int(step_flops(32)),
            id="kv_step_flops_32")
    p.equal("FlopCounterMode: full recompute of n = 32 tokens", counted[("full", 32)], int(full_flops(32)),
            id="kv_full_flops_32")
    p.close("recompute / cached step FLOPs at n = 32", counted[("full", 32)] / counted[("step", 32)],
            full_flops(32) / step_flops(32), rtol=1e-12, id="kv_saving_32")
    att = lambda kind, n: counted[(kind, n)] - (  # noqa: E731  subtract the n-independent part
        step_flops(0) if kind == "step" else n * (full_flops(1) - 4 * LAYERS * D))
    p.close("attention FLOPs of the cached step, n = 32 over n = 16", att("step", 32) / att("step", 16), 2,
            rtol=1e-12, id="kv_step_attention_ratio")
    p.close("attention FLOPs of the recompute, n = 32 over n = 16", att("full", 32) / att("full", 16), 4,
            rtol=1e-12, id="kv_full_attention_ratio")
