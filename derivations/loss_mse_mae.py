"""MSE vs MAE: the gradient grows with the residual, or has constant size — and what that does to outliers.

Symbolic: ∂(ŷ − y)²/∂ŷ = 2(ŷ − y) but ∂|ŷ − y|/∂ŷ = sign(ŷ − y); Huber's is the residual
clipped to [−δ, δ]. Fitting one constant c: the squared error is minimised by the mean,
which moves by 1/n for every unit an observation moves (unbounded influence); the
absolute error's slope is #(yᵢ < c) − #(yᵢ > c), zero at the median, whatever the
largest observation is.

Numeric: autograd through F.mse_loss, F.l1_loss, F.huber_loss against the closed forms
(PyTorch's 'mean' reduction divides by N); a brute-force search for the best constant
against mean and median, on clean data and with one outlier of 1000.
"""

TITLE = {
    "en": "MSE vs MAE (and Huber): gradients and robustness to outliers",
    "zh": "MSE 与 MAE（及 Huber）：梯度与对离群点的鲁棒性",
}
CLAIMS = [
    {
        "en": "∂MSE/∂ŷ = 2(ŷ − y)/N grows with the residual; ∂MAE/∂ŷ = sign(ŷ − y)/N does not; "
              "Huber clips the residual at ±δ.",
        "zh": "∂MSE/∂ŷ = 2(ŷ − y)/N 随残差增大；∂MAE/∂ŷ = sign(ŷ − y)/N 不随残差增大；Huber 把残差截断在 ±δ。",
    },
    {
        "en": "The best constant under MSE is the mean, under MAE the median.",
        "zh": "MSE 下最优常数预测是均值，MAE 下是中位数。",
    },
    {
        "en": "One outlier at 1000 among 101 points moves the MSE fit by about 10 and the MAE fit by at most one step, "
              "to the neighbouring order statistic (not at all if the replaced point lay above the median).",
        "zh": "101 个点中加入一个值为 1000 的离群点，MSE 拟合移动约 10，MAE 拟合最多移动一步，到相邻的顺序统计量"
              "（被替换的点在中位数之上时不动）。",
    },
]


def derive(p):
    import sympy as sp

    yhat, y, c = sp.symbols("yhat y c", real=True)
    r = yhat - y
    p.identity("∂(ŷ − y)²/∂ŷ = 2(ŷ − y)", sp.diff(r**2, yhat), 2 * r)
    p.identity("∂|ŷ − y|/∂ŷ = sign(ŷ − y)", sp.diff(sp.Abs(r), yhat), sp.sign(r))
    u = sp.symbols("u", positive=True)
    d = sp.symbols("delta", positive=True)
    huber = sp.Piecewise((r**2 / 2, sp.Abs(r) <= d), (d * (sp.Abs(r) - d / 2), True))
    p.step("Huber loss with threshold δ", huber)
    p.identity("inside |r| ≤ δ its slope is r itself", sp.diff(r**2 / 2, yhat), r)
    d_outer = sp.diff(d * (sp.Abs(r) - d / 2), yhat)
    p.identity("beyond, at r = δ + u, the slope is δ: the residual clipped at ±δ", d_outer.subs(yhat, y + d + u), d)

    f = sp.symbols("f", real=True)
    b = sp.symbols("b", positive=True)
    laplace = sp.exp(-sp.Abs(y - f) / b) / (2 * b)
    gauss = sp.exp(-((y - f) ** 2) / 2) / sp.sqrt(2 * sp.pi)
    p.identity("−log Laplace(y | f, b) = |y − f|/b + log 2b: MAE is a Laplace likelihood",
               sp.expand_log(-sp.log(laplace), force=True), sp.expand_log(sp.Abs(y - f) / b + sp.log(2 * b), force=True))
    p.identity("−log N(y | f, 1) = ½(y − f)² + ½·log 2π: MSE is a Gaussian likelihood",
               sp.expand(sp.expand_log(-sp.log(gauss), force=True)),
               sp.expand((y - f) ** 2 / 2 + sp.log(2 * sp.pi) / 2))

    ys = sp.symbols("y1:6", real=True)
    sse = sum((yi - c) ** 2 for yi in ys)
    c_mse = sp.solve(sp.diff(sse, c), c)[0]
    p.identity("argmin_c Σ(yᵢ − c)² = mean", c_mse, sum(ys) / 5)
    p.identity("influence of one observation on the MSE fit: ∂c*/∂y₅ = 1/n, so it moves without bound",
               sp.diff(c_mse, ys[4]), sp.Rational(1, 5))

    t = sp.symbols("t", positive=True)
    data = [1, 2, 3, 4, 4 + t]  # the last one can be as large as we like
    sae = sum(sp.Abs(yi - c) for yi in data)
    slope = sp.diff(sae, c)
    p.step("Σ|yᵢ − c| for data 1, 2, 3, 4, 4 + t (t > 0); its slope in c", slope)
    p.identity("slope just left of the median (c = 5/2) is −1, whatever t",
               slope.subs(c, sp.Rational(5, 2)), -1)
    p.identity("slope just right of the median (c = 7/2) is +1, whatever t",
               slope.subs(c, sp.Rational(7, 2)), 1)


def experiment(p):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    N = 200
    target = torch.randn(N, generator=g, dtype=f64).to(dev)
    pred = (torch.randn(N, generator=g, dtype=f64) * 3).to(dev)
    pred[:5] = target[:5]  # a few exact hits, where |r| has a kink
    r = pred - target
    grads = {}
    for name, fn, closed in (
        ("F.mse_loss", F.mse_loss, 2 * r / N),
        ("F.l1_loss", F.l1_loss, torch.sign(r) / N),
        ("F.huber_loss(δ = 1)", lambda a, b: F.huber_loss(a, b, delta=1.0), r.clamp(-1, 1) / N),
    ):
        x = pred.clone().requires_grad_()
        (grads[name],) = torch.autograd.grad(fn(x, target), x)
        p.allclose(f"autograd of {name} (mean) vs closed form", grads[name], closed, rtol=1e-12, atol=1e-16)
    p.equal("F.l1_loss gradient where ŷ = y exactly (PyTorch takes sign(0) = 0)",
            float(grads["F.l1_loss"][:5].abs().max()), 0.0)

    clean = torch.randn(101, generator=g, dtype=f64).to(dev)
    dirty = clean.clone()
    dirty[0] = 1000.0
    def best(data, loss):
        """Brute force: a grid of step 1e-3 over [−3, 15], then one of step 1e-6 around its best point."""
        grid = torch.linspace(-3, 15, 18_001, dtype=f64, device=dev)
        for _ in range(2):
            values = loss(grid[None, :] - data[:, None]).sum(0)
            centre = grid[values.argmin()]
            grid = torch.linspace(-1e-3, 1e-3, 2001, dtype=f64, device=dev) + centre
        return float(centre)

    fits = {}
    for label, data in (("clean", clean), ("outlier", dirty)):
        fits[label, "mse"] = best(data, lambda e: e**2)
        fits[label, "mae"] = best(data, lambda e: e.abs())
        p.close(f"{label}: brute-force argmin of Σ(yᵢ − c)² vs mean", fits[label, "mse"], data.mean(), atol=2e-6)
        p.close(f"{label}: brute-force argmin of Σ|yᵢ − c| vs median", fits[label, "mae"], data.median(), atol=2e-6)
    p.close("shift of the MSE fit caused by the outlier vs (1000 − y₀)/101",
            fits["outlier", "mse"] - fits["clean", "mse"], float(1000 - clean[0]) / 101, atol=5e-6,
            id="mse_outlier_shift")
    # The median moves by at most one gap between order statistics: to the next one up if the replaced point lay
    # at or below it, not at all otherwise. (The gap itself is random, ≈ 0.025 on average, above 0.05 in about
    # one draw in eight.)
    order = torch.sort(clean).values
    step_up = float(order[51] - order[50]) if bool(clean[0] <= order[50]) else 0.0
    mae_shift = fits["outlier", "mae"] - fits["clean", "mae"]
    p.close("shift of the MAE fit caused by the outlier vs the gap to the next order statistic (or 0)",
            mae_shift, step_up, atol=5e-6, id="mae_outlier_shift")
    p.less("… as a share of the MSE fit's shift", abs(mae_shift) / (fits["outlier", "mse"] - fits["clean", "mse"]),
           0.02, id="mae_over_mse_shift")

    res = torch.linspace(-4, 4, 161, dtype=f64).tolist()
    p.plot("Gradient of the loss against the residual ŷ − y",
           {"MSE 2r": (res, [2 * v for v in res]), "MAE sign(r)": (res, [(v > 0) - (v < 0) for v in res]),
            "Huber δ=1": (res, [max(-1.0, min(1.0, v)) for v in res])}, xlabel="residual", ylabel="∂loss/∂ŷ")
