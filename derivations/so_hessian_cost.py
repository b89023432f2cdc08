"""Why deep learning does not use Newton: n² memory, n³ work, and noisy minibatch curvature.

Symbolic: the Hessian of n parameters has n² entries (n(n + 1)/2 distinct, it is symmetric); in
float32 that is 4n² bytes. Solving HΔ = −g by Cholesky costs Σₖ (n − k − 1)(n − k)/2 ≈ n³/6
multiply-adds, i.e. n³/3 flops (the exact count is derived by summation). A Hessian-vector product is one extra
backward pass: O(n) memory (Pearlmutter). A minibatch Hessian is an average of B per-example
Hessians, so its standard error falls like 1/√B, and its rank is at most B·(rank of one example's
Hessian): with B < n for a linear model it is singular.
Numeric: torch.autograd.functional.hessian of a small MLP (shape n × n, symmetric), the
double-backward Hessian-vector product against H@v, the float32 memory of the Hessian of a
3-layer MLP of width 1024 counted with torch; for logistic regression, the relative error of
minibatch Hessians over B = 16 … 1024 (log-log slope against −½) and the rank at B < d.
"""

TITLE = {
    "en": "The Hessian costs n² memory and n³ work, and a minibatch estimate of it is noisy",
    "zh": "Hessian 需要 n² 内存、n³ 计算，而且小批量估计噪声很大",
}
CLAIMS = [
    {
        "en": "A full Hessian has n² entries and a Newton solve costs about n³/3 flops (Cholesky): for a "
              "3-layer width-1024 MLP the float32 Hessian would already take terabytes.",
        "zh": "完整 Hessian 有 n² 个元素，一次牛顿求解约需 n³/3 次浮点运算（Cholesky）：宽 1024 的 3 层 MLP 的 "
              "float32 Hessian 就要 TB 级内存。",
    },
    {
        "en": "A Hessian-vector product costs one extra backward pass and O(n) memory.",
        "zh": "Hessian 与向量的乘积只需多一次反向传播、O(n) 内存。",
    },
    {
        "en": "A minibatch Hessian's relative error falls like 1/√B, and for a linear model with B < d it is singular.",
        "zh": "小批量 Hessian 的相对误差按 1/√B 下降；对线性模型，B < d 时它是奇异的。",
    },
]


def _counts():
    import sympy as sp

    n, k = sp.symbols("n k", positive=True, integer=True)
    entries = n**2
    distinct = sp.summation(k, (k, 1, n))
    chol = sp.summation((n - k - 1) * (n - k) / 2, (k, 0, n - 1))  # multiply-adds
    return n, k, entries, distinct, chol


def derive(p):
    import sympy as sp

    n, k, entries, distinct, chol = _counts()
    p.identity("distinct entries of a symmetric n × n matrix: Σₖ k = n(n + 1)/2", distinct, n * (n + 1) / 2)
    p.step("Cholesky: step k updates the lower triangle of the (n − k − 1)² trailing block, "
           "(n − k − 1)(n − k)/2 multiply-adds; total", sp.factor(chol))
    p.identity("… whose leading term is n³/6 multiply-adds, i.e. n³/3 flops", sp.limit(chol / n**3, n, sp.oo),
               sp.Rational(1, 6))
    B, sigma = sp.symbols("B sigma", positive=True)
    var_mean, slope = _minibatch_noise()
    p.step("mean of B per-example Hessian entries, each of variance σ², each pair of covariance c: "
           "Var = (Bσ² + B(B − 1)c)/B²; independent draws (c = 0):", var_mean)
    p.identity("Var of a minibatch mean of independent per-example Hessian entries, from the pairwise form: σ²/B",
               var_mean, sigma**2 / B, id="minibatch_variance")
    p.identity("so the relative error (std) falls with slope d ln√Var / d ln B = −½", slope, sp.Rational(-1, 2))


def _minibatch_noise():
    """Variance of a minibatch mean from the pairwise covariances (independent draws), and the log-log slope
    of its standard deviation against B (the experiment compares the measured slope with it)."""
    import sympy as sp

    B, sigma, c, u = sp.symbols("B sigma c u", positive=True)
    var_mean = ((B * sigma**2 + B * (B - 1) * c) / B**2).subs(c, 0)
    slope = sp.simplify(sp.diff(sp.log(sp.sqrt(var_mean.subs(B, sp.exp(u)))), u))
    return sp.simplify(var_mean), slope


def _mlp_params(width, depth):
    import torch

    layers = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    return sum(q.numel() for q in torch.nn.Sequential(*layers[:-1]).to("meta").parameters())


def experiment(p):
    import math

    import torch
    from torch.autograd.functional import hessian

    n_s, k, entries, distinct, chol = _counts()
    gen = torch.Generator().manual_seed(p.seed)
    # a tiny MLP written as a function of its flat parameter vector
    x = torch.randn(16, 3, generator=gen, dtype=torch.float64).to(p.device)
    y = torch.randn(16, 1, generator=gen, dtype=torch.float64).to(p.device)
    shapes = [(4, 3), (4,), (1, 4), (1,)]
    sizes = [math.prod(s) for s in shapes]
    n = sum(sizes)

    def loss(theta):
        w1, b1, w2, b2 = (t.reshape(s) for t, s in zip(theta.split(sizes), shapes))
        return ((torch.tanh(x @ w1.T + b1) @ w2.T + b2 - y) ** 2).mean()

    theta = torch.randn(n, generator=gen, dtype=torch.float64).to(p.device)
    H = hessian(loss, theta)
    p.equal("autograd Hessian of a 21-parameter MLP: number of entries = n² (derived)", H.numel(),
            int(entries.subs(n_s, n)))
    p.allclose("… symmetric: H vs Hᵀ", H, H.T, rtol=0, atol=1e-12)
    v = torch.randn(n, generator=gen, dtype=torch.float64).to(p.device)
    th = theta.clone().requires_grad_()
    (g,) = torch.autograd.grad(loss(th), th, create_graph=True)
    (hvp,) = torch.autograd.grad(g @ v, th)
    p.allclose("Hessian-vector product by double backward (no n × n matrix) vs H@v", hvp, H @ v, rtol=1e-10,
               atol=1e-12, id="hvp_matches")

    big = _mlp_params(1024, 3)
    fp32 = torch.empty((), dtype=torch.float32).element_size()
    terabytes = fp32 * float(entries.subs(n_s, big)) / 1e12
    p.equal("parameters of a 3-layer width-1024 MLP (torch count)", big, 3 * (1024 * 1024 + 1024),
            id="mlp_params")
    p.greater("its float32 Hessian in TB (element_size · n²)", terabytes, 1.0, id="mlp_hessian_tb")
    p.greater("Cholesky flops for it (2 × the exact multiply-add count), in units of 10¹⁸",
              2 * float(chol.subs(n_s, big)) / 1e18, 1.0, id="mlp_cholesky_exa")

    # Noisy curvature: logistic regression Hessians Xᵀdiag(s(1 − s))X/B on minibatches.
    N, d = 4096, 10
    X = torch.randn(N, d, generator=gen, dtype=torch.float64).to(p.device)
    w = 0.5 * torch.randn(d, generator=gen, dtype=torch.float64).to(p.device)
    labels = (torch.rand(N, generator=gen, dtype=torch.float64).to(p.device) < torch.sigmoid(X @ w)).double()

    def nll(wv, idx):
        z = X[idx] @ wv
        return torch.nn.functional.binary_cross_entropy_with_logits(z, labels[idx])

    full = hessian(lambda wv: nll(wv, slice(None)), w)
    s = torch.sigmoid(X @ w)
    p.allclose("full-batch logistic Hessian: autograd vs Xᵀdiag(s(1 − s))X/N", full, X.T @ (X * (s * (1 - s))[:, None]) / N,
               rtol=1e-10, atol=1e-13)
    sizes_b = (16, 64, 256, 1024)
    errs = []
    draws = 30 if p.quick else 300
    for b in sizes_b:
        e = []
        for _ in range(draws):
            idx = torch.randperm(N, generator=gen)[:b].to(p.device)
            sb = torch.sigmoid(X[idx] @ w)
            Hb = X[idx].T @ (X[idx] * (sb * (1 - sb))[:, None]) / b
            e.append(float((Hb - full).norm() / full.norm()))
        errs.append(sum(e) / draws)
    slope = (math.log(errs[-1]) - math.log(errs[0])) / (math.log(sizes_b[-1]) - math.log(sizes_b[0]))
    p.close("log-log slope of the minibatch Hessian's relative error vs B (derived −½)", slope,
            float(_minibatch_noise()[1]), atol=0.08, id="curvature_noise_slope")
    p.greater("mean relative Frobenius error of a B = 16 minibatch Hessian", errs[0], 0.3, id="curvature_error_b16")
    idx = torch.randperm(N, generator=gen)[:8].to(p.device)
    H8 = hessian(lambda wv: nll(wv, idx), w)
    p.equal("rank of a B = 8 minibatch Hessian of a d = 10 logistic regression (singular: no Newton step)",
            int(torch.linalg.matrix_rank(H8)), 8, id="minibatch_rank")
