"""KV-cache size for multi-head, grouped-query and multi-query attention, and how SDPA groups the heads.

Symbolic: per layer, per token and per sequence the cache holds one key and one value vector for each
KV head: bytes = 2·L·b·n·h_kv·d_head·s (s bytes per element); h_kv = h (MHA), g (GQA), 1 (MQA), so GQA
divides the MHA cache by h/g. Evaluated for a Llama-2-70B-shaped model (L = 80, h = 64, d_head = 128,
g = 8) in 16-bit.
Numeric: the cache a small decoder layer actually builds (nn.Linear K and V projections with h_kv heads,
in bfloat16 and float32), its nbytes against the lambdified formula; F.scaled_dot_product_attention with
enable_gqa=True against a hand softmax over KV heads repeated with repeat_interleave (query head i reads
KV head ⌊i·g/h⌋), and not with repeat (i mod g).
Counterfactual (p.myth): the reference pairs the heads round-robin (i mod g).
"""

TITLE = {
    "en": "KV-cache size: MHA, GQA and MQA",
    "zh": "KV 缓存大小：MHA、GQA 与 MQA",
}
CLAIMS = [
    {
        "en": "KV-cache bytes = 2·L·b·n·h_kv·d_head·(bytes per element); GQA with g KV heads is h/g times smaller "
              "than MHA, MQA (g = 1) h times.",
        "zh": "KV 缓存字节数 = 2·L·b·n·h_kv·d_head·（每个元素的字节数）；g 个 KV 头的 GQA 比 MHA 小 h/g 倍，MQA（g = 1）小 h 倍。",
    },
    {
        "en": "F.scaled_dot_product_attention(enable_gqa=True) lets query head i read KV head ⌊i·g/h⌋ "
              "(consecutive query heads share a KV head, as repeat_interleave).",
        "zh": "F.scaled_dot_product_attention(enable_gqa=True) 让第 i 个查询头读取第 ⌊i·g/h⌋ 个 KV 头"
              "（相邻的查询头共享一个 KV 头，相当于 repeat_interleave）。",
    },
]

LLAMA70B = {"L": 80, "h": 64, "d_head": 128, "g": 8}


def cache_bytes():
    import sympy as sp

    L, b, n, h_kv, d_head, s = sp.symbols("L b n h_kv d_head s", positive=True, integer=True)
    # per layer: a K tensor and a V tensor, each (b, h_kv, n, d_head)
    return (L, b, n, h_kv, d_head, s), L * 2 * (b * h_kv * n * d_head) * s


def derive(p):
    import sympy as sp

    (L, b, n, h_kv, d_head, s), total = cache_bytes()
    h, g = sp.symbols("h g", positive=True, integer=True)
    p.step("L layers × (K and V) × shape (b, h_kv, n, d_head) × s bytes", total)
    p.identity("MHA / GQA cache = h / g", sp.simplify(total.subs(h_kv, h) / total.subs(h_kv, g)), h / g,
               id="gqa_ratio")
    p.identity("MHA / MQA cache = h", sp.simplify(total.subs(h_kv, h) / total.subs(h_kv, 1)), h, id="mqa_ratio")
    cfg = {L: LLAMA70B["L"], d_head: LLAMA70B["d_head"], s: 2, b: 1, n: 1}
    gqa = total.subs(cfg).subs(h_kv, LLAMA70B["g"])
    mha = total.subs(cfg).subs(h_kv, LLAMA70B["h"])
    p.identity("Llama-2-70B shape, 16-bit, GQA g = 8: bytes per token = 320 KiB", gqa, 320 * 1024,
               id="llama70b_gqa_per_token")
    p.identity("the same model with MHA (64 KV heads): 2.5 MiB per token", mha, sp.Rational(5, 2) * 2**20,
               id="llama70b_mha_per_token")
    p.step("4096 tokens × batch 8 with GQA, in GiB", total.subs(cfg).subs({h_kv: 8}) * 4096 * 8 / 2**30)


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F
    from torch import nn

    (L_s, b_s, n_s, h_kv_s, d_head_s, s_s), total = cache_bytes()
    formula = sp.lambdify((L_s, b_s, n_s, h_kv_s, d_head_s, s_s), total)
    torch.manual_seed(p.seed)
    cpu = torch.Generator().manual_seed(p.seed)  # data drawn on the CPU generator, then moved
    d, h, d_head, layers, batch, n = 64, 8, 8, 2, 3, 10
    cases = []
    for dtype in (torch.bfloat16, torch.float32):
        for h_kv in (h, 2, 1):  # MHA, GQA, MQA
            kproj = [nn.Linear(d, h_kv * d_head, bias=False, dtype=dtype).to(p.device) for _ in range(layers)]
            vproj = [nn.Linear(d, h_kv * d_head, bias=False, dtype=dtype).to(p.device) for _ in range(layers)]
            cache = [([], []) for _ in range(layers)]
            with torch.no_grad():
                for _ in range(n):  # one token per step, appended to every layer's cache
                    x = torch.randn(batch, 1, d, dtype=dtype, generator=cpu).to(p.device)
                    for i in range(layers):
                        cache[i][0].append(kproj[i](x).view(batch, 1, h_kv, d_head).transpose(1, 2))
                        cache[i][1].append(vproj[i](x).view(batch, 1, h_kv, d_head).transpose(1, 2))
            stored = sum(torch.cat(t, 2).nbytes for kv in cache for t in kv)
            want = formula(layers, batch, n, h_kv, d_head, torch.finfo(dtype).bits // 8)
            cases.append((f"{dtype}, h_kv = {h_kv}", abs(stored - want)))
    p.sweep("|cache nbytes − 2·L·b·n·h_kv·d_head·s| over dtype × (MHA, GQA, MQA)", cases, "<=", 0,
            id="cache_bytes_match")

    f64 = torch.float64
    q = torch.randn(2, h, 7, d_head, dtype=f64, generator=cpu).to(p.device)
    worst, tiled_gap = [], None
    for g in (4, 2, 1):
        k = torch.randn(2, g, 7, d_head, dtype=f64, generator=cpu).to(p.device)
        v = torch.randn(2, g, 7, d_head, dtype=f64, generator=cpu).to(p.device)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        # independent reference: expand the KV heads, then softmax(q·kᵀ/√d + causal mask)·v per head
        if p.myth:  # round-robin: query head i reads KV head i mod g
            ke, ve = k.repeat(1, h // g, 1, 1), v.repeat(1, h // g, 1, 1)
        else:  # consecutive query heads share a KV head
            ke, ve = k.repeat_interleave(h // g, 1), v.repeat_interleave(h // g, 1)
        mask = torch.ones(7, 7, dtype=torch.bool, device=p.device).triu(1)
        ref = (q @ ke.transpose(-1, -2) / d_head**0.5).masked_fill(mask, float("-inf")).softmax(-1) @ ve
        worst.append((f"h = {h}, g = {g}", (out - ref).abs().max()))
        if g == 2:
            tiled = k.repeat(1, h // g, 1, 1)
            tiled_ref = (q @ tiled.transpose(-1, -2) / d_head**0.5).masked_fill(mask, float("-inf")).softmax(-1)
            tiled_gap = (out - tiled_ref @ v.repeat(1, h // g, 1, 1)).abs().max()
    p.sweep("max |SDPA(enable_gqa) − reference with KV head ⌊i·g/h⌋| over g = 4, 2, 1", worst, "<", 1e-12,
            id="sdpa_gqa_interleave", refutes="query head i reads KV head i mod g")
    p.greater("max |SDPA(enable_gqa) − round-robin (i mod g) pairing|, g = 2", tiled_gap, 1e-3,
              id="sdpa_gqa_not_round_robin")
