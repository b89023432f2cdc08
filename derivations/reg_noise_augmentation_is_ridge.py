"""Augmenting inputs with Gaussian noise is L2 regularisation in disguise (for a linear model).

Symbolic: expand E_ε[(y − (x + ε)ᵀw)²] for ε ~ N(0, σ²I) using E[ε] = 0 and
E[εεᵀ] = σ²I: the cross term vanishes and the noise adds exactly σ²‖w‖².
Summed over n samples, ½Σ(…)² gains ½·nσ²‖w‖²: ridge with α = nσ²
(Bishop 1995, "Training with noise is equivalent to Tikhonov regularization").
Numeric (float64): Monte Carlo of the noisy loss at a fixed w agrees with the
closed form within 4 standard errors; least squares on K noisy copies of the
data lands on the ridge solution with α = nσ², far closer than to the
unregularised fit.
"""

TITLE = {
    "en": "Input-noise augmentation = ridge (α = nσ²) for a linear model",
    "zh": "输入加噪声的数据增强 = 岭回归（α = nσ²，线性模型）",
}
CLAIMS = [
    {
        "en": "For a linear model, E_ε[(y − (x + ε)ᵀw)²] = (y − xᵀw)² + σ²‖w‖² when ε ~ N(0, σ²I): training on "
              "noise-augmented inputs minimises the squared loss plus an L2 penalty.",
        "zh": "对线性模型，若 ε ~ N(0, σ²I)，则 E_ε[(y − (x + ε)ᵀw)²] = (y − xᵀw)² + σ²‖w‖²："
              "在加噪声的输入上训练等于最小化平方损失加 L2 惩罚。",
    },
    {
        "en": "Least squares on many noisy copies of the data converges to the ridge solution with α = nσ².",
        "zh": "在大量加噪副本上做最小二乘，解收敛到 α = nσ² 的岭回归解。",
    },
]


def _derivation():
    """E over the noise of one sample's squared error, and the ridge strength it amounts to over n samples."""
    import sympy as sp

    y, sigma = sp.symbols("y sigma", real=True)
    x = sp.symbols("x_1 x_2", real=True)
    w = sp.symbols("w_1 w_2", real=True)
    e = sp.symbols("epsilon_1 epsilon_2", real=True)
    noisy = sp.expand((y - sum((xi + ei) * wi for xi, ei, wi in zip(x, e, w))) ** 2)
    # E over independent zero-mean ε_i with E[ε_i²] = σ²: map each monomial in ε to its moment.
    moments = {(0, 0): 1, (1, 0): 0, (0, 1): 0, (1, 1): 0, (2, 0): sigma**2, (0, 2): sigma**2}
    expected = sp.expand(sum(coeff * moments[powers] for powers, coeff in sp.Poly(noisy, *e).terms()))
    clean = (y - sum(xi * wi for xi, wi in zip(x, w))) ** 2
    extra = sp.factor(expected - sp.expand(clean))  # what the noise adds to one sample's error
    n, alpha = sp.symbols("n alpha", positive=True)
    # n samples each gain `extra`; ridge adds α‖w‖² to the summed error Σ(y − xᵀw)².
    alpha_sol = sp.solve(sp.Eq(n * extra, alpha * (w[0] ** 2 + w[1] ** 2)), alpha)[0]
    return dict(noisy=noisy, expected=expected, clean=clean, extra=extra, w=w, sigma=sigma, n=n, alpha=alpha_sol)


def derive(p):
    r = _derivation()
    w, sigma, n = r["w"], r["sigma"], r["n"]
    p.step("Squared error on a noisy input x + ε (two features)", r["noisy"])
    p.step("Take E over ε: E[ε_i] = 0, E[ε_1ε_2] = 0, E[ε_i²] = σ²", r["expected"])
    p.step("What the noise adds to one sample's error: E[noisy error] − clean error", r["extra"])
    p.identity("E[noisy error] = clean error + σ²‖w‖²", r["expected"], r["clean"] + sigma**2 * (w[0] ** 2 + w[1] ** 2))
    p.step("Summed over n samples this is Σ(y − xᵀw)² + n·(added term); set it equal to the ridge objective "
           "Σ(y − xᵀw)² + α‖w‖² and solve for α", r["alpha"])
    p.identity("equivalent ridge strength α = nσ²", r["alpha"], n * sigma**2)


def experiment(p):
    import math

    import sympy as sp
    import torch

    r = _derivation()
    alpha_of = sp.lambdify((r["n"], r["sigma"]), r["alpha"])  # the derived ridge strength
    g = torch.Generator().manual_seed(p.seed)
    n, d, sigma = 40, 5, 0.5
    copies = 400 if p.quick else 20000
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = X @ torch.randn(d, generator=g, dtype=torch.float64) + 0.3 * torch.randn(n, generator=g, dtype=torch.float64)
    w_fixed = torch.randn(d, generator=g, dtype=torch.float64)
    noise = sigma * torch.randn(copies, n, d, generator=g, dtype=torch.float64)
    X, y, w_fixed, noise = X.to(p.device), y.to(p.device), w_fixed.to(p.device), noise.to(p.device)

    per_copy = ((y - (X + noise) @ w_fixed) ** 2).sum(1)  # total squared error of one augmented copy
    alpha = float(alpha_of(n, sigma))
    closed = ((y - X @ w_fixed) ** 2).sum() + alpha * (w_fixed**2).sum()
    se = per_copy.std() / math.sqrt(copies)
    p.close(f"Monte Carlo Σ(y − (x + ε)ᵀw)² over {copies} copies vs Σ(y − xᵀw)² + α‖w‖², derived α (±4 SE)",
            per_copy.mean(), closed, rtol=0, atol=4 * float(se), id="noise_adds_penalty")

    X_aug = (X + noise).reshape(-1, d)
    y_aug = y.repeat(copies)
    w_aug = torch.linalg.lstsq(X_aug, y_aug.unsqueeze(1)).solution.squeeze(1)
    eye = torch.eye(d, dtype=torch.float64, device=p.device)
    w_ridge = torch.linalg.solve(X.T @ X + alpha * eye, X.T @ y)
    w_ols = torch.linalg.solve(X.T @ X, X.T @ y)
    to_ridge = float((w_aug - w_ridge).norm())
    p.less("‖w(noisy copies) − w(ridge, derived α = nσ²)‖ / ‖w(ridge)‖", to_ridge / float(w_ridge.norm()), 0.03,
           id="noisy_fit_is_ridge")
    p.less("… that distance / distance to the unregularised least-squares fit", to_ridge / float((w_aug - w_ols).norm()),
           0.2)
