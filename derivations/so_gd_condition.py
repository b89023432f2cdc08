"""Gradient descent depends on the condition number κ; Newton does not.

Symbolic: on a quadratic with Hessian eigenvalues in [m, L], fixed-step GD multiplies the error along
eigenvalue λ by 1 − ηλ. The worst factor max(|1 − ηm|, |1 − ηL|) is smallest when the two are equal,
η* = 2/(L + m), and is then (κ − 1)/(κ + 1) with κ = L/m: reaching a relative error ε takes
⌈ln ε / ln((κ − 1)/(κ + 1))⌉ ≈ (κ/2)·ln(1/ε) steps. Newton's step −H⁻¹g ends at the minimum in
one step whatever κ is (it rescales every eigendirection by 1/λ).
Numeric: torch.optim.SGD with lr = η* on ½(m·x² + L·y²) for κ = 1 … 10⁴: the measured contraction
per step (κ = 10 … 10⁴) and the steps to 10⁻⁶ (κ = 10, 100) against the lambdified formulas; one Newton step (autograd Hessian) on
each of them.
"""

TITLE = {
    "en": "GD's rate (κ − 1)/(κ + 1) gets worse with the condition number; Newton's one step does not",
    "zh": "GD 的收敛率 (κ − 1)/(κ + 1) 随条件数变差；牛顿法一步到位，与 κ 无关",
}
CLAIMS = [
    {
        "en": "The best fixed step for GD on a quadratic is η = 2/(L + m), contracting the error by (κ − 1)/(κ + 1) "
              "per step: about (κ/2)·ln(1/ε) steps to reach ε.",
        "zh": "二次函数上 GD 的最优定步长为 η = 2/(L + m)，每步把误差缩小为 (κ − 1)/(κ + 1)：达到精度 ε 约需 "
              "(κ/2)·ln(1/ε) 步。",
    },
    {
        "en": "Newton's method reaches the minimum of the same quadratic in one step for every κ.",
        "zh": "对同一个二次函数，牛顿法对任何 κ 都一步到达极小值。",
    },
]

KAPPAS = (1.0, 10.0, 100.0, 1000.0, 10000.0)
EPS = 1e-6


def _formulas():
    import sympy as sp

    m, L, eta, kappa = sp.symbols("m L eta kappa", positive=True)
    eta_star = sp.solve(sp.Eq(1 - eta * m, -(1 - eta * L)), eta)[0]
    rate = sp.simplify((1 - eta_star * m).subs(L, kappa * m))
    return m, L, eta, kappa, eta_star, rate


def derive(p):
    import sympy as sp

    m, L, eta, kappa, eta_star, rate = _formulas()
    p.step("GD on eigenvalue λ: e ← (1 − ηλ)e; balance the extremes 1 − ηm = −(1 − ηL):", sp.Eq(eta, eta_star))
    p.identity("η* = 2/(L + m)", eta_star, 2 / (L + m))
    p.identity("rate at η*: 1 − η*m = (κ − 1)/(κ + 1)", rate, (kappa - 1) / (kappa + 1), id="rate_formula")
    d = sp.Symbol("d", positive=True)
    p.holds("a larger step is worse: at η* + d the worst of |1 − ηm|, |1 − ηL| grows (checked at κ = 10, d = 0.01/m)",
            bool(sp.Max(sp.Abs(1 - (eta_star + d) * m), sp.Abs(1 - (eta_star + d) * L)).subs(
                {L: 10 * m, d: sp.Rational(1, 100) / m}) > rate.subs(kappa, 10)))
    steps = sp.log(1 / sp.Symbol("epsilon", positive=True)) / -sp.log(rate)
    p.step("steps to relative error ε: ln(1/ε)/ln((κ + 1)/(κ − 1))", steps)
    p.identity("for large κ: ln((κ + 1)/(κ − 1)) = 2/κ + O(κ⁻³), so steps ≈ (κ/2)·ln(1/ε)",
               sp.series(-sp.log(rate), kappa, sp.oo, 3).removeO(), 2 / kappa)


def experiment(p):
    import math

    import sympy as sp
    import torch

    m_s, L_s, eta, kappa_s, eta_star, rate = _formulas()
    lr_of = sp.lambdify((m_s, L_s), eta_star)
    rate_of = sp.lambdify(kappa_s, rate)
    measured_rates, gd_steps, newton_errors = [], [], []
    for kappa in KAPPAS:
        h = torch.tensor([1.0, kappa], dtype=torch.float64, device=p.device)
        lr = lr_of(1.0, kappa)
        if p.myth:  # the myth: "GD's speed does not depend on conditioning" — use a per-coordinate 1/λ step
            lr = 1.0
            h_pre = h
        w = torch.ones(2, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        errs, steps = [1.0], None
        limit = 2000 if kappa <= 100 else 3  # beyond κ = 100: only the per-step rate (2 steps suffice)
        for t in range(1, limit):
            opt.zero_grad()
            (0.5 * (h * w * w).sum()).backward()
            if p.myth:
                w.grad /= h_pre
            opt.step()
            errs.append(float(w.detach().abs().max()))
            if errs[-1] <= EPS:
                steps = t
                break
        measured_rates.append(errs[1] / errs[0])
        gd_steps.append((kappa, steps))
        w0 = torch.ones(2, dtype=torch.float64, device=p.device, requires_grad=True)
        fun = lambda v, h=h: 0.5 * (h * v * v).sum()  # noqa: E731
        (g,) = torch.autograd.grad(fun(w0), w0)
        H = torch.autograd.functional.hessian(fun, w0.detach())
        newton_errors.append((kappa, float((w0.detach() - torch.linalg.solve(H, g)).abs().max())))
    rates = dict(zip(KAPPAS, measured_rates))
    steps_at = dict(gd_steps)

    def rate_row(kappa, **row):
        p.close(f"κ = {kappa:g}: measured contraction per step of torch.optim.SGD(lr = 2/(L + m)) vs (κ − 1)/(κ + 1)",
                rates[kappa], rate_of(kappa), rtol=1e-9, **row)

    def steps_row(kappa, **row):
        p.close(f"κ = {kappa:g}: steps to 1e-6 vs ⌈ln(1/ε)/ln((κ + 1)/(κ − 1))⌉", steps_at[kappa],
                math.ceil(math.log(1 / EPS) / -math.log(rate_of(kappa))), atol=1,
                refutes="gradient descent's speed does not depend on the conditioning", **row)

    rate_row(10.0, id="rate_kappa_10")
    rate_row(100.0, id="rate_kappa_100")
    rate_row(1000.0, id="rate_kappa_1000")
    rate_row(10000.0, id="rate_kappa_10000")
    steps_row(10.0, id="steps_kappa_10")
    steps_row(100.0, id="steps_kappa_100")
    p.sweep("one Newton step: max error over κ = 1 … 1e4", [(f"κ = {k:g}", e) for k, e in newton_errors], "<=",
            1e-12, id="newton_one_step_all_kappa")
