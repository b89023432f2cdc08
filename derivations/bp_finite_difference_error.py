"""Finite-difference error against the step h: truncation falls with h, round-off grows as 1/h.

Symbolic: Taylor-expand f(x ± h) and read off the truncation error of the forward
difference (h/2·f″) and of the central difference (h²/6·f‴). Add the round-off
model (each evaluation of f carries a relative error ε = 2⁻⁵², so the numerator is
off by about 2ε|f|), minimise the total over h and get h* = 2√(ε|f|/|f″|) ∝ √ε for
the forward difference and h* = (3ε|f|/|f‴|)^(1/3) ∝ ε^(1/3) for the central one.
Numeric: for f = exp at x = 1 in float64, sweep h from 10⁻¹ to 10⁻¹⁵ and measure the
error against the exact derivative (sympy, and autograd, which agree to rounding).
The curve is a V: slope +1 (forward) or +2 (central) on the right, −1 on the left,
minimum near the predicted h*.
"""

TITLE = {
    "en": "Finite differences: the V-shaped error curve and the best step h",
    "zh": "数值微分：V 形误差曲线与最优步长 h",
}
CLAIMS = [
    {
        "en": "Truncation error: forward difference ≈ (h/2)·f″(x), central difference ≈ (h²/6)·f‴(x).",
        "zh": "截断误差：前向差分 ≈ (h/2)·f″(x)，中心差分 ≈ (h²/6)·f‴(x)。",
    },
    {
        "en": "With round-off ≈ 2ε|f|/h (forward) or ε|f|/h (central), the best step is h* = 2√(ε|f|/|f″|) ~ √ε ≈ 1e-8 "
              "(forward) and h* = (3ε|f|/|f‴|)^(1/3) ~ ε^(1/3) ≈ 1e-5 (central).",
        "zh": "舍入误差约为 2ε|f|/h（前向）或 ε|f|/h（中心），最优步长为 h* = 2√(ε|f|/|f″|) ~ √ε ≈ 1e-8（前向）"
              "与 h* = (3ε|f|/|f‴|)^(1/3) ~ ε^(1/3) ≈ 1e-5（中心）。",
    },
    {
        "en": "Measured in float64 the error curve is V-shaped: log-log slope ≈ +1 / +2 on the truncation side, "
              "≈ −1 on the round-off side, and the best achievable error is ≈ 1e-8 (forward) vs ≈ 1e-11 (central).",
        "zh": "float64 中实测误差曲线呈 V 形：截断一侧对数斜率 ≈ +1 / +2，舍入一侧 ≈ −1；"
              "可达到的最小误差约为 1e-8（前向）与 1e-11（中心）。",
    },
]


def derive(p):
    import sympy as sp

    h, eps, F = sp.symbols("h epsilon F", positive=True)  # F = |f(x)|
    f0, f1, f2, f3, f4, f5 = sp.symbols("f f' f'' f''' f'''' f'''''")
    derivs = [f0, f1, f2, f3, f4, f5]

    def taylor(step):  # f(x + step) to fifth order
        return sum(d * step ** k / sp.factorial(k) for k, d in enumerate(derivs))

    forward = (taylor(h) - taylor(0)) / h
    central = (taylor(h) - taylor(-h)) / (2 * h)
    p.step("Forward difference (f(x+h) − f(x))/h − f′, Taylor-expanded", sp.expand(forward - f1))
    p.identity("leading truncation error of the forward difference is h·f″/2",
               sp.expand(forward - f1).coeff(h, 1) * h, h * f2 / 2)
    p.step("Central difference (f(x+h) − f(x−h))/(2h) − f′", sp.expand(central - f1))
    p.identity("the h¹ term cancels; leading error is h²·f‴/6",
               sp.expand(central - f1).coeff(h, 1) * h + sp.expand(central - f1).coeff(h, 2) * h ** 2,
               h ** 2 * f3 / 6)

    opt = _optimal_steps(sp)
    eps, F, M2, M3 = opt["eps"], opt["F"], opt["M2"], opt["M3"]
    p.step("Total error model, forward: truncation + round-off", opt["total_fwd"])
    p.step("d/dh = 0 gives h*", opt["h_fwd"])
    p.identity("h*_forward = 2·√(ε·F/M2)", opt["h_fwd"], 2 * sp.sqrt(eps * F / M2))
    p.step("Error at h*_forward", sp.simplify(opt["total_fwd"].subs(h, opt["h_fwd"])))
    p.step("Total error model, central", opt["total_ctr"])
    p.identity("h*_central = (3·ε·F/M3)^(1/3)", opt["h_ctr"], (3 * eps * F / M3) ** sp.Rational(1, 3))
    e64 = sp.Integer(2) ** -52
    p.step("f = exp at x = 1 (F = M2 = M3 = e), ε = 2⁻⁵²: h*_forward, h*_central",
           sp.Matrix([sp.N(opt["h_fwd"].subs({eps: e64, F: 1, M2: 1}), 3),
                      sp.N(opt["h_ctr"].subs({eps: e64, F: 1, M3: 1}), 3)]))


def _optimal_steps(sp):
    """The error models (truncation + round-off) and the steps h* that minimise them. The truncation
    terms are the leading terms of the Taylor expansions (not typed): f″ and f‴ become their sizes M2, M3."""
    h, eps, F = sp.symbols("h epsilon F", positive=True)  # F = |f(x)|
    M2, M3 = sp.symbols("M2 M3", positive=True)  # |f″|, |f‴|
    derivs = sp.symbols("f f' f'' f''' f'''' f'''''")

    def taylor(step):  # f(x + step) to fifth order
        return sum(d * step ** k / sp.factorial(k) for k, d in enumerate(derivs))

    fwd_err = sp.expand((taylor(h) - taylor(0)) / h - derivs[1])
    ctr_err = sp.expand((taylor(h) - taylor(-h)) / (2 * h) - derivs[1])
    trunc_fwd = (fwd_err.coeff(h, 1) * h).subs(derivs[2], M2)
    trunc_ctr = (ctr_err.coeff(h, 2) * h ** 2).subs(derivs[3], M3)
    # Round-off: each value of f carries ~ε|f|, the difference of two ~2ε|f|, divided by h or 2h.
    total_fwd = trunc_fwd + 2 * eps * F / h
    total_ctr = trunc_ctr + 2 * eps * F / (2 * h)
    h_fwd = next(r for r in sp.solve(sp.diff(total_fwd, h), h, check=False) if r.is_positive)
    h_ctr = next(r for r in sp.solve(sp.diff(total_ctr, h), h, check=False) if r.is_positive)
    return {"h": h, "eps": eps, "F": F, "M2": M2, "M3": M3, "total_fwd": total_fwd, "total_ctr": total_ctr,
            "h_fwd": h_fwd, "h_ctr": h_ctr}


def experiment(p):
    import math

    import numpy as np
    import torch

    x0 = 1.0
    exact = math.exp(x0)  # d/dx exp = exp: the symbolic derivative
    xt = torch.tensor(x0, dtype=torch.float64, device=p.device, requires_grad=True)
    torch.exp(xt).backward()
    p.close("autograd d/dx exp(x) at 1 vs symbolic exp(1)", xt.grad, exact, rtol=2e-16)

    eps = np.finfo(np.float64).eps
    log_h = np.arange(-1.0, -15.01, -0.25)
    hs = 10.0 ** log_h
    err_fwd = np.abs((np.exp(x0 + hs) - np.exp(x0)) / hs - exact)
    err_ctr = np.abs((np.exp(x0 + hs) - np.exp(x0 - hs)) / (2 * hs) - exact)
    err_fwd = np.maximum(err_fwd, 1e-18)  # an exact hit would be log(0)
    err_ctr = np.maximum(err_ctr, 1e-18)
    p.plot("Finite-difference error vs step size, f = exp at x = 1 (float64)",
           {"forward (f(x+h)−f(x))/h": (log_h, err_fwd), "central (f(x+h)−f(x−h))/2h": (log_h, err_ctr)},
           xlabel="log10 h", ylabel="|error|", logy=True)

    def slope(errors, lo, hi):  # least-squares slope of log10 error against log10 h on [lo, hi]
        keep = (log_h >= lo) & (log_h <= hi)
        return np.polyfit(log_h[keep], np.log10(errors[keep]), 1)[0]

    p.close("forward: truncation-side slope (h ∈ [1e-4, 1e-1])", slope(err_fwd, -4, -1), 1.0, atol=0.1)
    p.close("central: truncation-side slope (h ∈ [1e-3, 1e-1])", slope(err_ctr, -3, -1), 2.0, atol=0.1)
    p.close("forward: round-off-side slope (h ∈ [1e-15, 1e-10])", slope(err_fwd, -15, -10), -1.0, atol=0.35)
    p.close("central: round-off-side slope (h ∈ [1e-15, 1e-8])", slope(err_ctr, -15, -8), -1.0, atol=0.35)

    import sympy as sp

    opt = _optimal_steps(sp)
    # The derived optima for f = exp at 1: F = |f″| = |f‴| = e, which cancels.
    at = {opt["eps"]: eps, opt["F"]: exact, opt["M2"]: exact, opt["M3"]: exact}
    h_fwd_pred, h_ctr_pred = float(opt["h_fwd"].subs(at)), float(opt["h_ctr"].subs(at))
    best_err_pred = float(opt["total_fwd"].subs(opt["h"], opt["h_fwd"]).subs(at))
    best_fwd, best_ctr = hs[np.argmin(err_fwd)], hs[np.argmin(err_ctr)]
    # Round-off is erratic, so allow a factor 10 around the predicted optimum.
    p.close("forward: log10 of the best h (predicted log10 2√ε)", math.log10(best_fwd), math.log10(h_fwd_pred),
            atol=1.0)
    p.close("central: log10 of the best h (predicted log10 (3ε)^(1/3))", math.log10(best_ctr),
            math.log10(h_ctr_pred), atol=1.0)
    p.less("forward: best error ≤ 10× the predicted minimum of the error model", err_fwd.min(), 10 * best_err_pred,
           id="best_err_fwd")
    p.less("central: best error < forward's best / 100", err_ctr.min(), err_fwd.min() / 100, id="best_err_ctr")
    p.holds("forward: best h on the grid, within 10× of 2√ε", abs(math.log10(best_fwd / h_fwd_pred)) <= 1,
            best_fwd, h_fwd_pred, id="best_h_fwd")
    p.holds("central: best h on the grid, within 10× of (3ε)^(1/3)", abs(math.log10(best_ctr / h_ctr_pred)) <= 1,
            best_ctr, h_ctr_pred, id="best_h_ctr")
    p.greater("V shape: forward error at h = 1e-15 vs at the best h", err_fwd[-1] / err_fwd.min(), 100)
    p.greater("forward error at h = 1e-15 (smaller h is not better)", err_fwd[-1], 1e3 * err_fwd.min(),
              id="err_fwd_at_1e15")
