"""Mode collapse: against a fixed discriminator the generator's best response is a point mass.

Symbolic: the generator's objective against a fixed D, E_{x∼p_g}[−log D(x)], is LINEAR in p_g;
for p_g = w·δ_{x₁} + (1 − w)·δ_{x₂} its derivative in w is constant, so the optimum sits at an
end (all mass on the x with the larger D): the best response to a fixed D is a point mass at
argmax D — the reason simultaneous/alternating training can collapse and hop between modes
(Goodfellow 2016, §5.1.1). Numeric: data = ½N(−3, 0.5²) + ½N(3, 0.5²); D is the optimal
discriminator against a broad generator N(0, 3²) (computed from the densities); an affine
generator G(z) = a·z + b trained with torch.optim.Adam on the non-saturating loss −log D(G(z))
(lowest objective of three starts) shrinks its spread to a sliver inside ONE mode; the same generator fitted by maximum likelihood
(forward KL) keeps both modes inside its spread. Counterfactual (p.myth): the generator is
trained by maximum likelihood, the objective the myth believes a GAN optimises.
"""

TITLE = {
    "en": "Mode collapse: the generator's best response to a fixed D is a point mass",
    "zh": "模式坍塌：对固定的 D，生成器的最优响应是一个点质量",
}
CLAIMS = [
    {
        "en": "E_{p_g}[−log D] is linear in p_g, so against a fixed D the best generator puts all its mass at argmax D.",
        "zh": "E_{p_g}[−log D] 对 p_g 是线性的，所以对固定的 D，最优生成器把全部质量放在 argmax D 处。",
    },
    {
        "en": "On a two-mode mixture, a generator trained against a fixed D collapses into one mode; a maximum-likelihood fit of the same family spans both.",
        "zh": "在双峰混合分布上，对固定 D 训练的生成器坍塌到一个峰里；同一族模型用最大似然拟合则覆盖两个峰。",
    },
]


def derive(p):
    import sympy as sp

    w, l1, l2 = sp.symbols("w ell1 ell2", real=True)      # ℓ_i = −log D(x_i)
    objective = w * l1 + (1 - w) * l2
    p.step("p_g = w·δ(x₁) + (1 − w)·δ(x₂): E_{p_g}[−log D] =", objective)
    p.identity("∂/∂w E[−log D] = ℓ₁ − ℓ₂: constant in w (the objective is linear)", sp.diff(objective, w), l1 - l2,
               id="objective_linear")
    p.identity("second derivative 0: no interior optimum; the best w is 0 or 1", sp.diff(objective, w, 2), 0)
    values = {l1: sp.Rational(1, 3), l2: 1}               # D(x₁) larger than D(x₂)
    best = min((objective.subs(values).subs(w, v), v) for v in (0, sp.Rational(1, 2), 1))
    p.equal("ℓ₁ = ⅓ < ℓ₂ = 1: best w among {0, ½, 1}", best[1], 1, id="best_is_point_mass")


def experiment(p):
    import math

    import torch

    f64 = torch.float64

    def log_mix(x):
        comps = torch.stack([-0.5 * ((x - m) / 0.5) ** 2 - math.log(0.5 * math.sqrt(2 * math.pi)) for m in (-3.0, 3.0)])
        return torch.logsumexp(comps, 0) + math.log(0.5)

    def log_broad(x):
        return -0.5 * (x / 3.0) ** 2 - math.log(3.0 * math.sqrt(2 * math.pi))

    def log_d(x):                                           # optimal D against the broad generator
        lp, lq = log_mix(x), log_broad(x)
        return lp - torch.logaddexp(lp, lq)

    g = torch.Generator().manual_seed(p.seed)
    data = torch.cat([torch.randn(1000, generator=g, dtype=f64) * 0.5 - 3,
                      torch.randn(1000, generator=g, dtype=f64) * 0.5 + 3]).to(p.device)
    z = torch.randn(2000, generator=g, dtype=f64).to(p.device)

    def fit_from(gan, b0):
        a = torch.tensor(3.0, dtype=f64, device=p.device, requires_grad=True)
        b = torch.tensor(b0, dtype=f64, device=p.device, requires_grad=True)
        opt = torch.optim.Adam([a, b], lr=0.05)
        for _ in range(300):
            opt.zero_grad()
            if gan:
                loss = -log_d(a * z + b).mean()
            else:                                           # maximum likelihood of the data under N(b, a²)
                loss = (0.5 * ((data - b) / a) ** 2 + torch.log(a.abs())).mean()
            loss.backward()
            opt.step()
        return loss.item(), a.abs().item(), b.item()

    def fit(gan):
        # The best response is the minimiser of the objective, so search it from three starts (spread 3, centre
        # 0.3 or ±3) and keep the lowest objective: from the centre alone Adam stops, in about one draw of z in
        # six, at a broad stationary point (|a| ≈ 2.5, objective ≈ 5 against ≈ 0.2 collapsed).
        return min(fit_from(gan, b0) for b0 in (0.3, 3.0, -3.0))[1:]

    a_gan, b_gan = fit(gan=not p.myth)
    a_mle, b_mle = fit(gan=False)
    p.less("generator trained on −log D(G(z)) against a fixed D: spread |a| (data std ≈ 3)", a_gan, 0.5,
           id="fixed_d_collapses", refutes="the generator's best response to D reproduces the data distribution")
    p.greater("its centre |b|: inside one mode (modes at ±3)", abs(b_gan), 2.0, id="collapsed_into_one_mode")
    p.greater("maximum-likelihood fit of the same family: spread |a| (covers both modes)", a_mle, 2.5,
              id="mle_spans_modes")
    p.close("maximum-likelihood spread vs the data's standard deviation", a_mle, data.std(unbiased=False).item(),
            rtol=0.02, id="mle_matches_std")
