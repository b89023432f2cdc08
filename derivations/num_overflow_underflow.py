"""Overflow and underflow in fp16: exp, softmax and small gradients.

Symbolic: round-to-nearest sends a real number to inf when it reaches the midpoint between the
largest finite value and the next power, (2 − 2⁻ᵐ⁻¹)·2^{bias} (65520 for fp16), so eˣ overflows for
x ≥ ln 65520 ≈ 11.09 — a logit of 12 is enough, and exp(z)/Σexp(z) becomes inf/inf = NaN. It rounds
to 0 below half the smallest subnormal, 2^{−25} for fp16 (eˣ for x < −25·ln 2 ≈ −17.3); bf16, with
fp32's exponent, goes down to 2^{−134}. For gradients spread log-uniformly over [10⁻¹⁰, 10⁻³], the
fraction that fp16 flushes to zero is log(2^{−25}/10⁻¹⁰)/log(10⁷).
Numeric: torch.exp on every fp16 number near 11.09; a hand-written softmax vs torch.softmax on fp16
logits (12, 0); the underflow fraction of log-uniform gradients cast to fp16 and bf16 (Monte Carlo
with its standard error) against the derived fraction.
"""

TITLE = {
    "en": "fp16 overflows at 65520 and flushes below 2⁻²⁵: exp, softmax and small gradients",
    "zh": "fp16 在 65520 处上溢、低于 2⁻²⁵ 时下溢为 0：exp、softmax 与小梯度",
}
CLAIMS = [
    {
        "en": "In fp16, exp(x) is inf for x ≥ ln 65520 ≈ 11.09, so a naive exp(z)/Σexp(z) of logits (12, 0) is NaN; "
              "torch.softmax subtracts the maximum first and stays finite.",
        "zh": "fp16 中 x ≥ ln 65520 ≈ 11.09 时 exp(x) 为 inf，因此对 logits (12, 0) 直接算 exp(z)/Σexp(z) 得 NaN；"
              "torch.softmax 先减去最大值，结果有限。",
    },
    {
        "en": "Values below 2⁻²⁵ ≈ 3·10⁻⁸ round to 0 in fp16: for gradients spread log-uniformly over 10⁻¹⁰ … 10⁻³ "
              "about a third vanish; bf16 keeps all of them (nonzero).",
        "zh": "fp16 中小于 2⁻²⁵ ≈ 3·10⁻⁸ 的值舍入为 0：对数均匀分布在 10⁻¹⁰ … 10⁻³ 的梯度约三分之一变为 0；bf16 全部保留（非零）。",
    },
]


def _thresholds():
    import sympy as sp

    e, m = 5, 10
    bias = 2 ** (e - 1) - 1
    overflow = (2 - sp.Rational(1, 2 ** (m + 1))) * sp.Integer(2) ** bias
    underflow = sp.Integer(2) ** (1 - bias - m) / 2
    lo, hi = sp.Integer(10) ** -10, sp.Integer(10) ** -3
    frac = sp.log(underflow / lo) / sp.log(hi / lo)
    return overflow, underflow, frac


def derive(p):
    import sympy as sp

    overflow, underflow, frac = _thresholds()
    p.identity("fp16 overflow threshold: midpoint of 65504 and 2¹⁶", overflow, (65504 + 2**16) / sp.Integer(2))
    p.step("exp overflows for x ≥ ln 65520 =", sp.N(sp.log(overflow), 6))
    p.identity("fp16 rounds to 0 below half the smallest subnormal 2⁻²⁴", underflow, sp.Rational(1, 2**25))
    p.step("exp underflows for x < −25·ln 2 =", sp.N(sp.log(underflow), 6))
    p.step("log-uniform gradients on [1e-10, 1e-3]: fraction below 2⁻²⁵ = log(2⁻²⁵/1e-10)/log(1e7) =",
           sp.N(frac, 4))
    p.identity("… = (log₁₀ 2⁻²⁵ + 10)/7", frac, (sp.log(underflow, 10) + 10) / 7)


def experiment(p):
    import math

    import torch

    overflow, underflow, frac = _thresholds()
    # the myth "fp16 has the range of fp32": give the 16-bit computation fp32's exponent (i.e. use bf16)
    half = torch.bfloat16 if p.myth else torch.float16
    xs = torch.arange(10.9, 11.3, 1 / 1024, dtype=torch.float32, device=p.device).to(half).unique()
    finite = xs[torch.isfinite(torch.exp(xs))]
    p.close("largest fp16 x with finite torch.exp(x) vs ln 65520 (within one fp16 spacing, 2⁻⁷)",
            float(finite.max()), math.log(float(overflow)), atol=2**-7, id="exp_overflow_threshold",
            refutes="fp16 has the same range as fp32")
    z = torch.tensor([12.0, 0.0], dtype=half, device=p.device)
    naive = torch.exp(z) / torch.exp(z).sum()
    p.holds("hand-written exp(z)/Σexp(z) on fp16 logits (12, 0) gives NaN", bool(torch.isnan(naive).any()),
            float(naive[0]), "nan", id="naive_softmax_nan", refutes="fp16 has the same range as fp32")
    ref = torch.softmax(z.double(), 0)
    out = torch.softmax(z.half(), 0)
    p.allclose("torch.softmax in fp16 on the same logits vs float64 (max-subtracted: finite)", out.double(), ref,
               rtol=2**-10, atol=2**-24, id="torch_softmax_fp16_ok")
    p.equal("fp16 exp(−18) (below 2⁻²⁵)", float(torch.exp(torch.tensor(-18.0, dtype=torch.float16, device=p.device))), 0.0,
            id="exp_underflow")

    gen = torch.Generator().manual_seed(p.seed)
    n = 20000 if p.quick else 1000000
    grads = 10 ** (-10 + 7 * torch.rand(n, generator=gen, dtype=torch.float64)).to(p.device)
    zero16 = float((grads.to(half) == 0).double().mean())
    se = math.sqrt(float(frac) * (1 - float(frac)) / n)
    p.close("fraction of log-uniform gradients (1e-10 … 1e-3) that are 0 in fp16 vs derived (4 SE)", zero16,
            float(frac), atol=4 * se, id="fp16_grad_underflow_fraction", refutes="fp16 has the same range as fp32")
    p.equal("… and in bf16", float((grads.bfloat16() == 0).double().mean()), 0.0, id="bf16_grad_underflow_fraction")
