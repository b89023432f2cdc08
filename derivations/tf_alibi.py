"""ALiBi: no position embeddings, a head-specific linear penalty −m·(i − j) on the scores.

Symbolic: for H heads the slopes are m_h = 2^(−8h/H), a geometric sequence (H = 8: 1/2 … 1/256).
Within a row i the term −m·i is a constant, so softmax_j(s_ij − m(i − j)) = softmax_j(s_ij + m·j):
the bias depends on the keys' positions only through differences, and for two keys with equal
content the weight ratio is e^(−m·Δ), Δ their distance.
Numeric (float64): the ALiBi bias passed as a float attn_mask to F.scaled_dot_product_attention
(with the causal −∞) equals the hand formula; the bias +m·j alone (query term dropped, keys at
positions 1000 …) gives the same outputs through the real kernel; for equal content the weight ratio of keys at distances 1 and 2 is e^(−m).
The bias has no parameters and no table, so it is defined for any length by construction (no row checks that).
"""

TITLE = {
    "en": "ALiBi: a linear distance penalty per head, no position embeddings, any length",
    "zh": "ALiBi：每个头一个线性距离惩罚，没有位置嵌入，适用于任意长度",
}
CLAIMS = [
    {
        "en": "ALiBi adds −m_h·(i − j) to the score of query i on key j (j ≤ i), with slopes m_h = 2^(−8h/H); it has no "
              "learned parameters and is defined for any length.",
        "zh": "ALiBi 给 query i 对 key j（j ≤ i）的分数加上 −m_h·(i − j)，斜率 m_h = 2^(−8h/H)；它没有可学习参数，对任意长度都有定义。",
    },
    {
        "en": "The bias depends only on distances: shifting all positions by s changes no attention weight.",
        "zh": "偏置只依赖距离：所有位置整体平移 s 不改变任何注意力权重。",
    },
]


def _slopes():
    import sympy as sp

    h, H = sp.symbols("h H", positive=True, integer=True)
    return (h, H), 2 ** (-8 * h / H)


def derive(p):
    import sympy as sp

    (h, H), slope = _slopes()
    p.step("slopes m_h = 2^(−8h/H)", slope)
    p.identity("m_{h+1}/m_h = 2^(−8/H): geometric", sp.simplify(slope.subs(h, h + 1) / slope), 2 ** (-8 / H))
    p.identity("H = 8: m_1 = 1/2, m_8 = 1/256", sp.Matrix([slope.subs({H: 8, h: 1}), slope.subs({H: 8, h: 8})]),
               sp.Matrix([sp.Rational(1, 2), sp.Rational(1, 256)]), id="slopes_h8")
    s1, s2, s3, m, i = sp.symbols("s1 s2 s3 m i", real=True)
    row = [s1 - m * (i - 0), s2 - m * (i - 1), s3 - m * (i - 2)]
    shifted = [s1 + m * 0, s2 + m * 1, s3 + m * 2]

    def softmax(v):
        return sp.Matrix([sp.exp(a) / sum(sp.exp(b) for b in v) for a in v])

    p.identity("softmax_j(s_j − m(i − j)) = softmax_j(s_j + m·j): the query's own position drops out",
               softmax(row), softmax(shifted), id="query_position_drops")


def alibi_bias(n, slopes, offset=0, device="cpu"):
    """(H, n, n): −m_h·(i − j) for j ≤ i, −∞ above the diagonal; positions start at ``offset``."""
    import torch

    pos = torch.arange(offset, offset + n, dtype=torch.float64, device=device)
    dist = pos[:, None] - pos[None, :]
    bias = -slopes[:, None, None] * dist
    return bias.masked_fill(dist < 0, float("-inf"))


def experiment(p):
    import torch
    import torch.nn.functional as F

    (h_s, H_s), slope = _slopes()
    f64 = torch.float64
    H, n, d = 8, 10, 4
    slopes = torch.tensor([float(slope.subs({H_s: H, h_s: hh})) for hh in range(1, H + 1)], dtype=f64).to(p.device)
    g = torch.Generator().manual_seed(p.seed)
    q, k, v = (torch.randn(1, H, n, d, generator=g, dtype=f64).to(p.device) for _ in range(3))
    bias = alibi_bias(n, slopes, device=p.device)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    hand = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + bias, -1) @ v
    p.allclose("F.scaled_dot_product_attention with the ALiBi float mask = hand softmax(QKᵀ/√d + bias)V", out, hand,
               rtol=1e-12, atol=1e-14, id="sdpa_matches")
    key_pos = torch.arange(1000, 1000 + n, dtype=f64, device=p.device)       # keys at positions 1000 … 1009
    key_only = (slopes[:, None, None] * key_pos[None, None, :]).expand(H, n, n)  # +m·j only: −m·i dropped
    key_only = key_only.masked_fill(torch.ones(n, n, dtype=torch.bool, device=p.device).triu(1), float("-inf"))
    moved = F.scaled_dot_product_attention(q, k, v, attn_mask=key_only)
    p.allclose("SDPA with the bias +m·j alone (the query's −m·i dropped), keys at positions 1000 … 1009, vs ALiBi: "
               "outputs", moved, out, rtol=0, atol=1e-11, id="shift_invariant")
    same = torch.ones(1, H, n, d, dtype=f64, device=p.device)            # equal content: only the bias differs
    w = torch.softmax(same @ same.transpose(-1, -2) / d ** 0.5 + bias, -1)[0, :, -1]   # last query
    p.allclose("equal content: weight(distance 2)/weight(distance 1) = e^(−m_h) per head",
               w[:, n - 3] / w[:, n - 2], torch.exp(-slopes), rtol=1e-12, id="geometric_decay")
    # No row for "defined for any length": −m·(i − j) is finite for every finite i, j, so it could not fail.
