"""Momentum in a ravine: GD's rate (κ − 1)/(κ + 1) against heavy ball's (√κ − 1)/(√κ + 1).

Symbolic: on a quadratic with Hessian eigenvalues in [m, L] (κ = L/m), GD's error along an
eigenvector with eigenvalue λ is multiplied by 1 − ηλ each step; the best constant η = 2/(L + m)
gives the rate (κ − 1)/(κ + 1). Heavy-ball momentum turns the recursion into
e_{t+1} = (1 + μ − ηλ)e_t − μe_{t−1}, whose characteristic roots have modulus √μ whenever they
are complex; Polyak's η = 4/(√L + √m)², μ = ((√κ − 1)/(√κ + 1))² keeps them complex (or double)
on all of [m, L], so the rate is (√κ − 1)/(√κ + 1): the dependence on κ becomes √κ.
Numeric: torch.optim.SGD with and without momentum on ½(m·x² + L·y²), κ = 100: the measured
per-step contraction against the two lambdified rates, and the steps needed for a 10⁻⁶ reduction.
"""

TITLE = {
    "en": "Heavy ball in a ravine: rate (√κ − 1)/(√κ + 1) instead of GD's (κ − 1)/(κ + 1)",
    "zh": "峡谷中的重球动量：收敛率 (√κ − 1)/(√κ + 1)，而 GD 是 (κ − 1)/(κ + 1)",
}
CLAIMS = [
    {
        "en": "On a quadratic with condition number κ, the best fixed-step GD contracts the error by (κ − 1)/(κ + 1) "
              "per step; heavy ball with Polyak's η, μ by (√κ − 1)/(√κ + 1).",
        "zh": "条件数为 κ 的二次函数上，最优定步长 GD 每步把误差缩小为 (κ − 1)/(κ + 1) 倍；采用 Polyak 的 η、μ 的"
              "重球法为 (√κ − 1)/(√κ + 1) 倍。",
    },
    {
        "en": "At κ = 100 that is 0.98 against 0.82 per step: asymptotically about ten times fewer steps; for a 10⁻⁶ "
              "reduction the measured saving is smaller (the double roots at m and L add a factor t).",
        "zh": "κ = 100 时每步分别为 0.98 与 0.82：渐近地步数约少十倍；把误差缩小 10⁻⁶ 时实测的节省更少"
              "（m 与 L 处的重根多出一个因子 t）。",
    },
]


def _rates():
    import sympy as sp

    m, L = sp.symbols("m L", positive=True)
    kappa = sp.Symbol("kappa", positive=True)
    eta_gd = 2 / (L + m)
    gd_rate = sp.simplify((1 - eta_gd * m).subs(L, kappa * m))
    eta_hb = 4 / (sp.sqrt(L) + sp.sqrt(m)) ** 2
    mu_hb = ((sp.sqrt(L) - sp.sqrt(m)) / (sp.sqrt(L) + sp.sqrt(m))) ** 2
    return m, L, kappa, eta_gd, gd_rate, eta_hb, mu_hb


def derive(p):
    import sympy as sp

    m, L, kappa, eta_gd, gd_rate, eta_hb, mu_hb = _rates()
    eta, lam, mu, z = sp.symbols("eta lambda mu z")
    p.step("GD along eigenvalue λ: e ← (1 − ηλ)e; with η = 2/(L + m) the factor at λ = m is", gd_rate)
    p.identity("… and at λ = L it is the negative of that: the two extremes balance",
               (1 - eta_gd * L).subs(L, kappa * m), -gd_rate)
    p.identity("GD rate = (κ − 1)/(κ + 1)", gd_rate, (kappa - 1) / (kappa + 1))
    char = z**2 - (1 + mu - eta * lam) * z + mu
    p.step("heavy ball e_{t+1} = (1 + μ − ηλ)e_t − μe_{t−1}: characteristic polynomial", char)
    roots = sp.solve(char, z)
    p.identity("product of the roots = μ, so complex roots both have modulus √μ", sp.expand(roots[0] * roots[1]), mu)
    disc = (1 + mu - eta * lam) ** 2 - 4 * mu
    for name, val in (("m", m), ("L", L)):
        p.identity(f"Polyak's η, μ: the discriminant is 0 at λ = {name} (complex inside [m, L])",
                   sp.simplify(disc.subs({mu: mu_hb, eta: eta_hb, lam: val})), 0)
    hb_rate = (sp.sqrt(kappa) - 1) / (sp.sqrt(kappa) + 1)
    p.identity("heavy-ball rate: μ = ((√κ − 1)/(√κ + 1))², so √μ = (√κ − 1)/(√κ + 1) for κ > 1",
               mu_hb.subs(L, kappa * m), hb_rate**2)


def experiment(p):
    import math

    import sympy as sp
    import torch

    m_s, L_s, kappa_s, eta_gd, gd_rate, eta_hb, mu_hb = _rates()
    m, L = 1.0, 100.0
    values = {m_s: m, L_s: L, kappa_s: L / m}
    gd_expected = float(gd_rate.subs(values))
    hb_expected = float(sp.sqrt(mu_hb).subs(values))
    H = torch.tensor([m, L], dtype=torch.float64, device=p.device)

    def errors(lr, mu, steps):
        w = torch.tensor([1.0, 1.0], dtype=torch.float64, device=p.device, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr, momentum=mu)
        out = []
        for _ in range(steps):
            opt.zero_grad()
            (0.5 * (H * w * w).sum()).backward()
            opt.step()
            out.append(float(w.detach().norm()))
        return out

    T1, T2 = 200, 400
    gd_long = errors(float(eta_gd.subs(values)), 0.0, 800)  # GD needs ~690 steps for 10⁻⁶
    gd = gd_long[:T2]
    hb = errors(float(eta_hb.subs(values)), float(mu_hb.subs(values)), T2)
    gd_measured = (gd[T2 - 1] / gd[T1 - 1]) ** (1 / (T2 - T1))
    hb_measured = (hb[T2 - 1] / hb[T1 - 1]) ** (1 / (T2 - T1))
    p.close("κ = 100, GD with η = 2/(L + m): measured contraction per step vs (κ − 1)/(κ + 1)", gd_measured,
            gd_expected, rtol=1e-6, id="gd_rate")
    # The roots are double at λ = m and λ = L, so the error carries a factor t: ~0.5 % slower between 200 and 400.
    p.close("κ = 100, torch SGD(momentum) with Polyak's η, μ: contraction per step vs (√κ − 1)/(√κ + 1)",
            hb_measured, hb_expected, rtol=0.01, id="heavy_ball_rate")

    def first_below(errs, tol):
        return next((i + 1 for i, e in enumerate(errs) if e < tol * math.sqrt(2)), len(errs) + 1)

    steps_gd, steps_hb = first_below(gd_long, 1e-6), first_below(hb, 1e-6)
    p.equal("steps for a 10⁻⁶ error reduction, GD, vs ⌈ln 10⁻⁶ / ln((κ − 1)/(κ + 1))⌉", steps_gd,
            math.ceil(math.log(1e-6) / math.log(gd_expected)), id="steps_gd")
    p.less("steps for a 10⁻⁶ error reduction, heavy ball", steps_hb, steps_gd, id="steps_hb")
    p.greater("steps(GD) / steps(heavy ball) for a 10⁻⁶ reduction", steps_gd / steps_hb, 5, id="speedup")
