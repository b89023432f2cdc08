"""Dropout vs bagging, and what dropout costs.

Symbolic: a bootstrap sample of n from n contains a given example with probability
1 − (1 − 1/n)ⁿ → 1 − 1/e: each bagged model sees about 63 % of the distinct examples and is trained
to convergence with its own parameters. Dropout's sub-networks share one set of weights, and each
sampled one is trained on a single example (nn.Dropout draws a fresh mask per example). For a linear model, inverted dropout with drop rate p gives, in
expectation over the mask, E[(y − wᵀ(m⊙x)/(1 − p))²] = (y − wᵀx)² + p/(1 − p)·∑ⱼ wⱼ²xⱼ²: a
data-dependent L2 penalty (Wager et al. 2013; Srivastava et al. 2014 §9.1), and a gradient that stays
noisy even at the full-batch optimum — one reason dropout training takes longer.
Numeric: Monte Carlo of the bootstrap share and of the dropout loss (F.dropout, with standard errors),
and the variance of the dropout gradient at the least-squares solution.
"""

TITLE = {
    "en": "Dropout vs bagging; dropout on a linear model is a data-dependent L2 penalty with noisy gradients",
    "zh": "Dropout 与 bagging；线性模型上的 dropout 是依赖数据的 L2 惩罚，且梯度有噪声",
}
CLAIMS = [
    {"en": "A bootstrap sample contains a given example with probability 1 − (1 − 1/n)ⁿ → 1 − 1/e ≈ 0.632.",
     "zh": "一个 bootstrap 样本包含某个样本的概率为 1 − (1 − 1/n)ⁿ → 1 − 1/e ≈ 0.632。"},
    {"en": "For a linear model, E_mask[(y − wᵀ(m⊙x)/(1 − p))²] = (y − wᵀx)² + p/(1 − p)·∑ⱼ wⱼ²xⱼ².",
     "zh": "对线性模型，E_mask[(y − wᵀ(m⊙x)/(1 − p))²] = (y − wᵀx)² + p/(1 − p)·∑ⱼ wⱼ²xⱼ²。"},
    {"en": "At the no-dropout optimum the plain gradient is zero but dropout's is not, not even on average: its "
           "mean is the gradient of the penalty p/(1 − p)·∑ⱼ wⱼ²xⱼ² (averaged over the data), and each step scatters "
           "around it.",
     "zh": "在无 dropout 的最优点，普通梯度为零，而 dropout 的梯度即使取平均也不为零：其均值是惩罚项 "
           "p/(1 − p)·∑ⱼ wⱼ²xⱼ²（对数据取平均）的梯度，每一步的梯度在它周围波动。"},
]


def _dropout_loss():
    import sympy as sp

    x = sp.symbols("x1:4", real=True)
    w = sp.symbols("w1:4", real=True)
    y = sp.Symbol("y", real=True)
    p = sp.Symbol("p", positive=True)
    m = sp.symbols("m1:4")
    pred = sum(wi * mi * xi for wi, mi, xi in zip(w, m, x)) / (1 - p)
    sq = sp.expand((y - pred) ** 2)
    # E over independent Bernoulli(1 − p) masks: E[mᵢ] = E[mᵢ²] = 1 − p, E[mᵢmⱼ] = (1 − p)²
    poly = sp.Poly(sq, *m)
    expect = 0
    for mon, coeff in poly.terms():
        factor = 1
        for power in mon:
            factor *= (1 - p) if power else 1
        expect += coeff * factor
    return sp, x, w, y, p, sp.simplify(expect)


def derive(p):
    sp, x, w, y, pp, expect = _dropout_loss()
    n = sp.Symbol("n", positive=True, integer=True)
    share = 1 - (1 - 1 / n) ** n
    p.step("P(example in a bootstrap sample of size n)", share)
    p.identity("limit n → ∞: 1 − 1/e", sp.limit(share, n, sp.oo), 1 - sp.exp(-1))
    p.step("E_mask[(y − wᵀ(m⊙x)/(1 − p))²], three features, masks ~ Bernoulli(1 − p)", sp.factor(expect - (y - sum(a * b for a, b in zip(w, x))) ** 2))
    p.identity("= (y − wᵀx)² + p/(1 − p)·∑ wⱼ²xⱼ²", expect,
               (y - sum(a * b for a, b in zip(w, x))) ** 2 + pp / (1 - pp) * sum(a ** 2 * b ** 2 for a, b in zip(w, x)),
               shown=sp.Symbol("E[loss] = (y − wᵀx)² + p/(1 − p)·∑ wⱼ²xⱼ²"))


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F

    _, x_s, w_s, y_s, p_s, expect_s = _dropout_loss()
    expect_f = sp.lambdify([*x_s, *w_s, y_s, p_s], expect_s, "math")
    gen = torch.Generator().manual_seed(p.seed)
    dt = torch.float64

    n, reps = 1000, 400 if p.quick else 4000
    draws = torch.randint(0, n, (reps, n), generator=gen)
    share = torch.zeros(reps, n, dtype=dt).scatter_(1, draws, 1.0).mean(1)
    se = float(share.std()) / reps ** 0.5
    p.close(f"Monte Carlo share of distinct examples in a bootstrap of n = {n}, ±4 SE", share.mean(),
            1 - (1 - 1 / n) ** n, rtol=0, atol=4 * se, id="bootstrap_share")

    x = torch.tensor([3.0, -0.5, 0.5], dtype=dt)
    w = torch.tensor([0.8, 1.2, -0.4], dtype=dt)
    y, rate, samples = 1.0, 0.3, 200_000 if p.quick else 2_000_000
    # inverted dropout (÷(1 − p)); the masks are drawn by the CPU generator and then moved, so the Monte
    # Carlo verdict is the same on every device
    xs = F.dropout(x.expand(samples, 3), rate, training=True).to(p.device)
    losses = (y - xs @ w.to(p.device)) ** 2
    se = float(losses.std()) / samples ** 0.5
    derived = expect_f(*map(float, x), *map(float, w), y, rate)
    plain = float((y - x @ w) ** 2)
    if p.myth:  # the myth: dropout is the same as an ordinary (data-independent) L2 penalty p/(1 − p)·‖w‖²
        derived = plain + rate / (1 - rate) * float((w ** 2).sum())
    p.close("Monte Carlo E[dropout loss] (F.dropout, p = 0.3) vs (y − wᵀx)² + p/(1 − p)∑wⱼ²xⱼ², ±4 SE",
            losses.mean(), derived, rtol=0, atol=4 * se, id="dropout_adaptive_ridge",
            refutes="dropout on a linear model is ordinary L2 with a data-independent strength")
    p.greater("…the mean exceeds the plain loss, in standard errors", (float(losses.mean()) - plain) / se, 10,
              id="dropout_penalty_positive")

    # gradient noise at the least-squares optimum (no dropout): full-batch gradient 0, dropout's is not
    X = torch.randn(32, 3, generator=gen, dtype=dt)
    t = X @ torch.tensor([1.0, -2.0, 0.5], dtype=dt) + 0.1 * torch.randn(32, generator=gen, dtype=dt)
    w_ls = torch.linalg.lstsq(X, t[:, None]).solution[:, 0].requires_grad_(True)
    (g0,) = torch.autograd.grad(((X @ w_ls - t) ** 2).mean(), w_ls)
    gs = []
    for _ in range(200):
        (g,) = torch.autograd.grad(((F.dropout(X, 0.3, training=True) @ w_ls - t) ** 2).mean(), w_ls)
        gs.append(g)
    gs = torch.stack(gs)
    p.less("no dropout: ‖full-batch gradient‖ at the least-squares w", g0.norm(), 1e-10, id="ls_gradient_zero")
    p.greater("dropout p = 0.3: mean ‖gradient‖ per step at the same w / ‖w‖", gs.norm(dim=1).mean() / w_ls.norm(),
              0.1, id="dropout_gradient_noise")
    # On average the dropout gradient there is not zero: it is the gradient of the adaptive-ridge penalty,
    # 2·p/(1 − p)·mean_i(x_ij²)·w_j (the data term's gradient is zero at w_ls).
    predicted = 2 * 0.3 / 0.7 * (X ** 2).mean(0) * w_ls.detach()
    if p.myth:  # the myth: at the no-dropout optimum the dropout gradient averages to zero
        predicted = torch.zeros(3, dtype=dt)
    se_g = gs.std(0) / len(gs) ** 0.5
    p.less("dropout p = 0.3: max over weights of |mean gradient over 200 masks − 2p/(1 − p)·mean(x²)·w| in standard "
           "errors", ((gs.mean(0) - predicted).abs() / se_g).max(), 4.0, id="dropout_gradient_mean_is_penalty",
           refutes="at the no-dropout optimum the dropout gradient averages to zero")
