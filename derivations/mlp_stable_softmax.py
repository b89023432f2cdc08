"""Numerically stable softmax: subtracting the max changes nothing mathematically and everything in floats.

Symbolic: softmax(z − c) = softmax(z) for any constant c, because e^(−c) cancels between
numerator and denominator; likewise log-softmax(z) = z − logsumexp(z) with
logsumexp(z) = m + log Σ e^(zᵢ − m). With c = max z every exponent is ≤ 0, so nothing
overflows and the largest term is exactly 1, so the sum cannot underflow to 0.

Numeric: a naive exp-then-normalise softmax returns nan for logits around 1000 (float64)
or 89 (float32); the max-shifted one matches torch.softmax; naive log(softmax) gives −inf
where torch.log_softmax gives the exact finite value.
"""

TITLE = {
    "en": "Stable softmax: subtract the max (overflow demo vs torch.softmax)",
    "zh": "数值稳定的 softmax：先减去最大值（溢出演示，对照 torch.softmax）",
}
CLAIMS = [
    {
        "en": "softmax(z − c) = softmax(z) for every constant c.",
        "zh": "对任意常数 c，softmax(z − c) = softmax(z)。",
    },
    {
        "en": "Naive softmax overflows to nan for logits near 1000 in float64 and near 89 in float32; "
              "the max-shifted version matches torch.softmax.",
        "zh": "朴素 softmax 在 float64 下 logits 约 1000、在 float32 下约 89 时溢出为 nan；减去最大值后与 torch.softmax 一致。",
    },
    {
        "en": "log(softmax(z)) underflows to −inf for very negative scores; log_softmax = z − logsumexp(z) stays exact.",
        "zh": "分数很负时 log(softmax(z)) 下溢为 −inf；log_softmax = z − logsumexp(z) 仍然精确。",
    },
]


def derive(p):
    import sympy as sp

    z = sp.symbols("z1:4", real=True)
    c = sp.symbols("c", real=True)
    softmax = lambda v, i: sp.exp(v[i]) / sum(sp.exp(t) for t in v)  # noqa: E731
    shifted = [t - c for t in z]
    p.step("softmax(z − c)₁ as written", softmax(shifted, 0))
    p.step("e^(zᵢ − c) = e^(zᵢ)·e^(−c): pull e^(−c) out of every term", sp.expand(softmax(shifted, 0)))
    p.identity("softmax(z − c) = softmax(z), component by component",
               sp.Matrix([softmax(shifted, i) for i in range(3)]), sp.Matrix([softmax(z, i) for i in range(3)]))
    m = sp.symbols("m", real=True)
    lse = sp.log(sum(sp.exp(t) for t in z))
    p.identity("logsumexp(z) = m + log Σ e^(zᵢ − m) for any m (take m = max z)",
               sp.expand_log(m + sp.log(sp.expand(sum(sp.exp(t - m) for t in z) * sp.exp(m)) / sp.exp(m)),
                             force=True), lse)
    p.identity("log softmax(z)₁ = z₁ − logsumexp(z)", sp.expand_log(sp.log(softmax(z, 0)), force=True), z[0] - lse)


def experiment(p):
    import warnings

    import torch

    dev = p.device

    def naive(t):
        e = torch.exp(t)
        return e / e.sum()

    def stable(t):
        e = torch.exp(t - t.max())
        return e / e.sum()

    big = torch.tensor([1000.0, 1001.0, 1002.0], dtype=torch.float64, device=dev)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = naive(big)
    p.holds("float64 naive softmax([1000, 1001, 1002]) is not finite", not bool(torch.isfinite(bad).any()),
            str([float(v) for v in bad]), "nan")
    p.allclose("max-shifted softmax vs torch.softmax (float64)", stable(big), torch.softmax(big, 0), rtol=1e-15)
    small = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64, device=dev)
    p.allclose("… and vs softmax([0, 1, 2]) (shift invariance)", stable(big), torch.softmax(small, 0), rtol=1e-15)

    p.holds("float64: exp(709) finite, exp(710) = inf",
            bool(torch.isfinite(torch.exp(torch.tensor(709.0, dtype=torch.float64))))
            and bool(torch.isinf(torch.exp(torch.tensor(710.0, dtype=torch.float64)))), "709 ok, 710 inf")
    f32 = torch.float32
    p.holds("float32: exp(88) finite, exp(89) = inf", bool(torch.isfinite(torch.exp(torch.tensor(88.0, dtype=f32))))
            and bool(torch.isinf(torch.exp(torch.tensor(89.0, dtype=f32)))), "88 ok, 89 inf")
    # Where exp overflows, found by bisection on torch.exp itself, against log(largest float).
    import math

    def overflow_point(dtype):
        lo, hi = 0.0, 1000.0
        for _ in range(60):
            mid_x = (lo + hi) / 2
            if bool(torch.isinf(torch.exp(torch.tensor(mid_x, dtype=dtype, device=dev)))):
                hi = mid_x
            else:
                lo = mid_x
        return lo

    p.close("float64: largest x with exp(x) finite (bisection on torch.exp) vs log(finfo.max)",
            overflow_point(torch.float64), math.log(torch.finfo(torch.float64).max), rtol=1e-5,
            id="float64_exp_limit")
    p.close("float32: largest x with exp(x) finite (bisection on torch.exp) vs log(finfo.max)",
            overflow_point(f32), math.log(torch.finfo(f32).max), rtol=1e-5, id="float32_exp_limit")
    mid = torch.tensor([89.0, 90.0, 91.0], dtype=f32, device=dev)
    p.holds("float32 naive softmax([89, 90, 91]) is not finite", not bool(torch.isfinite(naive(mid)).any()))
    p.allclose("float32 max-shifted softmax vs torch.softmax", stable(mid), torch.softmax(mid, 0), rtol=1e-6)

    neg = torch.tensor([0.0, -800.0], dtype=torch.float64, device=dev)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        naive_log = torch.log(naive(neg))
    p.holds("naive log(softmax([0, −800]))₂ underflows", bool(torch.isinf(naive_log[1])), float(naive_log[1]), "-inf")
    p.close("torch.log_softmax([0, −800])₂ vs z₂ − logsumexp(z) = −800 − log(1 + e^(−800))",
            torch.log_softmax(neg, 0)[1], -800.0, rtol=1e-15)
