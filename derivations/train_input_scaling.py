"""Min-max normalisation vs z-score standardisation of inputs, and why scaling speeds up GD.

Symbolic: z-scores have mean 0 and variance 1 and are unchanged by any affine change of
units (αx + β, α > 0); min-max maps [min, max] onto [0, 1]; gradient descent on a
quadratic with Hessian eigenvalues λ₁ < λ₂ contracts at best by (κ − 1)/(κ + 1), κ = λ₂/λ₁,
and a feature on scale s contributes a Hessian eigenvalue ∝ s². Numeric: both rescalings
keep the shape of a skewed distribution (skewness unchanged: nothing becomes Gaussian);
one outlier squeezes min-max output the most; least squares by gradient descent on raw
features of scales 1 and 20 needs hundreds of times more steps than on standardised ones,
at exactly the predicted rate; standardised but correlated features keep κ = (1 + ρ)/(1 − ρ).
Counterfactual (p.myth): "standardising" as a Gaussianising rank transform, and as whitening.
"""

TITLE = {
    "en": "Normalisation (min-max) vs standardisation (z-score) of inputs",
    "zh": "输入的归一化（min-max）与标准化（z-score）",
}
CLAIMS = [
    {
        "en": "Min-max maps each feature onto [0, 1]; z-score gives mean 0 and variance 1. Both are "
              "affine, so they change location and scale but not the shape (skewness) of the data.",
        "zh": "min-max 把每个特征映射到 [0, 1]；z-score 得到均值 0、方差 1。两者都是仿射变换，只改变位置和尺度，"
              "不改变分布形状（偏度不变）。",
    },
    {
        "en": "One outlier squeezes the other min-max values into a sliver of [0, 1]; z-scores suffer "
              "less; a median/IQR scaling hardly at all.",
        "zh": "一个离群点会把 min-max 后的其余数据压进 [0, 1] 的一小段；z-score 受影响较小；"
              "用中位数/四分位距缩放几乎不受影响。",
    },
    {
        "en": "Gradient descent on least squares contracts at best by (κ − 1)/(κ + 1) per step, κ the "
              "Hessian's condition number; features on scales 1 and 20 give κ ≈ 400, standardised "
              "ones κ ≈ 1, so scaling cuts the steps by orders of magnitude.",
        "zh": "最小二乘上的梯度下降每步最好只能收缩 (κ − 1)/(κ + 1)，κ 为 Hessian 的条件数；尺度为 1 和 20 "
              "的特征使 κ ≈ 400，标准化后 κ ≈ 1，所需步数相差几个数量级。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x1:4", real=True)
    n = len(x)
    mu = sum(x) / n
    var = sum((xi - mu) ** 2 for xi in x) / n
    sigma = sp.sqrt(var)
    z = [(xi - mu) / sigma for xi in x]
    p.step("z-score of three values: z₁ = (x₁ − μ)/σ =", z[0])
    p.step("∑ z_i = (∑ x_i − 3μ)/σ, and the numerator expands to", sp.expand(sum(x) - n * mu))
    p.identity("mean of the z-scores is 0", sp.expand(sum(x) - n * mu) / sigma / n, 0,
               shown=sp.Eq(sp.Symbol("mean(z)"), 0))
    p.identity("their variance is 1: ∑(x_i − μ)²/(3σ²) = 1", sum(zi**2 for zi in z) / n, 1,
               shown=sp.Eq(sp.Symbol("var(z)"), 1))

    alpha, beta = sp.symbols("alpha beta", positive=True)
    moved = {xi: alpha * xi + beta for xi in x}
    mu_moved = sp.expand(mu.xreplace(moved))
    p.step("Change of units x → αx + β (α > 0): the mean becomes", mu_moved)
    p.identity("the variance becomes α²·var", sp.expand(var.xreplace(moved)), sp.expand(alpha**2 * var),
               shown=sp.Eq(sp.Symbol("var'"), alpha**2 * sp.Symbol("var")))
    p.step("The new centred value αx₁ + β − (αμ + β) factors as", sp.factor(moved[x[0]] - mu_moved))
    p.identity("so z = (αx₁ + β − (αμ + β))/(α·σ) is unchanged",
               sp.factor(moved[x[0]] - mu_moved) / (alpha * sigma), z[0],
               shown=sp.Eq(sp.Symbol("z₁'"), sp.Symbol("z₁")))

    lo, hi, t = sp.symbols("lo hi t", real=True)
    minmax = (t - lo) / (hi - lo)
    p.step("Min-max: m(t) = (t − min)/(max − min)", minmax)
    p.identity("m(min) = 0 and m(max) = 1", sp.Matrix([[minmax.subs(t, lo), sp.cancel(minmax.subs(t, hi))]]),
               sp.Matrix([[0, 1]]))
    p.identity("min-max is unchanged by a change of units too: m(αt + β) with min, max moved alike = m(t)",
               minmax.xreplace({t: alpha * t + beta, lo: alpha * lo + beta, hi: alpha * hi + beta}), minmax,
               shown=sp.Eq(sp.Symbol("m'"), sp.Symbol("m")))

    # Gradient descent on a quadratic: each eigen-direction is multiplied by (1 − ηλ) per step.
    eta, l1, l2 = sp.symbols("eta lambda1 lambda2", positive=True)
    (eta_best,), = sp.linsolve([(1 - eta * l1) - (eta * l2 - 1)], [eta])
    p.step("Best fixed step balances the two directions: 1 − ηλ₁ = ηλ₂ − 1 ⇒ η* =", eta_best)
    rate = sp.factor(1 - eta_best * l1)
    p.step("Contraction per step at η*", rate)
    kappa = sp.Symbol("kappa", positive=True)
    p.identity("= (κ − 1)/(κ + 1) with κ = λ₂/λ₁", rate.subs(l2, kappa * l1), (kappa - 1) / (kappa + 1))
    s1, s2 = sp.symbols("s1 s2", positive=True)
    H = 2 * sp.diag(s1, s2) * sp.eye(2) * sp.diag(s1, s2)
    p.step("MSE Hessian 2·E[x xᵀ] for independent unit-variance features scaled by s₁, s₂", H)
    p.identity("κ = (s₂/s₁)² (s₂ > s₁)", H[1, 1] / H[0, 0], (s2 / s1) ** 2)
    rho = sp.Symbol("rho", positive=True)
    kappa_corr = _kappa_correlated()
    p.step("Standardised but correlated features (correlation ρ > 0): Hessian 2·[[1, ρ], [ρ, 1]], eigenvalues "
           "2(1 ± ρ), so standardising leaves κ =", kappa_corr)
    p.identity("κ = (1 + ρ)/(1 − ρ): 19 at ρ = 0.9 — only uncorrelated features reach κ = 1",
               kappa_corr.subs(rho, sp.Rational(9, 10)), 19)


def _kappa_correlated():
    """Condition number of the MSE Hessian of two standardised features with correlation ρ, derived."""
    import sympy as sp

    rho = sp.Symbol("rho", positive=True)
    eig = sorted(sp.Matrix([[2, 2 * rho], [2 * rho, 2]]).eigenvals(), key=lambda e: e.subs(rho, sp.Rational(1, 2)))
    return sp.simplify(eig[-1] / eig[0])


def _skew(v):
    c = v - v.mean()
    return float((c**3).mean() / (c**2).mean() ** 1.5)


def experiment(p):
    import numpy as np

    rng = np.random.default_rng(p.seed)
    x = rng.exponential(2.0, size=5000) + 3.0
    z = (x - x.mean()) / x.std()
    if p.myth:  # the myth: standardising makes a feature Gaussian (model it as a rank-to-normal map)
        from statistics import NormalDist

        ranks = np.argsort(np.argsort(x)) + 1
        z = np.array([NormalDist().inv_cdf(r / (len(x) + 1)) for r in ranks])
        z = (z - z.mean()) / z.std()
    m = (x - x.min()) / (x.max() - x.min())
    p.less("z-score: |mean|", abs(np.mean(z)), 1e-12)
    p.close("z-score: standard deviation", np.std(z), 1.0, rtol=1e-12)
    p.equal("min-max: (min, max)", [float(m.min()), float(m.max())], [0.0, 1.0])
    p.close("skewness after z-score vs before (shape kept)", _skew(z), _skew(x), rtol=1e-9, id="skew_kept_zscore",
            refutes="standardising makes the data Gaussian")
    p.close("skewness after min-max vs before", _skew(m), _skew(x), rtol=1e-9)
    p.greater("skewness of the standardised exponential data (a Gaussian has 0)", _skew(z), 1.5,
              id="skew_after_zscore", refutes="standardising makes the data Gaussian")

    bulk = rng.normal(size=200)
    data = np.append(bulk, 1000.0)
    mm = (data - data.min()) / (data.max() - data.min())
    zs = (data - data.mean()) / data.std()
    q1, med, q3 = np.percentile(data, [25, 50, 75])
    robust = (data - med) / (q3 - q1)
    p.less("one outlier at 1000: spread (std) of the other 200 values after min-max", mm[:-1].std(), 0.01,
           id="outlier_minmax_std")
    p.less("… after z-score", zs[:-1].std(), 0.1, id="outlier_zscore_std")
    p.greater("… after (x − median)/IQR", robust[:-1].std(), 0.5, id="outlier_robust_std")
    # Those stds are in different units (range, std, IQR). Compare each with the same scaling fitted
    # without the outlier: the fraction of its usual spread that the bulk keeps.
    bq1, bmed, bq3 = np.percentile(bulk, [25, 50, 75])
    usual = {"min-max": (bulk - bulk.min()) / (bulk.max() - bulk.min()), "z-score": (bulk - bulk.mean()) / bulk.std(),
             "median/IQR": (bulk - bmed) / (bq3 - bq1)}
    kept = {"min-max": mm[:-1].std() / usual["min-max"].std(), "z-score": zs[:-1].std() / usual["z-score"].std(),
            "median/IQR": robust[:-1].std() / usual["median/IQR"].std()}
    p.less("one outlier at 1000: the other values' spread after min-max, as a fraction of their spread when "
           "min-max is fitted without it", kept["min-max"], 0.02, id="outlier_minmax_kept")
    p.less("… the same for z-scores (also crushed, by less)", kept["z-score"], 0.05, id="outlier_zscore_kept")
    p.greater("… the same for (x − median)/IQR (barely moved)", kept["median/IQR"], 0.9, id="outlier_robust_kept")

    # Least squares by gradient descent, raw vs standardised features.
    n = 400
    X = rng.normal(size=(n, 2)) * np.array([1.0, 20.0])
    y = X @ np.array([2.0, -0.1]) + 0.1 * rng.normal(size=n)

    def descend(A, b):
        H, c = 2 * A.T @ A / n, 2 * A.T @ b / n       # ∇ MSE(w) = H w − c
        lam = np.linalg.eigvalsh(H)
        eta = 2 / (lam[0] + lam[-1])
        target = np.linalg.lstsq(A, b, rcond=None)[0]  # independent: a direct solver
        w, errors = np.zeros(2), []
        for _ in range(20000):
            errors.append(np.linalg.norm(w - target))
            if errors[-1] <= 1e-8 * np.linalg.norm(target):
                break
            w = w - eta * (H @ w - c)
        return lam[-1] / lam[0], len(errors) - 1, errors

    kappa_raw, steps_raw, err_raw = descend(X, y)
    Z = (X - X.mean(0)) / X.std(0)
    kappa_std, steps_std, _ = descend(Z, y - y.mean())
    p.greater("condition number κ of the raw features' Hessian (scales 1 and 20)", kappa_raw, 250, id="kappa_raw")
    p.less("κ after standardisation (independent features)", kappa_std, 1.3, id="kappa_standardised")
    p.close("raw: measured contraction per step vs (κ − 1)/(κ + 1)", err_raw[-1] / err_raw[-2],
            (kappa_raw - 1) / (kappa_raw + 1), rtol=1e-6, id="raw_contraction")
    p.greater("steps to 1e-8 relative error: raw / standardised", steps_raw / max(steps_std, 1), 100,
              id="steps_ratio")

    # Standardising fixes scales, not correlations: two features with correlation 0.9.
    import sympy as sp

    rho = 0.9
    zc = rng.normal(size=(20000, 2))
    C = np.c_[zc[:, 0], rho * zc[:, 0] + np.sqrt(1 - rho**2) * zc[:, 1]] * np.array([1.0, 20.0])
    Cs = (C - C.mean(0)) / C.std(0)
    if p.myth:  # the myth: standardising also removes correlations (i.e. it whitens)
        evals, evecs = np.linalg.eigh(np.cov(Cs.T, bias=True))
        Cs = Cs @ evecs / np.sqrt(evals)
    lam = np.linalg.eigvalsh(2 * Cs.T @ Cs / len(Cs))
    predicted = float(_kappa_correlated().subs(sp.Symbol("rho", positive=True), rho))
    p.close("correlated features (ρ = 0.9), standardised: κ vs the derived (1 + ρ)/(1 − ρ)", lam[-1] / lam[0],
            predicted, rtol=0.1, id="kappa_correlated_standardised",
            refutes="standardising the inputs always makes the Hessian well conditioned")
