"""Why several heads: one softmax can only average; h heads read h positions at once.

Symbolic: one query, two tokens x₁, x₂ (positions known to the keys), target output
y* = (x₁, x₂) — copy each token into its own channel. A single head gives y = w·(αx₁ + (1 − α)x₂)
for some weight α and value/output map w ∈ ℝ²: the map (x₁, x₂) ↦ y is w·[α, 1 − α], of rank 1
(determinant 0), so it cannot equal the identity; for uncorrelated unit-variance tokens the best
rank-1 map loses half of the target's variance (Eckart–Young). Two heads with one-hot position
queries copy exactly. Numeric: F.scaled_dot_product_attention with two heads recovers (x₁, x₂)
to rounding; for one head, every attention weight α on a grid with the best least-squares w
(torch.linalg.lstsq) leaves at least about half the variance unexplained. Counterfactual
(p.myth): the 'single head' is allowed a separate α per output channel — which is two heads.
"""

TITLE = {
    "en": "Why several heads: one softmax averages, two heads read two positions at once",
    "zh": "为什么要多个头：一个 softmax 只能取平均，两个头能同时读两个位置",
}
CLAIMS = [
    {
        "en": "One head's output is W_v applied to ONE convex combination of the values: copying two different positions into two channels is a rank-2 map it cannot represent.",
        "zh": "一个头的输出是 W_v 作用于值向量的“一个”凸组合：把两个不同位置分别复制到两个通道是秩 2 的映射，它表示不了。",
    },
    {
        "en": "Two heads, each attending to one position, represent that map exactly, at the same total width.",
        "zh": "两个头各自关注一个位置，就能精确表示这个映射，总宽度不变。",
    },
]


def derive(p):
    import sympy as sp

    alpha, w1, w2 = sp.symbols("alpha w1 w2", real=True)
    M = sp.Matrix([[w1], [w2]]) * sp.Matrix([[alpha, 1 - alpha]])
    p.step("single head: y = w·(αx₁ + (1 − α)x₂) = M·(x₁, x₂)ᵀ with M =", M)
    p.identity("det M = 0 for every α, w: rank ≤ 1", M.det(), 0, id="single_head_rank_one")
    fits = sp.solve(list(M - sp.eye(2)), [alpha, w1, w2], dict=True)
    p.holds("(sympy) M = I₂ (copy token 1 to channel 1, token 2 to channel 2) has no solution in α, w₁, w₂: "
            "one head cannot represent it", fits == [], str(fits) if fits else "no solution", "no solution")
    # Best rank-1 approximation of I₂ in Frobenius norm (= expected squared error for unit, uncorrelated tokens).
    u = sp.Symbol("u", real=True)
    vec = sp.Matrix([sp.cos(u), sp.sin(u)])
    err = sp.simplify(((sp.eye(2) - vec * vec.T).T * (sp.eye(2) - vec * vec.T)).trace())
    p.identity("‖I₂ − vvᵀ‖²_F = 1 for every unit v: half of ‖I₂‖²_F = 2 is lost", err, 1, id="half_lost")
    p.step("two heads: head c puts α = 1 on position c and writes channel c: M₁ + M₂ = e₁e₁ᵀ + e₂e₂ᵀ = I₂")


def experiment(p):
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    tokens = torch.randn(5000, 2, generator=g, dtype=f64).to(p.device)        # x₁, x₂ per sample
    keys = torch.eye(2, dtype=f64, device=p.device).expand(5000, 2, 1, 2, 2)[:, :, 0]   # (B, heads, n, d_k)
    queries = 50.0 * torch.eye(2, dtype=f64, device=p.device)[None, :, None, :].expand(5000, 2, 1, 2)
    values = tokens[:, None, :, None].expand(5000, 2, 2, 1)
    out = F.scaled_dot_product_attention(queries, keys, values, scale=1.0)   # (B, heads, 1, 1)
    p.less("two heads (F.scaled_dot_product_attention): max |(head₁, head₂) − (x₁, x₂)|",
           (out[:, :, 0, 0] - tokens).abs().max(), 1e-12, id="two_heads_exact")

    total = (tokens ** 2).sum()
    cases = []
    for a in torch.linspace(0, 1, 21, dtype=f64).tolist():
        if p.myth:       # a separate α per channel: channel c reads token c
            mixed = tokens
        else:
            mixed = (a * tokens[:, 0] + (1 - a) * tokens[:, 1])[:, None]
        w = torch.linalg.lstsq(mixed, tokens).solution
        cases.append((f"α = {a:.2f}", ((mixed @ w - tokens) ** 2).sum().item() / total.item()))
    p.sweep("one head: unexplained share of (x₁, x₂) with the best w, over α = 0, 0.05, …, 1", cases, ">", 0.45,
            id="single_head_loses_half", refutes="one head as wide as two can do what two heads do")
