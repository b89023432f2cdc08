"""The sigmoid's derivative is σ(1 − σ), at most ¼, and vanishes in both tails.

Symbolic: differentiate σ(x) = 1/(1 + e^(−x)), rewrite the result in terms of σ itself,
then complete the square: σ(1 − σ) = ¼ − (σ − ½)², so the maximum ¼ is reached where
σ = ½, i.e. at x = 0. Also σ(−x) = 1 − σ(x), which makes σ' an even function.

Numeric: autograd through torch.sigmoid against σ(1 − σ) on a grid, the grid maximum
against ¼, and the size of the derivative at |x| = 10 (saturation).
"""

TITLE = {
    "en": "Sigmoid derivative σ′ = σ(1 − σ) ≤ ¼",
    "zh": "Sigmoid 的导数 σ′ = σ(1 − σ) ≤ ¼",
}
CLAIMS = [
    {
        "en": "σ′(x) = e^(−x)/(1 + e^(−x))² = σ(x)(1 − σ(x)).",
        "zh": "σ′(x) = e^(−x)/(1 + e^(−x))² = σ(x)(1 − σ(x))。",
    },
    {
        "en": "σ′ ≤ ¼ with equality only at x = 0; σ′(±10) < 5·10⁻⁵ (saturation).",
        "zh": "σ′ ≤ ¼，仅在 x = 0 处取等；σ′(±10) < 5·10⁻⁵（饱和）。",
    },
    {
        "en": "Autograd through torch.sigmoid equals σ(1 − σ) to float64 precision.",
        "zh": "经 torch.sigmoid 的自动求导结果与 σ(1 − σ) 在 float64 精度下一致。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x", real=True)
    sigma = 1 / (1 + sp.exp(-x))
    d = sp.diff(sigma, x)
    p.step("σ(x) = 1/(1 + e^(−x)); differentiate (quotient rule)", d)
    p.identity("σ′ = e^(−x)/(1 + e^(−x))² = σ·(1 − σ)", d, sigma * (1 - sigma))
    s = sp.symbols("s", real=True)
    p.identity("complete the square in s = σ: s(1 − s) = ¼ − (s − ½)² ≤ ¼", s * (1 - s),
               sp.Rational(1, 4) - (s - sp.Rational(1, 2)) ** 2)
    p.identity("the maximum needs σ(x) = ½, which happens only at x = 0", sp.solve(sp.Eq(sigma, sp.S.Half), x)[0], 0)
    p.identity("σ′(0) = ¼", d.subs(x, 0), sp.Rational(1, 4))
    p.identity("symmetry σ(−x) = 1 − σ(x), so σ′ is even", sigma.subs(x, -x), 1 - sigma)


def experiment(p):
    import torch

    x = torch.linspace(-12, 12, 24001, dtype=torch.float64, device=p.device).requires_grad_()
    y = torch.sigmoid(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    s = y.detach()
    p.allclose("autograd d sigmoid/dx vs σ(1 − σ) on [−12, 12]", grad, s * (1 - s), rtol=1e-12, atol=1e-17)
    with torch.no_grad():  # a check that does not go through torch's backward formula at all
        h, xd = 1e-5, x.detach()
        central = (torch.sigmoid(xd + h) - torch.sigmoid(xd - h)) / (2 * h)
    p.allclose("central difference (h = 1e-5) vs σ(1 − σ)", central, s * (1 - s), rtol=0, atol=1e-10)
    top = int(grad.argmax())
    p.close("largest derivative on the grid", grad[top], 0.25, rtol=1e-12)
    p.close("… found at x", x[top], 0.0, atol=1e-9)
    at10 = torch.tensor([-10.0, 10.0], dtype=torch.float64, device=p.device).requires_grad_()
    (g10,) = torch.autograd.grad(torch.sigmoid(at10).sum(), at10)
    p.less("max σ′(±10)", g10.max(), 5e-5, id="sigmoid_prime_at_10")
    p.plot("σ and σ′", {"σ(x)": (x.detach().cpu()[::200].tolist(), s.cpu()[::200].tolist()),
                        "σ′(x)": (x.detach().cpu()[::200].tolist(), grad.cpu()[::200].tolist())},
           xlabel="x")
