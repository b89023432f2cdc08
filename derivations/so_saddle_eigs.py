"""Saddles vs minima in high dimension: how often is a random symmetric Hessian positive definite?

Symbolic: a critical point is a minimum only if all n Hessian eigenvalues are positive. If each
sign were an independent fair coin, P(minimum) = 2⁻ⁿ. For a random symmetric matrix
(H = (A + Aᵀ)/2, A with i.i.d. N(0, 1) entries, the Gaussian orthogonal ensemble) the eigenvalues
repel each other and it is smaller still: at n = 2 the eigenvalues are s ± r with s ~ N(0, ½) and
r Rayleigh(σ² = ½), and P(s > r) = ∫ ½erfc(r)·2r·e^{−r²} dr = ½ − √2/4 ≈ 0.146 < ¼ (by parts).
Numeric: Monte Carlo with torch.linalg.eigvalsh over batches of random symmetric matrices,
n = 1 … 4, with standard errors: the n = 2 value against the derived one, the fraction against
2⁻ⁿ, and the fraction of minima at n = 4.
"""

TITLE = {
    "en": "Random Hessians are almost never positive definite: minima are rare among critical points",
    "zh": "随机 Hessian 几乎从不正定：临界点中极小值很少",
}
CLAIMS = [
    {
        "en": "If the Hessian's eigenvalue signs were independent coins, a critical point would be a minimum "
              "with probability 2⁻ⁿ; for a random symmetric (GOE) Hessian the probability is smaller still "
              "(½ − √2/4 ≈ 0.146 < ¼ at n = 2) because eigenvalues repel.",
        "zh": "若 Hessian 特征值的符号是独立的硬币，临界点是极小值的概率为 2⁻ⁿ；对随机对称（GOE）Hessian 概率更小"
              "（n = 2 时为 ½ − √2/4 ≈ 0.146 < ¼），因为特征值相互排斥。",
    },
    {
        "en": "In this random-matrix model almost every critical point in high dimension is a saddle; "
              "it is a model, not a measurement of a real network's Hessian.",
        "zh": "在这个随机矩阵模型中，高维下几乎所有临界点都是鞍点；这是模型，不是对真实网络 Hessian 的测量。",
    },
]


def _p_min_2x2():
    """P(2×2 GOE matrix is positive definite), derived by integration by parts."""
    import sympy as sp

    r = sp.Symbol("r", positive=True)
    F = -sp.exp(-r**2) * sp.erfc(r) / 2
    gauss = sp.integrate(sp.exp(-2 * r**2), (r, 0, sp.oo))
    return r, F, gauss, (sp.limit(F, r, sp.oo) - F.subs(r, 0)) - gauss / sp.sqrt(sp.pi)


def derive(p):
    import sympy as sp

    n = sp.Symbol("n", positive=True, integer=True)
    k = sp.Symbol("k", integer=True)
    p.identity("independent fair signs: P(all n eigenvalues > 0) = ∏ ½ = 2⁻ⁿ",
               sp.Product(sp.Rational(1, 2), (k, 1, n)).doit(), 2**-n)
    p.step("2×2 GOE: H = [[a, b], [b, c]], a, c ~ N(0, 1), b ~ N(0, ½); eigenvalues s ± r with "
           "s = (a + c)/2 ~ N(0, ½), r = √(((a − c)/2)² + b²) Rayleigh(σ² = ½), density 2r·e^{−r²}, "
           "independent of s; minimum ⇔ s > r, P(s > r | r) = ½erfc(r)")
    r, F, gauss, P = _p_min_2x2()
    p.identity("by parts: d/dr[−½e^{−r²}erfc(r)] = r·e^{−r²}erfc(r) + e^{−2r²}/√π",
               sp.diff(F, r), r * sp.exp(-r**2) * sp.erfc(r) + sp.exp(-2 * r**2) / sp.sqrt(sp.pi))
    p.identity("∫₀^∞ e^{−2r²} dr = √(2π)/4", gauss, sp.sqrt(2 * sp.pi) / 4)
    p.identity("P(2×2 GOE Hessian is a minimum) = ½ − √2/4", P, sp.Rational(1, 2) - sp.sqrt(2) / 4)
    p.holds("… which is below the independent-sign value ¼ (eigenvalue repulsion)",
            bool(sp.Rational(1, 4) > P), sp.N(P, 4), "< 0.25", id="repulsion_below_quarter")


def experiment(p):
    import math

    import sympy as sp
    import torch

    _, _, _, P2 = _p_min_2x2()
    n_sym = sp.Symbol("n")
    independent = sp.lambdify(n_sym, 2**-n_sym)
    gen = torch.Generator().manual_seed(p.seed)
    samples = 20000 if p.quick else 400000

    def fraction(n, model="goe"):
        A = torch.randn(samples, n, n, generator=gen, dtype=torch.float64).to(p.device)
        H = (A + A.transpose(1, 2)) / 2
        if model == "psd":  # the myth's model: critical points are minima, Hessians positive semi-definite
            H = A @ A.transpose(1, 2)
        elif model == "independent":  # the myth's model: independent eigenvalue signs (a random diagonal Hessian)
            H = torch.diag_embed(torch.diagonal(A, dim1=1, dim2=2))
        f = (torch.linalg.eigvalsh(H) > 0).all(dim=1).double().mean().item()
        return f, math.sqrt(max(f * (1 - f), 1.0 / samples) / samples)

    results = {n: fraction(n, "psd" if p.myth else "goe") for n in range(1, 5)}
    signs = {n: fraction(n, "independent") for n in (2, 3, 4)} if p.myth else results
    f1, se1 = results[1]
    p.close("n = 1: fraction of minima vs ½ (within 4 standard errors)", f1, 0.5, atol=4 * se1)
    f2, se2 = results[2]
    p.close("n = 2: Monte Carlo fraction of positive-definite GOE matrices vs derived ½ − √2/4 (4 SE)",
            f2, float(P2), atol=4 * se2, id="n2_matches_derived")
    p.sweep("fraction of minima / 2⁻ⁿ for n = 2 … 4 (below 0.8: clearly rarer than independent signs)",
            [(f"n = {n}", signs[n][0] / independent(n)) for n in (2, 3, 4)], "<", 0.8,
            id="rarer_than_independent_signs", refutes="eigenvalue signs of a Hessian are independent coins")
    f4, se4 = results[4]
    p.less("n = 4: fraction of random symmetric Hessians that are positive definite", f4, 0.01,
           id="minima_rare_n4", refutes="most critical points in high dimension are local minima")
    p.step("fractions of minima n = 1 … 4: " + ", ".join(f"{results[n][0]:.4g} ± {results[n][1]:.1g}"
                                                         for n in range(1, 5)))
