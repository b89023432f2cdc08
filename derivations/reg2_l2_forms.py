"""Squared vs unsquared L2 penalty, and why biases are usually not decayed.

Symbolic: ∇(λ/2)‖w‖² = λw, a pull proportional to w that fades near 0; ∇λ‖w‖ = λw/‖w‖, a pull of
constant size λ. Minimising ½‖w − a‖² plus each: the squared penalty gives w = a/(1 + λ), never 0
for a ≠ 0; the unsquared one gives w = a·max(0, 1 − λ/‖a‖) — the whole vector is exactly 0 once
‖a‖ ≤ λ (the group-lasso effect, Yuan & Lin 2006). Bias: for a linear model on centred inputs,
decaying the bias by λ makes b* = ȳ/(1 + λ) instead of ȳ, so every prediction is pulled towards 0 by
ȳλ/(1 + λ) — a pure underfit, while b adds no input-dependent flexibility to curb. Numeric: the
penalties' gradients by autograd over ‖w‖ = 1e-3 … 1e3; both minimisers by torch.optim; full-batch
SGD with weight_decay on (weights) vs (weights and bias) against the derived b*.
"""

TITLE = {
    "en": "Squared vs unsquared L2 penalty; why biases are usually not decayed",
    "zh": "平方与不平方的 L2 惩罚；为什么通常不对偏置做权重衰减",
}
CLAIMS = [
    {"en": "λ/2‖w‖² pulls with λw (fades near 0, minimiser a/(1 + λ), never exactly 0); λ‖w‖ pulls with "
           "constant size λ and sets the whole vector to exactly 0 when ‖a‖ ≤ λ.",
     "zh": "λ/2‖w‖² 的拉力为 λw（接近 0 时消失，极小点 a/(1 + λ)，永不恰为 0）；λ‖w‖ 的拉力大小恒为 λ，"
           "‖a‖ ≤ λ 时整个向量恰为 0。"},
    {"en": "Decaying the bias of a linear model on centred inputs gives b* = ȳ/(1 + λ): predictions are pulled "
           "towards 0 for nothing in return.",
     "zh": "对中心化输入的线性模型衰减偏置得到 b* = ȳ/(1 + λ)：预测被拉向 0，却换不来任何好处。"},
]


def _minimisers():
    import sympy as sp

    t, a, lam = sp.symbols("t a lambda", positive=True)
    # along the direction of a (the minimiser is parallel to a): objective in the length t ≥ 0
    squared = sp.solve(sp.diff((t - a) ** 2 / 2 + lam * t ** 2 / 2, t), t)[0]
    unsquared = sp.solve(sp.diff((t - a) ** 2 / 2 + lam * t, t), t)[0]
    return sp, t, a, lam, squared, unsquared


def derive(p):
    sp, t, a, lam, squared, unsquared = _minimisers()
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    norm = sp.sqrt((w.T * w)[0])
    g_sq = sp.Matrix([sp.diff(lam * norm ** 2 / 2, wi) for wi in w])
    g_un = sp.Matrix([sp.diff(lam * norm, wi) for wi in w])
    p.identity("∇(λ/2)‖w‖² = λw", g_sq, lam * w)
    p.identity("‖∇λ‖w‖‖ = λ, whatever ‖w‖", sp.sqrt((g_un.T * g_un)[0]), lam)
    p.step("½(t − ‖a‖)² + (λ/2)t²: stationary length", squared)
    p.step("½(t − ‖a‖)² + λt (t > 0): stationary length ‖a‖ − λ, admissible only if ‖a‖ > λ", unsquared)
    # at t = 0 the unsquared objective's one-sided slope is λ − ‖a‖ ≥ 0 when ‖a‖ ≤ λ: 0 is the minimum
    slope0 = sp.diff((t - a) ** 2 / 2 + lam * t, t).subs(t, 0)
    p.identity("slope at t = 0⁺ is λ − ‖a‖ (≥ 0 ⇔ ‖a‖ ≤ λ ⇒ w* = 0)", slope0, lam - a)

    n = 5
    x = sp.symbols(f"x1:{n + 1}")
    y = sp.symbols(f"y1:{n + 1}")
    wv, b = sp.symbols("w b")
    xc = [xi - sum(x) / n for xi in x]  # centred inputs
    loss = sum((yi - wv * xi - b) ** 2 for xi, yi in zip(xc, y)) / (2 * n) + lam * b ** 2 / 2
    b_star = sp.solve(sp.diff(loss, b), b)[0]
    p.identity("bias decayed by λ, centred x: b* = ȳ/(1 + λ)", b_star, (sum(y) / n) / (1 + lam))


def experiment(p):
    import sympy as sp
    import torch

    _, _, a_s, lam_s, squared_s, _ = _minimisers()
    squared_f = sp.lambdify([a_s, lam_s], squared_s, "math")
    dt = torch.float64
    gen = torch.Generator().manual_seed(p.seed)

    lam = 0.5
    cases_un, cases_sq = [], []
    for scale in (1e-3, 1e-1, 1.0, 1e1, 1e3):
        w = (torch.randn(5, generator=gen, dtype=dt) * scale).requires_grad_(True)
        (g_un,) = torch.autograd.grad(lam * w.norm(), w)
        (g_sq,) = torch.autograd.grad(lam / 2 * w.pow(2).sum(), w)
        cases_un.append((f"‖w‖ ≈ {scale:g}", abs(float(g_un.norm()) - lam)))
        cases_sq.append((f"‖w‖ ≈ {scale:g}", abs(float(g_sq.norm() / (lam * w.detach().norm())) - 1)))
    p.sweep("|‖∇λ‖w‖‖ − λ| over ‖w‖ ≈ 1e-3 … 1e3", cases_un, "<", 1e-12, id="unsquared_constant_pull")
    p.sweep("|‖∇(λ/2)‖w‖²‖ / (λ‖w‖) − 1| over the same", cases_sq, "<", 1e-12, id="squared_proportional_pull")

    def minimise(a, penalty, steps, lr, decay=1.0):
        """(Sub)gradient descent by autograd; a decaying step lets the non-smooth λ‖w‖ settle at 0."""
        w = torch.zeros_like(a).add_(0.01).requires_grad_(True)
        for it in range(steps):
            (grad,) = torch.autograd.grad(0.5 * (w - a).pow(2).sum() + penalty(w), w)
            with torch.no_grad():
                w -= lr * decay ** it * grad
        return w.detach()

    unsquared = (lambda w: lam * w.norm()) if not p.myth else (lambda w: lam / 2 * w.pow(2).sum())
    a_small = torch.tensor([0.2, -0.3, 0.1], dtype=dt)  # ‖a‖ ≈ 0.37 < λ
    w_un = minimise(a_small, unsquared, 400, 0.1, 0.98)
    p.less("‖a‖ < λ: ‖w*‖ under λ‖w‖ (subgradient descent, 400 decaying steps)", w_un.norm(), 1e-3, id="unsquared_zeroes",
           refutes="λ‖w‖ and (λ/2)‖w‖² shrink the same way")
    w_sq = minimise(a_small, lambda w: lam / 2 * w.pow(2).sum(), 100, 0.5)
    p.close("‖a‖ < λ: ‖w*‖ under (λ/2)‖w‖² vs derived ‖a‖/(1 + λ)", w_sq.norm(),
            squared_f(float(a_small.norm()), lam), rtol=1e-6, id="squared_shrinks_not_zero")

    # bias decay: full-batch SGD to convergence, with and without weight_decay on the bias
    n, lam_b = 64, 0.1
    x = torch.randn(n, 1, generator=gen, dtype=dt)
    x = x - x.mean()
    y = 3.0 + 2.0 * x[:, 0] + 0.1 * torch.randn(n, generator=gen, dtype=dt)
    results = {}
    for decay_bias in (False, True):
        model = torch.nn.Linear(1, 1, dtype=dt)
        groups = [{"params": [model.weight], "weight_decay": lam_b},
                  {"params": [model.bias], "weight_decay": lam_b if decay_bias else 0.0}]
        opt = torch.optim.SGD(groups, lr=0.5)
        for _ in range(150):
            opt.zero_grad()
            (0.5 * (model(x)[:, 0] - y).pow(2).mean()).backward()
            opt.step()
        with torch.no_grad():
            results[decay_bias] = (float(model.bias), float((y - model(x)[:, 0]).mean()))
    ybar = float(y.mean())
    p.close("bias decayed: b* vs derived ȳ/(1 + λ)", results[True][0], ybar / (1 + lam_b), rtol=1e-9,
            id="decayed_bias_formula")
    p.less("bias not decayed: |mean residual|", abs(results[False][1]), 1e-9, id="undecayed_bias_unbiased")
    p.close("bias decayed: mean residual vs ȳλ/(1 + λ)", results[True][1], ybar * lam_b / (1 + lam_b), rtol=1e-9,
            id="decayed_bias_offset")
