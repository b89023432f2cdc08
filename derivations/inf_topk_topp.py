"""Top-k and top-p (nucleus) sampling against an exact reference and Monte Carlo.

Symbolic: top-k keeps the k most probable tokens, top-p the smallest prefix S of the tokens sorted by
probability with Σ_S p ≥ p (the token that crosses p is kept); both sample from p_i/Σ_S p_j on S.
For a two-level distribution (m tokens of probability a, the rest sharing 1 − m·a) the nucleus size
follows from ⌈p/a⌉ when p ≤ m·a — it adapts to the shape, where top-k does not.
Numeric (float64): the usual tensor implementation (sort, cumsum, mask with −inf, softmax) against an
independent reference in exact rational arithmetic (fractions, greedy accumulation in sorted order) over
random distributions and thresholds; torch.multinomial frequencies from the filtered logits against
the reference within Monte Carlo standard errors; the nucleus size of a peaked and a flat distribution.
Counterfactual (p.myth): top-p keeps only the tokens whose cumulative probability stays ≤ p (the
crossing token dropped).
"""

TITLE = {
    "en": "Top-k and top-p sampling, checked exactly and by Monte Carlo",
    "zh": "top-k 与 top-p 采样：精确校验与蒙特卡洛校验",
}
CLAIMS = [
    {
        "en": "Top-p keeps the smallest set of most-probable tokens whose total probability is at least p — the token "
              "that crosses p is included — and renormalises over it.",
        "zh": "top-p 保留总概率至少为 p 的最小的高概率 token 集合——越过 p 的那个 token 也包含在内——并在其上重新归一化。",
    },
    {
        "en": "The number of tokens top-p keeps depends on the distribution (few when peaked, many when flat); top-k "
              "keeps k whatever the shape.",
        "zh": "top-p 保留的 token 数取决于分布（尖锐时少、平坦时多）；top-k 无论形状都保留 k 个。",
    },
]


def derive(p):
    import sympy as sp

    a, top_p = sp.symbols("a p", positive=True)
    p.step("m tokens of probability a, sorted first: mass of the first j is j·a; keep the smallest j with j·a ≥ p",
           sp.ceiling(top_p / a))
    # 64 tokens, not 100: 0.9·100 is a whole number, so whether the 90th token reaches p would be
    # decided by floating-point rounding of the running sum; 0.9·64 = 57.6 is not.
    flat_size = sp.ceiling(sp.Rational(9, 10) / sp.Rational(1, 64))
    p.step("flat: 64 tokens of 1/64, p = 0.9 → ⌈0.9·64⌉ tokens", flat_size)
    smallest = next(j for j in range(1, 65) if sp.Rational(j, 64) >= sp.Rational(9, 10))  # searched, exactly
    p.identity("⌈0.9·64⌉ = the smallest j with j/64 ≥ 9/10 (exact search)", flat_size, smallest, id="flat_nucleus_size")
    p.identity("renormalised probability on S: a / (j·a) = 1/j", sp.simplify(a / (sp.ceiling(top_p / a) * a)),
               1 / sp.ceiling(top_p / a))
    p.step("a peaked distribution with p₁ ≥ p: j = 1 — only the argmax survives", sp.Integer(1))


def nucleus_filter(logits, top_p, crossing_kept=True):
    """The usual implementation: sort descending, drop a token when the mass before it already reaches p."""
    import torch

    probs, order = torch.softmax(logits, -1).sort(descending=True)
    before = probs.cumsum(-1) - probs
    drop = before >= top_p if crossing_kept else probs.cumsum(-1) > top_p
    return logits.masked_fill(torch.zeros_like(drop).scatter(-1, order, drop), float("-inf"))


def topk_filter(logits, k):
    import torch

    kth = torch.topk(logits, k).values[..., -1, None]
    return logits.masked_fill(logits < kth, float("-inf"))


def experiment(p):
    from fractions import Fraction

    import torch

    g = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64

    def reference(probs, top_p=None, k=None):
        """Exact: sort by probability, accumulate in Fractions until the mass reaches p (or k tokens)."""
        exact = [Fraction(float(x)) for x in probs]
        order = sorted(range(len(exact)), key=lambda i: -exact[i])
        kept, mass = [], Fraction(0)
        for i in order:
            if (k is not None and len(kept) == k) or (top_p is not None and mass >= Fraction(top_p)):
                break
            kept.append(i)
            mass += exact[i]
        out = [Fraction(0)] * len(exact)
        for i in kept:
            out[i] = exact[i] / mass
        return [float(x) for x in out]

    crossing = not p.myth
    cases_p, cases_k, mass_gap = [], [], []
    for seed in range(12):
        logits = torch.randn(30, generator=g, dtype=f64) * (0.5 + seed / 4)
        probs = torch.softmax(logits, -1)
        for top_p in (0.5, 0.9, 0.95):
            got = torch.softmax(nucleus_filter(logits, top_p, crossing), -1)
            ref = torch.tensor(reference(probs, top_p=top_p), dtype=f64)
            cases_p.append((f"seed {seed}, p = {top_p}", (got - ref).abs().max()))
            kept_mass = float(probs[torch.isfinite(nucleus_filter(logits, top_p, crossing))].sum())
            mass_gap.append((f"seed {seed}, p = {top_p}", kept_mass - top_p))
        k = 1 + seed % 7
        got = torch.softmax(topk_filter(logits, k), -1)
        cases_k.append((f"seed {seed}, k = {k}", (got - torch.tensor(reference(probs, k=k), dtype=f64)).abs().max()))
    p.sweep("max |top-p implementation − exact reference| over 12 distributions × p ∈ {0.5, 0.9, 0.95}", cases_p,
            "<", 1e-12, id="topp_matches_reference")
    p.sweep("kept probability mass − p over the same cases", mass_gap, ">=", 0, id="topp_mass_at_least_p",
            refutes="top-p keeps only the tokens whose cumulative probability is below p")
    p.sweep("max |top-k implementation − exact reference| over 12 distributions, k = 1…7", cases_k, "<", 1e-12,
            id="topk_matches_reference")

    # Monte Carlo: sample from the filtered logits with torch.multinomial.
    logits = torch.randn(20, generator=g, dtype=f64) * 1.5
    ref = torch.tensor(reference(torch.softmax(logits, -1), top_p=0.8), dtype=f64)
    n = 40000
    counts = torch.bincount(torch.multinomial(torch.softmax(nucleus_filter(logits, 0.8), -1), n, replacement=True,
                                              generator=g), minlength=20).to(f64)
    outside = int(counts[ref == 0].sum())
    p.equal("draws outside the exact nucleus (p = 0.8, n = 40000)", outside, 0, id="mc_no_draw_outside")
    keep = ref > 0
    se = torch.sqrt(ref[keep] * (1 - ref[keep]) / n)
    p.less("max |frequency − renormalised p| / standard error on the nucleus", ((counts[keep] / n - ref[keep]).abs()
                                                                                 / se).max(), 4.5, id="mc_matches_reference")

    flat = torch.zeros(64, dtype=f64)
    peaked = torch.tensor([8.0] + [0.0] * 63, dtype=f64)
    p.equal("tokens kept by top-p = 0.9, flat over 64", int(torch.isfinite(nucleus_filter(flat, 0.9)).sum()),
            len([x for x in reference(torch.softmax(flat, -1), top_p=0.9) if x > 0]), id="flat_kept")
    p.equal("tokens kept by top-p = 0.9, one logit 8 above 63 zeros",
            int(torch.isfinite(nucleus_filter(peaked, 0.9)).sum()),
            len([x for x in reference(torch.softmax(peaked, -1), top_p=0.9) if x > 0]), id="peaked_kept")
