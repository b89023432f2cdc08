"""Early stopping acts like L2: τ steps of gradient descent ≈ ridge with α = 1/(τε).

Symbolic: on a quadratic loss, along an eigen-direction with curvature h,
gradient descent from 0 with step ε solves the recurrence
e_{t+1} = (1 − εh)e_t, giving w_τ = [1 − (1 − εh)^τ]·w*. Ridge with strength α
gives w = h/(h + α)·w*. Matching the two to first order in h yields α = 1/(τε):
stopping after τ steps is like an L2 penalty that weakens as training runs
(Bishop 1995; Goodfellow et al. 2016, §7.8).
Numeric (float64): autograd gradient descent on least squares equals the
eigenbasis closed form; its per-direction shrink factors stay within 0.25 of
ridge's with α = 1/(τε) for every τ; on noisy data the held-out error along
the run has its minimum before the end, and the best stopping time does about
as well as the best ridge.
"""

TITLE = {
    "en": "Early stopping as L2 regularisation (α ≈ 1/(τε))",
    "zh": "早停相当于 L2 正则（α ≈ 1/(τε)）",
}
CLAIMS = [
    {
        "en": "On a quadratic loss, τ gradient-descent steps of size ε from w = 0 shrink the eigen-direction with "
              "curvature h by 1 − (1 − εh)^τ; ridge shrinks it by h/(h + α); the two agree to first order when "
              "α = 1/(τε).",
        "zh": "在二次损失上，从 w = 0 出发、步长 ε 的 τ 步梯度下降把曲率为 h 的特征方向收缩为 1 − (1 − εh)^τ 倍；"
              "岭回归收缩为 h/(h + α) 倍；当 α = 1/(τε) 时二者一阶一致。",
    },
    {
        "en": "On noisy least squares the held-out error along training is U-shaped: stopping at its minimum "
              "regularises about as well as the best ridge penalty.",
        "zh": "在含噪最小二乘上，训练过程中的验证误差呈 U 形：在最低点停止的正则效果与最优岭回归相当。",
    },
]


def derive(p):
    import sympy as sp

    t = sp.symbols("t", integer=True, nonnegative=True)
    tau, eps, h, alpha, w_star = sp.symbols("tau epsilon h alpha w⋆", positive=True)
    e = sp.Function("e")
    sol = sp.rsolve(e(t + 1) - (1 - eps * h) * e(t), e(t), {e(0): -w_star})
    p.step("GD on ½h(w − w*)²: the error e_t = w_t − w* obeys e_{t+1} = (1 − εh)e_t, e_0 = −w*", sol)
    w_gd = sp.expand(w_star + sol.subs(t, tau))
    p.step("So after τ steps", w_gd)
    w = sp.symbols("w")
    w_ridge = sp.solve(sp.diff(h * (w - w_star) ** 2 / 2 + alpha * w**2 / 2, w), w)[0]
    p.step("Ridge: minimise ½h(w − w*)² + (α/2)w²", w_ridge)
    p.step("Equal shrink factors need (1 − εh)^τ = α/(h + α); take logs, expand both sides to first order in h",
           sp.Eq(sp.series(tau * sp.log(1 - eps * h), h, 0, 2).removeO(),
                 sp.series(-sp.log(1 + h / alpha), h, 0, 2).removeO()))
    alpha_sol = sp.solve(sp.Eq(sp.series(tau * sp.log(1 - eps * h), h, 0, 2).removeO(),
                               sp.series(-sp.log(1 + h / alpha), h, 0, 2).removeO()), alpha)[0]
    p.identity("matching penalty α = 1/(τε)", alpha_sol, 1 / (tau * eps))
    gd_small = sp.series(1 - (1 - eps * h) ** tau, h, 0, 2).removeO()
    ridge_small = sp.series((h / (h + alpha)).subs(alpha, alpha_sol), h, 0, 2).removeO()
    p.identity("low-curvature directions (h → 0): both shrink factors ≈ τεh", gd_small, ridge_small,
               shown=sp.Eq(sp.Symbol("shrink"), gd_small))


def experiment(p):
    import numpy as np
    import torch

    rng = np.random.default_rng(p.seed)
    n, d, n_test = 30, 25, 2000
    scales = np.geomspace(3.0, 0.05, d)  # feature scales: curvatures spread over ~3.5 decades
    w_true = rng.standard_normal(d)
    X = rng.standard_normal((n, d)) * scales
    X_test = rng.standard_normal((n_test, d)) * scales
    y = X @ w_true + 1.0 * rng.standard_normal(n)
    y_test = X_test @ w_true + 1.0 * rng.standard_normal(n_test)
    H = X.T @ X
    h, V = np.linalg.eigh(H)
    eps = 1.0 / h.max()
    steps = 3000 if p.quick else 10000
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]

    Xt, yt = torch.tensor(X, device=p.device), torch.tensor(y, device=p.device)
    w = torch.zeros(d, dtype=torch.float64, device=p.device, requires_grad=True)
    test_err, check_at, w_at = [], {10, 100, steps}, {}
    Xs, ys = torch.tensor(X_test, device=p.device), torch.tensor(y_test, device=p.device)
    for step in range(1, steps + 1):
        loss = 0.5 * ((Xt @ w - yt) ** 2).sum()
        w.grad = None
        loss.backward()
        with torch.no_grad():
            w -= eps * w.grad
            test_err.append(float(((Xs @ w - ys) ** 2).mean()))
        if step in check_at:
            w_at[step] = w.detach().cpu().numpy().copy()
    coef = V.T @ (X.T @ y)  # GD filters the eigen-components of the least-squares solution
    worst = 0.0
    for tau in sorted(check_at):
        closed = V @ ((1 - (1 - eps * h) ** tau) / h * coef)
        p.allclose(f"τ = {tau}: autograd GD vs eigenbasis closed form", w_at[tau], closed, rtol=0, atol=1e-9)
        alpha = 1.0 / (tau * eps)
        worst = max(worst, float(np.abs((1 - (1 - eps * h) ** tau) - h / (h + alpha)).max()))
    p.less("max over τ and eigen-directions |GD shrink − ridge shrink (α = 1/(τε))|", worst, 0.25)

    best_step = int(np.argmin(test_err)) + 1
    p.less("held-out error: best step is before the end (index / total)", best_step / steps, 0.9)
    p.greater("held-out error at the end / at the best step (overfitting if > 1)",
              test_err[-1] / min(test_err), 1.2)
    alphas = np.geomspace(1e-3, 1e3, 61)
    ridge_err = [float(np.mean((X_test @ np.linalg.solve(H + a * np.eye(d), X.T @ y) - y_test) ** 2))
                 for a in alphas]
    p.close("best early-stopped held-out error vs best ridge held-out error", min(test_err), min(ridge_err),
            rtol=0.15)
    p.greater("(unregularised least squares is much worse: its held-out error / best ridge)",
              float(np.mean((X_test @ w_ls - y_test) ** 2)) / min(ridge_err), 1.5)
    xs = list(range(1, steps + 1, 10))
    p.plot("held-out MSE along gradient descent",
           {"held-out MSE": (xs, [test_err[i - 1] for i in xs]),
            "best ridge": (xs, [min(ridge_err)] * len(xs))},
           xlabel="step τ", ylabel="MSE", logy=True)
