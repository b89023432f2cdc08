"""SELU's λ and α are not learned: they are solved for so that N(0, 1) maps to mean 0, variance 1.

Symbolic: for z ~ N(0, 1), sympy integrates selu(z) and selu(z)² against the Gaussian density
(split at 0): E[selu(z)] = λ(1/√(2π) + α(e^(1/2)Φ(−1) − ½)) and
E[selu(z)²] = λ²(½ + α²(e²Φ(−2) − 2e^(1/2)Φ(−1) + ½)).
Setting the mean to 0 fixes α ≈ 1.6733, then the second moment to 1 fixes λ ≈ 1.0507
(Klambauer et al., Self-Normalizing Neural Networks, 2017).

Numeric: the same derived α*, λ* against the constants inside torch.nn.SELU, a Monte Carlo mean
and second moment with standard errors, and a 30-layer net with LeCun-normal weights in
which SELU activations keep mean ≈ 0 and variance ≈ 1 (even from a shifted, scaled
input) while ReLU's variance halves at every layer.
"""

TITLE = {
    "en": "SELU's constants come from a fixed point: mean 0, variance 1",
    "zh": "SELU 的常数来自不动点：均值 0、方差 1",
}
CLAIMS = [
    {
        "en": "E[selu(z)] = 0 and E[selu(z)²] = 1 for z ~ N(0, 1) give α ≈ 1.6733 and λ ≈ 1.0507 — "
              "the fixed constants in torch.nn.SELU, which has no learnable parameters.",
        "zh": "令 z ~ N(0, 1) 时 E[selu(z)] = 0、E[selu(z)²] = 1，解得 α ≈ 1.6733、λ ≈ 1.0507——"
              "正是 torch.nn.SELU 中的固定常数，它没有可学习参数。",
    },
    {
        "en": "With LeCun-normal weights (variance 1/n) SELU activations stay near mean 0, variance 1 "
              "through 30 layers; ReLU's variance halves per layer at that init.",
        "zh": "采用 LeCun 正态初始化（方差 1/n）时，SELU 的激活经过 30 层仍保持均值约 0、方差约 1；"
              "同样初始化下 ReLU 的方差每层减半。",
    },
]


def _fixed_point():
    """Derive SELU's moments from the definition, integrating against the N(0, 1) density.

    Returns (z, λ, α, E[selu], E[selu²], the four Gaussian integrals, α*, λ*): the experiment
    evaluates the same α*, λ* that derive() shows, so a slip in an integrand changes both."""
    import sympy as sp

    z = sp.symbols("z", real=True)
    lam, alpha = sp.symbols("lambda alpha", positive=True)
    phi = sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)
    # selu(z) = λz for z > 0 and λα(eᶻ − 1) for z ≤ 0: split each moment at 0.
    ints = (sp.integrate(z * phi, (z, 0, sp.oo)), sp.integrate(z**2 * phi, (z, 0, sp.oo)),
            sp.integrate((sp.exp(z) - 1) * phi, (z, -sp.oo, 0)),
            sp.integrate((sp.exp(z) - 1) ** 2 * phi, (z, -sp.oo, 0)))
    pos1, pos2, neg1, neg2 = ints
    mean = lam * (pos1 + alpha * neg1)
    second = lam**2 * (pos2 + alpha**2 * neg2)
    alpha_star = sp.solve(sp.Eq(pos1 + alpha * neg1, 0), alpha)[0]
    # second = λ²·m(α) with m free of λ, so second = 1 gives λ = 1/√m(α*).
    lam_star = 1 / sp.sqrt((second / lam**2).subs(alpha, alpha_star))
    return z, lam, alpha, mean, second, ints, alpha_star, lam_star


def derive(p):
    import sympy as sp

    z, lam, alpha, mean, second, ints, alpha_star, lam_star = _fixed_point()
    pos1, pos2, neg1, neg2 = ints
    Phi = lambda t: sp.erfc(-t / sp.sqrt(2)) / 2  # noqa: E731  standard normal CDF
    p.step("E[selu(z)] = λ(∫₀^∞ zφ + α∫₋∞⁰ (eᶻ − 1)φ), z ~ N(0, 1), each integral by sympy", mean)
    p.step("E[selu(z)²] = λ²(∫₀^∞ z²φ + α²∫₋∞⁰ (eᶻ − 1)²φ)", second)
    # Read the integrals in terms of Φ (completing the square: z − z²/2 = ½ − (z − 1)²/2, and
    # 2z − z²/2 = 2 − (z − 2)²/2), as a check on what sympy integrated.
    e1, e2, half = sp.exp(sp.Rational(1, 2)) * Phi(-1), sp.exp(2) * Phi(-2), sp.Rational(1, 2)
    p.identity("∫₀^∞ zφ = φ(0) = 1/√(2π), ∫₀^∞ z²φ = ½", sp.Matrix([pos1, pos2]),
               sp.Matrix([1 / sp.sqrt(2 * sp.pi), half]))
    p.identity("∫₋∞⁰ (eᶻ − 1)φ = e^(1/2)Φ(−1) − ½", neg1.rewrite(sp.erf), (e1 - half).rewrite(sp.erf))
    p.identity("∫₋∞⁰ (eᶻ − 1)²φ = e²Φ(−2) − 2e^(1/2)Φ(−1) + ½", neg2.rewrite(sp.erf),
               (e2 - 2 * e1 + half).rewrite(sp.erf))
    p.step("mean = 0 ⇒ α =", alpha_star)
    p.step("second moment = 1 ⇒ λ = 1/√(E[selu²]/λ²) at α*, numerically", sp.N(lam_star, 20))
    p.close("(sympy) α₀₁ vs Klambauer et al.'s 1.6732632423543772", sp.N(alpha_star, 30),
            1.6732632423543772848170429916717, rtol=1e-14, id="alpha_fixed_point")
    p.close("(sympy) λ₀₁ vs Klambauer et al.'s 1.0507009873554805", sp.N(lam_star, 30),
            1.0507009873554804934193349852946, rtol=1e-14, id="lambda_fixed_point")


def experiment(p):
    import math

    import sympy as sp
    import torch

    f64, dev = torch.float64, p.device
    # The fixed point derive() shows (the same sympy expressions), against torch.nn.SELU's constants.
    *_, alpha_star, lam_star = _fixed_point()
    alpha, lam = float(sp.N(alpha_star, 20)), float(sp.N(lam_star, 20))
    selu = torch.nn.SELU().to(dev)
    probe = selu(torch.tensor([1.0, -60.0], dtype=f64, device=dev))
    p.close("λ from the fixed point vs nn.SELU(1)", lam, probe[0], rtol=1e-12)
    p.close("λα from the fixed point vs −nn.SELU(−60)", lam * alpha, -probe[1], rtol=1e-12)
    counted = selu
    if p.myth:  # the misconception's module: an ELU whose λ and α are trained with the network
        class LearnableELU(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lam = torch.nn.Parameter(torch.tensor(lam))
                self.alpha = torch.nn.Parameter(torch.tensor(alpha))

            def forward(self, x):
                return self.lam * torch.where(x > 0, x, self.alpha * torch.expm1(x))

        counted = LearnableELU()
    p.equal("learnable parameters in nn.SELU", len(list(counted.parameters())), 0, id="selu_has_no_parameters",
            refutes="SELU's λ and α are learned")

    g = torch.Generator().manual_seed(p.seed)
    n = 400_000
    out = selu(torch.randn(n, generator=g, dtype=f64).to(dev))
    se_mean = float(out.std()) / math.sqrt(n)
    se_sq = float((out**2).std()) / math.sqrt(n)
    p.close(f"Monte Carlo E[selu(z)] ± 4 SE (SE = {se_mean:.1e})", out.mean(), 0.0, atol=4 * se_mean)
    p.close(f"Monte Carlo E[selu(z)²] ± 4 SE (SE = {se_sq:.1e})", (out**2).mean(), 1.0, atol=4 * se_sq)

    # Through depth: LeCun-normal weights, no biases.
    width, batch, depth = 128, 512, 30
    weights = [torch.randn(width, width, generator=g, dtype=f64).to(dev) / math.sqrt(width) for _ in range(depth)]
    x0 = torch.randn(batch, width, generator=g, dtype=f64).to(dev)
    curves = {}
    for name, act, start in (("SELU", selu, x0), ("SELU, input 2z + 1", selu, 2 * x0 + 1),
                             ("ReLU", torch.relu, x0)):
        h, var, mean = start, [], []
        for W in weights:
            h = act(h @ W.T)
            var.append(float(h.var()))
            mean.append(float(h.mean()))
        curves[name] = (var, mean)
    sv, sm = curves["SELU"]
    p.sweep("SELU: activation variance, largest over the layers", [(f"layer {i + 1}", v) for i, v in enumerate(sv)],
            "<", 1.2, id="selu_var_max")
    p.sweep("SELU: activation variance, smallest over the layers", [(f"layer {i + 1}", v) for i, v in enumerate(sv)],
            ">", 0.8, id="selu_var_min")
    p.less("SELU: largest |mean| over the layers", max(abs(m) for m in sm), 0.15)
    shifted_var, _ = curves["SELU, input 2z + 1"]
    p.close("SELU from input 2z + 1: variance at layer 30 (attracted back to 1)", shifted_var[-1], 1.0, atol=0.2,
            id="selu_shifted_var_30")
    p.less("ReLU: variance at layer 30 (halves per layer at this init)", curves["ReLU"][0][-1], 1e-6)
    layers = list(range(1, depth + 1))
    p.plot("Activation variance per layer (LeCun-normal weights)",
           {name: (layers, var) for name, (var, _) in curves.items()}, xlabel="layer", ylabel="variance", logy=True)
