"""A saturating activation does not prevent exploding gradients: tanh with large weights explodes.

Symbolic: for W with independent zero-mean entries of variance σ_w²/n, sympy takes the
expectation of (∑ᵢ wᵢgᵢ)² term by term (cross terms vanish) and gets σ_w²/n·∑ gᵢ²; with
the ⊙ φ′(z) factor the squared error signal is multiplied per layer by
χ = σ_w²·E[φ′(z)²], z ~ N(0, q*). For tanh φ′ = 1 − tanh² ≤ 1, yet χ is not bounded:
at q* = 0 it is σ_w² (so 1 at σ_w = 1), and deep in saturation
E[sech⁴(√q·u)] ≈ (4/3)/√(2πq) (the 4/3 is ∫ sech⁴, by the substitution t = tanh s), so
with q* ≤ σ_w², χ ≳ 4σ_w/(3√(2π)) ≈ 0.53·σ_w grows without bound.
Numeric: q* and χ by Gauss–Hermite quadrature: χ > 1 already at σ_w = 1.5, and
χ(σ_w = 3) ≈ 1.88 matches the saturated formula. A 30-layer, width-128 tanh net with
weights N(0, 9/n) grows ‖δ_l‖ by the predicted √χ per layer towards the input (over 5
seeds by more than 1000×), and so does a sigmoid net with large weights: its χ passes 1
near σ_w ≈ 10. The counterfactual run (p.myth) plays the misconception's model, where
the bounded φ′ bounds the layer's factor because the weights never amplify (‖W‖₂ = 1):
then nothing explodes.
"""

TITLE = {
    "en": "tanh/sigmoid do not stop exploding gradients: χ = σ_w²·E[φ′(z)²] > 1",
    "zh": "tanh/sigmoid 并不能阻止梯度爆炸：χ = σ_w²·E[φ′(z)²] > 1",
}
CLAIMS = [
    {
        "en": "For i.i.d. zero-mean weights of variance σ_w²/n, E‖(Wᵀδ) ⊙ φ′(z)‖² = χ·‖δ‖² with "
              "χ = σ_w²·E[φ′(z)²] (mean-field, large width).",
        "zh": "若权重独立同分布、均值为零、方差为 σ_w²/n，则 E‖(Wᵀδ) ⊙ φ′(z)‖² = χ·‖δ‖²，"
              "χ = σ_w²·E[φ′(z)²]（平均场、大宽度近似）。",
    },
    {
        "en": "|tanh′| ≤ 1 does not bound χ by 1: for tanh without bias χ > 1 for every σ_w > 1, and in "
              "saturation χ ≳ 0.53·σ_w, growing without bound.",
        "zh": "|tanh′| ≤ 1 并不能保证 χ ≤ 1：无偏置的 tanh 网络只要 σ_w > 1 就有 χ > 1，"
              "饱和时 χ ≳ 0.53·σ_w，可无限增大。",
    },
    {
        "en": "A 30-layer tanh net with σ_w = 3 grows its gradient by √χ ≈ 1.37 per layer towards the input, "
              "as predicted by quadrature.",
        "zh": "σ_w = 3 的 30 层 tanh 网络中，梯度每向输入方向传一层增大 √χ ≈ 1.37 倍，与数值积分的预测一致。",
    },
    {
        "en": "σ′ ≤ ¼ does not protect a sigmoid net either: its χ passes 1 near σ_w ≈ 10 and a 30-layer sigmoid "
              "net with σ_w = 32 explodes.",
        "zh": "σ′ ≤ ¼ 同样保护不了 sigmoid 网络：σ_w ≈ 10 附近 χ 超过 1，σ_w = 32 的 30 层 sigmoid 网络梯度爆炸。",
    },
]


def derive(p):
    import sympy as sp

    n = 4
    w = sp.symbols(f"w1:{n + 1}")
    g = sp.symbols(f"g1:{n + 1}")
    s2 = sp.Symbol("σ_w²", positive=True)
    square = sp.expand(sum(wi * gi for wi, gi in zip(w, g)) ** 2)
    p.step("(∑ᵢ wᵢgᵢ)² expanded (n = 4)", square)

    def expectation(poly_expr):
        # Independent, zero-mean weights: E[wᵢwⱼ] = 0 (i ≠ j), E[wᵢ²] = σ_w²/n.
        poly = sp.Poly(poly_expr, *w)
        total = 0
        for powers, coeff in poly.terms():
            if all(k in (0, 2) for k in powers):
                total += coeff * sp.Mul(*[(s2 / n) if k == 2 else 1 for k in powers])
        return total

    expected = expectation(square)
    p.step("E over the weights: cross terms vanish", expected)
    p.identity("E[(∑ wᵢgᵢ)²] = (σ_w²/n)·∑ gᵢ²", expected, s2 / n * sum(gi ** 2 for gi in g))
    p.step("Summed over the n outputs and times φ′(z)² (independent of the weights in the mean-field "
           "limit): E‖(Wᵀδ) ⊙ φ′‖² = σ_w²·E[φ′²]·‖δ‖²", sp.Symbol("χ") * sp.Symbol("‖δ‖²"))

    s = sp.Symbol("s", real=True)
    p.identity("tanh′ = 1 − tanh² (so |tanh′| ≤ 1)", sp.diff(sp.tanh(s), s), 1 - sp.tanh(s) ** 2)
    sat = _saturated_chi(sp)
    p.step("∫ sech⁴(s) ds over ℝ, substituting t = tanh s", sat["integral"])
    p.identity("∫ sech⁴ = 4/3", sat["integral"], sp.Rational(4, 3))
    sw = sat["sw"]
    # Small signals (q* = 0, the fixed point when σ_w ≤ 1): φ′(0)² = 1, so χ = σ_w², which is 1 at σ_w = 1.
    chi_small = sw ** 2 * sp.diff(sp.tanh(s), s).subs(s, 0) ** 2
    p.identity("q* = 0: χ = σ_w²·tanh′(0)² = σ_w²", chi_small, sw ** 2)
    p.step("Saturated regime: χ ≈ σ_w²·(4/3)/√(2π·q*)", sat["chi_sat"])
    p.holds("χ_sat decreases in q, and q* = σ_w²·E[tanh²] ≤ σ_w²", sp.diff(sat["chi_sat"], sat["q"]).is_negative,
            "∂χ/∂q < 0", "∂χ/∂q < 0")
    p.identity("so χ ≳ χ_sat(q = σ_w²) = 4σ_w / (3√(2π)) ≈ 0.53·σ_w: unbounded in σ_w", sat["bound"],
               4 * sw / (3 * sp.sqrt(2 * sp.pi)))


def _saturated_chi(sp):
    """χ deep in saturation: σ_w²·E[sech⁴(√q·u)] with the Gaussian density flat where sech⁴ lives,
    ∫ sech⁴ computed by the substitution t = tanh s; and its value at q = σ_w² (the bound)."""
    t = sp.Symbol("t", real=True)
    q, sw = sp.symbols("q σ_w", positive=True)
    # ∫ sech⁴ s ds with t = tanh s: sech² s = 1 − t², ds = dt / (1 − t²).
    integral = sp.integrate((1 - t ** 2) ** 2 / (1 - t ** 2), (t, -1, 1))
    chi_sat = sw ** 2 * integral / (sp.sqrt(2 * sp.pi) * sp.sqrt(q))
    return {"integral": integral, "q": q, "sw": sw, "chi_sat": chi_sat, "bound": chi_sat.subs(q, sw ** 2)}


def experiment(p):
    import math

    import numpy as np
    import sympy as sp
    import torch

    sat = _saturated_chi(sp)
    chi_saturated = sp.lambdify((sat["sw"], sat["q"]), sat["chi_sat"])
    chi_bound = sp.lambdify(sat["sw"], sat["bound"])
    u, weights = np.polynomial.hermite_e.hermegauss(81)
    weights = weights / weights.sum()  # E over u ~ N(0, 1)

    def chi_and_q(sw, act="tanh"):
        """Mean-field χ = σ_w²·E[φ′(z)²], z ~ N(0, q*), q* the fixed point of q = σ_w²·E[φ(√q u)²]."""
        phi = np.tanh if act == "tanh" else (lambda v: 1 / (1 + np.exp(-v)))
        q = 1.0
        for _ in range(300):
            q = sw ** 2 * float(np.sum(weights * phi(math.sqrt(q) * u) ** 2))
        a = phi(math.sqrt(q) * u)
        slope = 1 - a ** 2 if act == "tanh" else a * (1 - a)
        return sw ** 2 * float(np.sum(weights * slope ** 2)), q

    p.greater("χ(σ_w = 1.5) by quadrature (> 1: gradients grow)", chi_and_q(1.5)[0], 1.0, id="chi_1_5")
    p.sweep("tanh: χ over σ_w ∈ (1, 20]", [(f"σ_w = {sw:g}", chi_and_q(sw)[0])
                                           for sw in (1.02, 1.05, 1.1, 1.25, 1.5, 2, 3, 5, 10, 20)], ">", 1.0,
            id="chi_above_one_sweep")
    sigma_w = 3.0
    chi, q_star = chi_and_q(sigma_w)
    p.close("χ(σ_w = 3): quadrature vs saturated formula σ_w²(4/3)/√(2πq*)", chi,
            chi_saturated(sigma_w, q_star), rtol=0.05, id="chi_3")
    p.sweep("tanh: χ / (4σ_w/(3√(2π))) over σ_w ∈ [1, 100] (≥ 1: χ ≳ 0.53·σ_w)",
            [(f"σ_w = {sw:g}", chi_and_q(sw)[0] / chi_bound(sw))
             for sw in (1, 1.5, 2, 3, 5, 10, 20, 50, 100)], ">=", 1.0, id="chi_saturated_bound_sweep")
    # Sigmoid: σ′ ≤ ¼ and outputs of mean ½, yet χ also passes 1 once the weights are large enough.
    lo, hi = 1.0, 64.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if chi_and_q(mid, "sigmoid")[0] < 1 else (lo, mid)
    p.holds("sigmoid: σ_w where χ crosses 1 (quadrature; > 1 beyond it)", 4 < hi < 32, hi, "between 4 and 32",
            id="sigmoid_chi_crossing")

    def delta_norms(sw, depth=30, act=torch.tanh, seed=None):
        width, batch = (128, 32) if p.quick else (1024, 256)  # mean field sharpens with width
        gen = torch.Generator().manual_seed(p.seed if seed is None else seed)
        dt, dev = torch.float64, p.device
        h = torch.randn(batch, width, generator=gen, dtype=dt).to(dev).requires_grad_()
        zs = []
        for _ in range(depth):
            W = torch.randn(width, width, generator=gen, dtype=dt).mul(sw / math.sqrt(width)).to(dev)
            if p.myth:
                # The misconception's model: a bounded φ′ bounds each layer's backward factor, as if
                # the weights never amplified (‖W‖₂ = 1).
                W = W / torch.linalg.matrix_norm(W, ord=2)
            z = h @ W.T
            z.retain_grad()
            zs.append(z)
            h = act(z)
        (h * torch.randn(h.shape, generator=gen, dtype=dt).to(dev)).sum().backward()
        return [z.grad.norm().item() for z in zs]

    big, unit = delta_norms(sigma_w), delta_norms(1.0)
    layers = list(range(1, len(big) + 1))
    p.plot("tanh MLP, ‖∂L/∂z_l‖ per layer (layer 1 = input side)",
           {"σ_w = 3 (chaotic: explodes)": (layers, big), "σ_w = 1": (layers, unit)},
           xlabel="layer l", ylabel="‖δ_l‖", logy=True)
    growth = (big[0] / big[-1]) ** (1 / (len(big) - 1))
    p.close("σ_w = 3: measured growth per layer vs √χ", growth, math.sqrt(chi), rtol=0.05, id="growth_per_layer")
    seeds = range(p.seed, p.seed + 5)
    p.sweep("tanh, σ_w = 3: ‖δ₁‖ / ‖δ₃₀‖ over 5 seeds (exploding towards the input)",
            [(f"seed {k}", (lambda n: n[0] / n[-1])(delta_norms(sigma_w, seed=k))) for k in seeds], ">", 1e3,
            id="sigma3_explodes", refutes="tanh′ ≤ 1, so a deep tanh net cannot have exploding gradients")
    p.less("σ_w = 1: ‖δ₁‖ / ‖δ₃₀‖ (no explosion)", unit[0] / unit[-1], 1.0)
    # Normalisation is no guard either: BatchNorm before every ReLU, the same σ_w = 3 weights. BN
    # removes the weight scale from the forward pass, yet the backward product still grows with depth
    # (Yang et al., 2019: BatchNorm itself causes gradient explosion in deep plain nets).
    def bn_relu_growth(seed, depth=30, width=64, batch=64):
        gen = torch.Generator().manual_seed(seed)
        dt, dev = torch.float64, p.device
        h = torch.randn(batch, width, generator=gen, dtype=dt).to(dev)
        zs = []
        for _ in range(depth):
            W = torch.randn(width, width, generator=gen, dtype=dt).mul(sigma_w / math.sqrt(width)).to(dev)
            z = (h @ W.T).requires_grad_() if not zs else h @ W.T
            z.retain_grad()
            zs.append(z)
            h = torch.relu(torch.nn.functional.batch_norm(z, None, None, training=True))
        (h * torch.randn(h.shape, generator=gen, dtype=dt).to(dev)).sum().backward()
        return zs[0].grad.norm().item() / zs[-1].grad.norm().item()

    p.sweep("ReLU + BatchNorm, σ_w = 3: ‖δ₁‖ / ‖δ₃₀‖ over 5 seeds (still exploding)",
            [(f"seed {k}", bn_relu_growth(k)) for k in seeds], ">", 10.0, id="bn_relu_still_grows")
    # Over the same 5 seeds, worst case: one network's growth ranges over an order of magnitude (1e6 … 1e7).
    p.sweep("sigmoid, σ_w = 32: ‖δ₁‖ / ‖δ₃₀‖ over 5 seeds",
            [(f"seed {k}", (lambda n: n[0] / n[-1])(delta_norms(32.0, act=torch.sigmoid, seed=k))) for k in seeds],
            ">", 1e3, id="sigmoid_large_weights_explode",
            refutes="σ′ ≤ ¼, so a sigmoid net cannot have exploding gradients")
