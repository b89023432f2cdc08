"""Scaled dot-product attention by hand vs torch's scaled_dot_product_attention and nn.MultiheadAttention.

Symbolic: Attention(Q, K, V) = softmax(QKᵀ/√d_k + mask) V. Each row of weights
sums to 1, so every output row is a convex combination of the value rows;
adding a constant to a row of logits changes nothing (what makes max-subtraction
and −∞ masks safe); a logit sent to −∞ gets weight exactly 0, so with a causal
mask the first query sees only the first value.
Numeric (float64): a hand-written softmax(QKᵀ·scale + bias)V against
F.scaled_dot_product_attention, with no mask, a boolean mask, an additive float
mask, is_causal and a custom scale, forward and backward (autograd through the
hand formula vs SDPA's own backward); the default scale is 1/√(query's last
dim). nn.MultiheadAttention rebuilt from its in_proj/out_proj weights: its boolean
attn_mask means the opposite of SDPA's (True = blocked there, True = allowed in SDPA).
"""

TITLE = {
    "en": "Scaled dot-product attention: the formula, masks and PyTorch's conventions",
    "zh": "缩放点积注意力：公式、掩码与 PyTorch 的约定",
}
CLAIMS = [
    {
        "en": "Attention(Q, K, V) = softmax(QKᵀ/√d_k + M)V; each output row is a convex combination of the rows of V, "
              "and a −∞ entry of M gives that key weight exactly 0.",
        "zh": "Attention(Q, K, V) = softmax(QKᵀ/√d_k + M)V；每个输出行都是 V 各行的凸组合，M 中为 −∞ 的位置权重恰为 0。",
    },
    {
        "en": "F.scaled_dot_product_attention computes exactly that (forward and gradients), with default scale "
              "1/√E where E is the query's last dimension; a boolean attn_mask there means True = may attend.",
        "zh": "F.scaled_dot_product_attention 正是这样计算的（前向和梯度都一致），默认缩放为 1/√E，E 是 query 的最后一维；"
              "其布尔 attn_mask 中 True 表示允许关注。",
    },
    {
        "en": "nn.MultiheadAttention's boolean attn_mask (and key_padding_mask) use the opposite convention: "
              "True = not allowed to attend.",
        "zh": "nn.MultiheadAttention 的布尔 attn_mask（以及 key_padding_mask）约定相反：True 表示不允许关注。",
    },
    {
        "en": "F.scaled_dot_product_attention applies dropout whenever dropout_p > 0: it has no train/eval switch, "
              "so the caller must pass 0.0 at inference.",
        "zh": "只要 dropout_p > 0，F.scaled_dot_product_attention 就会做 dropout：它没有训练/推理开关，推理时调用者必须传 0.0。",
    },
]


def derive(p):
    import sympy as sp

    s = sp.symbols("s1:4", real=True)
    c = sp.Symbol("c", real=True)

    def softmax(v):
        e = [sp.exp(x) for x in v]
        return sp.Matrix([x / sum(e) for x in e])

    w = softmax(s)
    p.step("One query, three keys: weights softmax(s)", w)
    p.identity("weights sum to 1", sum(w), 1)
    shifted = softmax([x + c for x in s])
    p.step("Shift every logit by c: e^{sᵢ + c} = e^c·e^{sᵢ}, and e^c cancels", shifted[0])
    p.identity("softmax(s + c) = softmax(s): a per-row shift changes nothing",
               shifted.applyfunc(lambda t: sp.cancel(sp.expand(t))), w)
    v = sp.symbols("v1:4", real=True)
    vv = sp.Symbol("v", real=True)
    p.identity("all values equal v ⇒ output v (a convex combination)", sum(wi * vv for wi in w), vv)
    big = sp.Symbol("M", positive=True)
    masked = softmax([s[0], s[1], s[2] - big])
    p.identity("mask the third key with −M, M → ∞: its weight → 0", sp.limit(masked[2], big, sp.oo), 0)
    p.identity("…and the other weights renormalise over the first two keys",
               sp.limit(masked[0], big, sp.oo), sp.exp(s[0]) / (sp.exp(s[0]) + sp.exp(s[1])))
    causal_first = [sp.limit(x, big, sp.oo) for x in softmax([s[0], s[1] - big, s[2] - big])]
    p.identity("causal mask, first query: weights (1, 0, 0), output = v₁",
               sum(wi * vi for wi, vi in zip(causal_first, v)), v[0])
    out = sum(wi * vi for wi, vi in zip(w, v))
    p.identity("∂output/∂vⱼ = wⱼ: the output is linear in V with the attention weights",
               sp.Matrix([sp.diff(out, vi) for vi in v]), w)


def _attention(q, k, v, scale, bias=None):
    """The formula, written out: softmax(q kᵀ · scale + bias) v."""
    import torch

    logits = q @ k.transpose(-2, -1) * scale
    if bias is not None:
        logits = logits + bias
    return torch.softmax(logits, dim=-1) @ v


def experiment(p):
    import math

    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    B, H, L, S, E, Ev = 2, 3, 5, 7, 8, 6

    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=dt).to(dev).requires_grad_(True)

    q, k, v = rand(B, H, L, E), rand(B, H, S, E), rand(B, H, S, Ev)
    allow = torch.rand(L, S, generator=g).to(dev) > 0.3
    allow[:, 0] = True  # every query may see at least one key
    neg_inf = torch.full((L, S), float("-inf"), dtype=dt, device=dev)
    bool_bias = torch.where(allow, torch.zeros((), dtype=dt, device=dev), neg_inf)
    float_mask = torch.randn(L, S, generator=g, dtype=dt).to(dev)

    cases = {
        "no mask, default scale": (dict(), _attention(q, k, v, 1 / math.sqrt(E))),
        "boolean attn_mask (True = attend)": (dict(attn_mask=allow), _attention(q, k, v, 1 / math.sqrt(E), bool_bias)),
        "float attn_mask (added to logits)": (dict(attn_mask=float_mask),
                                              _attention(q, k, v, 1 / math.sqrt(E), float_mask)),
        "scale=0.3": (dict(scale=0.3), _attention(q, k, v, 0.3)),
    }
    up = torch.ones(L, L, dtype=torch.bool, device=dev).triu(1)
    causal_bias = torch.zeros(L, L, dtype=dt, device=dev).masked_fill(up, float("-inf"))
    kc, vc = k[:, :, :L], v[:, :, :L]
    cases["is_causal=True"] = (dict(is_causal=True), _attention(q, kc, vc, 1 / math.sqrt(E), causal_bias))

    upstream = torch.randn(B, H, L, Ev, generator=g, dtype=dt).to(dev)
    for name, (kwargs, hand) in cases.items():
        kk, vv = (kc, vc) if kwargs.get("is_causal") else (k, v)
        sdpa = F.scaled_dot_product_attention(q, kk, vv, **kwargs)
        p.allclose(f"SDPA vs hand-written, {name}", sdpa, hand, rtol=1e-10, atol=1e-12)
        g_sdpa = torch.autograd.grad((sdpa * upstream).sum(), (q, kk, vv))
        g_hand = torch.autograd.grad((hand * upstream).sum(), (q, kk, vv))
        p.allclose(f"∂/∂(Q, K, V) SDPA vs autograd of the hand formula, {name}",
                   torch.cat([t.flatten() for t in g_sdpa]), torch.cat([t.flatten() for t in g_hand]),
                   rtol=1e-9, atol=1e-12)

    with torch.no_grad():
        # p.myth: an SDPA whose default scale comes from the value dim
        sdpa = _attention(q, k, v, 1 / math.sqrt(Ev)) if p.myth else F.scaled_dot_product_attention(q, k, v)
        p.greater("default scale is not 1/√(value dim): max |SDPA − hand with 1/√Ev|",
                  (sdpa - _attention(q, k, v, 1 / math.sqrt(Ev))).abs().max(), 1e-3, id="default_scale_query_dim",
                  refutes="SDPA's default scale is 1/√(value dim)")
        causal = F.scaled_dot_product_attention(q, kc, vc, is_causal=True)
        p.allclose("is_causal: the first query's output is v₁ exactly", causal[:, :, 0], vc[:, :, 0], rtol=1e-12)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(E) + bool_bias, -1)
        p.equal("masked keys get weight exactly 0 (count of nonzero weights on blocked entries)",
                int((weights[..., ~allow] != 0).sum()), 0)
        torch.manual_seed(p.seed + 7)
        # p.myth: an SDPA that, like nn.Dropout in eval mode, turns dropout off outside training
        p_drop = 0.0 if p.myth else 0.5
        d1 = F.scaled_dot_product_attention(q, k, v, dropout_p=p_drop)
        d2 = F.scaled_dot_product_attention(q, k, v, dropout_p=p_drop)
        p.greater("dropout_p = 0.5 under no_grad (no 'eval' switch exists): two calls differ by",
                  (d1 - d2).abs().max(), 1e-3, id="sdpa_dropout_always_on",
                  refutes="F.scaled_dot_product_attention skips dropout at inference by itself")

    # nn.MultiheadAttention rebuilt from its weights; its boolean mask means True = blocked.
    D, heads = 8, 2
    mha = torch.nn.MultiheadAttention(D, heads, batch_first=True, dtype=dt).to(dev).eval()
    x = torch.randn(B, L, D, generator=g, dtype=dt).to(dev)
    blocked = torch.rand(L, L, generator=g).to(dev) > 0.6
    blocked.fill_diagonal_(False)  # every query may see itself under MHA's convention…
    blocked[torch.arange(L), (torch.arange(L) + 1) % L] = True  # …and blocks one key, so ~blocked is never empty
    with torch.no_grad():
        out_mha, w_mha = mha(x, x, x, attn_mask=blocked, need_weights=True, average_attn_weights=True)
        Wq, Wk, Wv = mha.in_proj_weight.chunk(3)
        bq, bk, bv = mha.in_proj_bias.chunk(3)

        def split(t):
            return t.view(B, L, heads, D // heads).transpose(1, 2)

        qh, kh, vh = split(x @ Wq.T + bq), split(x @ Wk.T + bk), split(x @ Wv.T + bv)
        bias = torch.zeros(L, L, dtype=dt, device=dev).masked_fill(blocked, float("-inf"))
        heads_out = _attention(qh, kh, vh, 1 / math.sqrt(D // heads), bias)
        hand = mha.out_proj(heads_out.transpose(1, 2).reshape(B, L, D))
        p.allclose("nn.MultiheadAttention vs hand-built, its mask read as True = blocked", out_mha, hand,
                   rtol=1e-10, atol=1e-12)
        w_hand = torch.softmax(qh @ kh.transpose(-2, -1) / math.sqrt(D // heads) + bias, -1).mean(1)
        p.allclose("…and its head-averaged attention weights", w_mha, w_hand, rtol=1e-10, atol=1e-12)
        # p.myth: an SDPA that reads a boolean mask the way nn.MultiheadAttention does (True = blocked)
        same_mask_sdpa = _attention(qh, kh, vh, 1 / math.sqrt(D // heads), bias) if p.myth else \
            F.scaled_dot_product_attention(qh, kh, vh, attn_mask=blocked)
        p.greater("the same boolean tensor given to SDPA selects the complementary keys: max |Δ| of head outputs",
                  (same_mask_sdpa - heads_out).abs().max(), 1e-3, id="bool_mask_opposite_conventions",
                  refutes="True in a boolean mask means the same to SDPA and to nn.MultiheadAttention")
        pad = torch.zeros(B, L, dtype=torch.bool, device=dev)
        pad[0, -2:] = True  # the last two keys of the first sequence are padding
        out_pad, _ = mha(x, x, x, key_padding_mask=pad)
        pad_bias = torch.zeros(B, 1, 1, L, dtype=dt, device=dev).masked_fill(pad[:, None, None, :], float("-inf"))
        hand_pad = mha.out_proj(_attention(qh, kh, vh, 1 / math.sqrt(D // heads), pad_bias)
                                .transpose(1, 2).reshape(B, L, D))
        p.allclose("MultiheadAttention key_padding_mask: True = key ignored", out_pad, hand_pad,
                   rtol=1e-10, atol=1e-12)
        p.allclose("SDPA with the inverted mask (~mask) reproduces MultiheadAttention's heads",
                   F.scaled_dot_product_attention(qh, kh, vh, attn_mask=~blocked), heads_out, rtol=1e-10, atol=1e-12)
