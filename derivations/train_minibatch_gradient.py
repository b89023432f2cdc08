"""The mini-batch gradient: unbiased, with variance σ²/B · (N − B)/(N − 1).

Symbolic: sampling B of N examples without replacement; the covariance c of two different
draws follows from "the sum over the whole population is fixed" (Var ∑ = 0 ⇒ c = −σ²/(N−1)),
and the variance of the batch mean simplifies to σ²(N − B)/(B(N − 1)); with replacement
it is σ²/B. Numeric: a least-squares model; mini-batch gradients from autograd on
thousands of random batches: their mean is the full-batch gradient (within Monte Carlo
error) and their spread matches the formula, at every B = 1 … N − 1 (sweeps), and is 0 at B = N.
"""

TITLE = {
    "en": "Mini-batch gradients: unbiased, variance ∝ 1/B",
    "zh": "小批量梯度：无偏，方差 ∝ 1/B",
}
CLAIMS = [
    {
        "en": "A mini-batch gradient (B examples drawn without replacement) is an unbiased estimate "
              "of the full-batch gradient.",
        "zh": "小批量梯度（无放回抽取 B 个样本）是全批梯度的无偏估计。",
    },
    {
        "en": "Its variance is tr Σ/B · (N − B)/(N − 1), where tr Σ is the spread of the per-example "
              "gradients: ∝ 1/B for B ≪ N, zero at B = N.",
        "zh": "其方差为 tr Σ/B · (N − B)/(N − 1)，tr Σ 为单样本梯度的离散程度：B ≪ N 时 ∝ 1/B，B = N 时为 0。",
    },
]


def derive(p):
    import sympy as sp

    N, B, sigma = sp.symbols("N B sigma", positive=True)
    sigma2 = sigma**2
    c = sp.Symbol("c")
    p.step("Draw g₁…g_B without replacement from N per-example gradients (scalar case); "
           "each has variance σ², each pair covariance c", sp.Matrix([[sigma2, c], [c, sigma2]]))
    whole = N * sigma2 + N * (N - 1) * c
    p.step("Var of the sum of all N draws (a permutation of the whole set: a constant)", whole)
    (c_value,), = sp.linsolve([whole], [c])
    p.step("Var = 0 ⇒ c =", c_value)
    var_general = (B * sigma2 + B * (B - 1) * c) / B**2
    p.step("Var of the batch mean: (1/B²)(Bσ² + B(B − 1)c)", var_general)
    var_mean = var_general.subs(c, c_value)
    p.identity("without replacement: σ²/B · (N − B)/(N − 1)", var_mean, sigma2 / B * (N - B) / (N - 1))
    p.identity("B = N: the full batch has no noise", var_mean.subs(B, N), 0,
               shown=sp.Eq(sp.Symbol("Var(mean) at B = N"), 0))
    p.identity("with replacement the draws are independent (c = 0): σ²/B", var_general.subs(c, 0), sigma2 / B)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dev = {"dtype": torch.float64, "device": p.device}
    N, d = 48, 3
    X = torch.randn(N, d, generator=gen, dtype=torch.float64).to(p.device)
    y = (X @ torch.tensor([1.0, -2.0, 0.5], **dev)
         + 0.5 * torch.randn(N, generator=gen, dtype=torch.float64).to(p.device))
    w0 = torch.randn(d, generator=gen, dtype=torch.float64).to(p.device)

    def grad_at(index):  # autograd of the mean squared error on the rows `index`; rows of index = batches
        w = w0.expand(index.shape[0], d).clone().requires_grad_(True)
        pred = (X[index] * w[:, None, :]).sum(-1)
        loss = ((pred - y[index]) ** 2).mean(dim=1).sum()  # batches are independent: one backward
        (g,) = torch.autograd.grad(loss, w)
        return g

    full = grad_at(torch.arange(N, device=p.device)[None, :])[0]
    per_example = grad_at(torch.arange(N, device=p.device)[:, None])
    trace_sigma = ((per_example - full) ** 2).sum(dim=1).mean()   # tr Σ (population, /N)

    M = 3000 if p.quick else 30000
    sizes = [1, 2, 4, 8, 16, 32, 48]
    measured, predicted, bias_cases, spread_cases = [], [], [], []
    for B in sizes:
        index = torch.argsort(torch.rand(M, N, generator=gen), dim=1)[:, :B].to(p.device)
        g = grad_at(index)
        err = ((g - full) ** 2).sum(dim=1)                     # ‖g_B − ∇L‖²
        formula = trace_sigma / B * (N - B) / (N - 1)
        measured.append(float(err.mean()))
        predicted.append(float(formula))
        if B < N:  # every batch size short of the full batch: mean and spread, in standard errors
            se = g.std(dim=0) / M**0.5
            bias_cases.append((f"B = {B}", float(((g.mean(dim=0) - full).abs() / se).max())))
            spread_cases.append((f"B = {B}", float((err.mean() - formula).abs() / (err.std() / M**0.5))))
        else:
            p.less("B = N: ‖g_B − ∇L‖² (the full batch, up to rounding)", err.max(), 1e-20, id="full_batch_exact")
    p.sweep(f"max over coordinates |mean(g_B) − ∇L| / s.e. over {M} batches (unbiased)", bias_cases, "<", 4.0,
            id="unbiased_all_b")
    p.sweep(f"|E‖g_B − ∇L‖² (Monte Carlo, {M} batches) − tr Σ/B·(N − B)/(N − 1)| / s.e.", spread_cases, "<", 4.0,
            id="spread_matches_all_b")
    p.plot("E‖g_B − ∇L‖² against the batch size B", {
        "Monte Carlo": (sizes[:-1], measured[:-1]),
        "tr Σ/B·(N−B)/(N−1)": (sizes[:-1], predicted[:-1]),
    }, xlabel="B", ylabel="E‖g_B − ∇L‖²", logy=True)
