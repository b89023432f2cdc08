"""L1 sets weights exactly to zero (soft-thresholding); L2 only shrinks them (ridge).

Symbolic: minimise ½(w − z)² + λ|w| branch by branch — the stationary point
w = z − λ·sign(w) exists only when |z| > λ, otherwise the minimum is the kink
at w = 0 (soft-thresholding). For ½(w − z)² + (λ/2)w² the minimiser z/(1 + λ)
is zero only when z is. The penalties' pulls: λ·sign(w) stays λ as w → 0;
λw fades away.
Numeric (float64): with an orthonormal design, proximal gradient (ISTA) lands
on the soft-threshold closed form and linalg.solve on the ridge shrinkage; on
a correlated design the ISTA solution satisfies the lasso optimality (KKT)
conditions, has many exact zeros, while ridge has none; a subgradient method
on the L1 loss never produces an exact zero; on that correlated design ridge does not shrink
every weight by one factor (some grow or change sign against least squares); with a duplicated feature ridge
splits the weight equally and the lasso is indifferent to the split.
Counterfactual (p.myth): "L2" as a penalty pulling weights toward their mean, and
SGD on the L1 loss replaced by the proximal step it is mistaken for.
"""

TITLE = {
    "en": "L1 gives sparsity (soft-threshold), L2 shrinks (ridge)",
    "zh": "L1 产生稀疏（软阈值），L2 只做收缩（岭回归）",
}
CLAIMS = [
    {
        "en": "argmin_w ½(w − z)² + λ|w| = sign(z)·max(|z| − λ, 0): every coordinate with |z| ≤ λ becomes exactly 0.",
        "zh": "argmin_w ½(w − z)² + λ|w| = sign(z)·max(|z| − λ, 0)：凡 |z| ≤ λ 的坐标恰好变成 0。",
    },
    {
        "en": "argmin_w ½(w − z)² + (λ/2)w² = z/(1 + λ): L2 scales every coordinate down but sets none to 0.",
        "zh": "argmin_w ½(w − z)² + (λ/2)w² = z/(1 + λ)：L2 把每个坐标按比例缩小，但不会置零。",
    },
    {
        "en": "On a least-squares problem the lasso solution (checked by its KKT conditions) has many exact zeros, "
              "ridge none; plain subgradient descent on the L1 loss hovers near 0 without reaching it.",
        "zh": "在最小二乘问题上，Lasso 解（用 KKT 条件验证）有许多精确的零，岭回归没有；"
              "直接对 L1 损失做次梯度下降只会在 0 附近徘徊而到不了 0。",
    },
    {
        "en": "With two identical features ridge gives them equal weights; the L1 objective does not care how the "
              "weight is split between them.",
        "zh": "两个完全相同的特征，岭回归给它们相等的权重；L1 目标函数对二者如何分配权重无所谓。",
    },
]


def _derivation():
    """Minimise both 1-D objectives from their definitions; derive() prints it, experiment() evaluates it."""
    import sympy as sp

    w, z = sp.symbols("w z", real=True)
    lam = sp.symbols("lambda", positive=True)
    lasso_pos = (w - z) ** 2 / 2 + lam * w  # branch w > 0, |w| = w
    lasso_neg = (w - z) ** 2 / 2 - lam * w  # branch w < 0, |w| = −w
    w_pos = sp.solve(sp.diff(lasso_pos, w), w)[0]
    w_neg = sp.solve(sp.diff(lasso_neg, w), w)[0]
    # Where is each branch's stationary point admissible (on its own side of 0)?
    cond_pos = sp.solve_univariate_inequality(w_pos > 0, z, relational=True)
    cond_neg = sp.solve_univariate_inequality(w_neg < 0, z, relational=True)
    soft = sp.Piecewise((w_pos, cond_pos), (w_neg, cond_neg), (0, True))  # else: the kink
    ridge = sp.solve(sp.diff((w - z) ** 2 / 2 + lam / 2 * w**2, w), w)[0]
    return dict(w=w, z=z, lam=lam, lasso_pos=lasso_pos, lasso_neg=lasso_neg, w_pos=w_pos, w_neg=w_neg,
                cond_pos=cond_pos, cond_neg=cond_neg, soft=soft, ridge=ridge)


def derive(p):
    import sympy as sp

    r = _derivation()
    w, z, lam = r["w"], r["z"], r["lam"]
    t = sp.symbols("t", positive=True)
    p.step("Branch w > 0: d/dw[½(w − z)² + λw] = 0 gives", r["w_pos"])
    p.step("Branch w < 0: d/dw[½(w − z)² − λw] = 0 gives", r["w_neg"])
    p.step("w = z − λ lies in its branch (w > 0) exactly when", r["cond_pos"])
    p.step("w = z + λ lies in its branch (w < 0) exactly when", r["cond_neg"])
    p.step("Otherwise (|z| ≤ λ) neither branch has a stationary point: the minimum is the kink w = 0",
           r["soft"])
    closed = sp.sign(z) * sp.Max(sp.Abs(z) - lam, 0)
    for label, z_value in (("z = λ + t > λ", lam + t), ("z = −λ − t < −λ", -lam - t),
                           ("z = λ/2, inside [−λ, λ]", lam / 2), ("z = −λ/2, inside [−λ, λ]", -lam / 2)):
        derived = r["soft"].subs(z, z_value)
        p.identity(f"{label}: derived minimiser = sign(z)·max(|z| − λ, 0)", derived, closed.subs(z, z_value),
                   shown=sp.Eq(sp.Symbol("w⋆"), sp.simplify(derived)))
    u = sp.symbols("u")
    right = sp.diff(r["lasso_pos"], w).subs(w, 0).subs(z, lam * u)
    left = sp.diff(r["lasso_neg"], w).subs(w, 0).subs(z, lam * u)
    p.step("At the kink, with z = λu: one-sided slopes (right, left) of the objective", sp.Tuple(right, left))
    p.identity("right slope = λ(1 − u) ≥ 0 for u ≤ 1", right, lam * (1 - u))
    p.identity("left slope = −λ(1 + u) ≤ 0 for u ≥ −1, so w = 0 is the minimum whenever |z| ≤ λ",
               left, -lam * (1 + u))
    p.step("Ridge: d/dw[½(w − z)² + (λ/2)w²] = 0 gives", r["ridge"])
    p.identity("ridge shrinks by the factor 1/(1 + λ)", r["ridge"], z / (1 + lam))
    p.step("The pull of each penalty: d|w|/dw = sign(w) keeps magnitude λ as w → 0; d(w²/2)/dw = w vanishes",
           sp.Tuple(lam * sp.diff(sp.Abs(w), w), lam * sp.diff(w**2 / 2, w)))


def _ista(X, y, lam, iters, w=None):
    import numpy as np

    step = 1.0 / np.linalg.norm(X, 2) ** 2  # 1/L, L = largest eigenvalue of XᵀX
    w = np.zeros(X.shape[1]) if w is None else w.copy()
    for _ in range(iters):
        z = w - step * (X.T @ (X @ w - y))
        w = np.sign(z) * np.maximum(np.abs(z) - step * lam, 0.0)
    return w


def experiment(p):
    import numpy as np
    import sympy as sp
    import torch

    rng = np.random.default_rng(p.seed)
    iters = 5000 if p.quick else 10000
    r = _derivation()  # the minimisers derived in derive(), evaluated here
    soft_of = sp.lambdify((r["z"], r["lam"]), r["soft"], "numpy")
    ridge_of = sp.lambdify((r["z"], r["lam"]), r["ridge"], "numpy")
    # 1. Orthonormal design: the 1-D closed forms hold coordinate-wise.
    Q, _ = np.linalg.qr(rng.standard_normal((60, 12)))
    w_true = np.where(rng.random(12) < 0.5, rng.standard_normal(12) * 2, 0.0)
    y = Q @ w_true + 0.3 * rng.standard_normal(60)
    lam = 0.8
    z = Q.T @ y
    p.allclose("orthonormal X: ISTA lasso vs the derived minimiser (soft threshold) at Xᵀy, λ",
               _ista(Q, y, lam, 200), soft_of(z, lam), rtol=0, atol=1e-10, id="ista_matches_soft_threshold")
    # The myth that L2 pulls the weights toward each other, as a penalty (λ/2)Σ(wᵢ − w̄)².
    penalty = lam * (np.eye(12) - np.ones((12, 12)) / 12) if p.myth else lam * np.eye(12)
    ridge_solve = np.linalg.solve(Q.T @ Q + penalty, Q.T @ y)
    p.allclose("orthonormal X: linalg.solve ridge vs the derived minimiser z/(1 + λ) at z = Xᵀy (every weight "
               "scaled by one factor)", ridge_solve, ridge_of(z, lam), rtol=0, atol=1e-12,
               id="ridge_common_factor", refutes="L2 pulls the weights toward each other")

    # 2. Correlated design: check the lasso by its optimality conditions, count zeros.
    n, d = 50, 30
    base = rng.standard_normal((n, 5))
    X = base @ rng.standard_normal((5, d)) + rng.standard_normal((n, d))
    w_sparse = np.zeros(d)
    w_sparse[:4] = [3.0, -2.0, 1.5, 1.0]
    y = X @ w_sparse + 0.5 * rng.standard_normal(n)
    lam = 20.0
    w_l1 = _ista(X, y, lam, iters)
    corr = X.T @ (y - X @ w_l1)  # KKT: = λ·sign(w_j) where w_j ≠ 0, |·| ≤ λ where w_j = 0
    active = w_l1 != 0
    p.allclose("lasso KKT on the nonzero weights: Xⱼᵀ(y − Xw) = λ·sign(wⱼ)", corr[active],
               lam * np.sign(w_l1[active]), rtol=0, atol=1e-8)
    p.less("lasso KKT on the zero weights: max |Xⱼᵀ(y − Xw)| / λ", np.abs(corr[~active]).max() / lam, 1.0)
    p.greater("lasso: exact zeros among 30 weights", int((~active).sum()), 10, id="lasso_zeros")
    Xt = torch.tensor(X, device=p.device)
    yt = torch.tensor(y, device=p.device)
    w_l2 = torch.linalg.solve(Xt.T @ Xt + lam * torch.eye(d, dtype=torch.float64, device=p.device), Xt.T @ yt)
    w_var = w_l2.clone().requires_grad_(True)
    (0.5 * ((Xt @ w_var - yt) ** 2).sum() + lam / 2 * (w_var**2).sum()).backward()
    p.less("ridge: autograd ‖∇(½‖y − Xw‖² + (λ/2)‖w‖²)‖ at the solution", w_var.grad.norm(), 1e-9)
    p.equal("ridge: exact zeros among 30 weights", int((w_l2 == 0).sum()), 0, id="ridge_zeros")
    # The common factor 1/(1 + λ) is a property of an orthonormal design. On correlated features ridge shrinks
    # the eigen-directions of XᵀX by h/(h + λ): single weights, compared with least squares, can grow or flip.
    ratio = w_l2.cpu().numpy() / np.linalg.lstsq(X, y, rcond=None)[0]
    p.greater("correlated X: ridge weights larger in size than the least-squares ones or of the other sign "
              "(no common shrink factor)", int(((ratio > 1) | (ratio < 0)).sum()), 0, id="ridge_no_common_factor")

    # 3. Subgradient descent on the L1 loss (what adding λ‖w‖₁ to a loss does in torch): no exact zeros.
    w_sub = torch.zeros(d, dtype=torch.float64, device=p.device, requires_grad=True)
    opt = torch.optim.SGD([w_sub], lr=0.5 / float(np.linalg.norm(X, 2) ** 2))
    lr = opt.param_groups[0]["lr"]
    for _ in range(1000 if p.quick else 4000):
        opt.zero_grad()
        if p.myth:  # the myth: SGD on the L1 loss acts like the proximal (soft-threshold) step
            (0.5 * ((Xt @ w_sub - yt) ** 2).sum()).backward()
            with torch.no_grad():
                step = w_sub - lr * w_sub.grad
                w_sub.copy_(torch.sign(step) * torch.clamp(step.abs() - lr * lam, min=0))
            continue
        (0.5 * ((Xt @ w_sub - yt) ** 2).sum() + lam * w_sub.abs().sum()).backward()
        opt.step()
    w_sub = w_sub.detach().cpu().numpy()
    p.equal("subgradient descent (torch SGD) on ½‖y − Xw‖² + λ‖w‖₁: exact zeros", int((w_sub == 0).sum()), 0,
            id="subgradient_no_zeros", refutes="adding λ‖w‖₁ to the loss and running SGD gives exact zeros")
    p.less("… yet it sits close to the lasso solution (max |Δw|)", np.abs(w_sub - w_l1).max(), 0.15)

    # 4. A duplicated feature: ridge splits evenly, the lasso objective is flat along the split.
    Xd = np.column_stack([X[:, 0], X[:, 0], X[:, 1:6]])
    yd = Xd[:, 1:] @ np.array([2.0, -1.0, 0.5, 0.0, 1.0, 0.0]) + 0.3 * rng.standard_normal(n)
    w_rd = np.linalg.solve(Xd.T @ Xd + lam * np.eye(7), Xd.T @ yd)
    p.close("ridge, duplicated feature: w₁ − w₂", w_rd[0] - w_rd[1], 0.0, rtol=0, atol=1e-10, id="ridge_even_split")
    w_ld = _ista(Xd, yd, lam, iters)
    moved = w_ld.copy()
    moved[0], moved[1] = w_ld[0] + w_ld[1], 0.0  # same sum, all on the first copy

    def lasso_obj(v):
        return 0.5 * np.sum((yd - Xd @ v) ** 2) + lam * np.abs(v).sum()

    def ridge_obj(v):
        return 0.5 * np.sum((yd - Xd @ v) ** 2) + lam / 2 * np.sum(v**2)

    p.close("lasso objective: split (w₁, w₂) vs (w₁ + w₂, 0)", lasso_obj(moved), lasso_obj(w_ld), rtol=1e-12)
    moved_r = w_rd.copy()
    moved_r[0], moved_r[1] = w_rd[0] + w_rd[1], 0.0
    p.greater("ridge objective: (w₁ + w₂, 0) minus the even split", ridge_obj(moved_r) - ridge_obj(w_rd), 1e-3)

    # Regularisation path: nonzeros vs λ.
    lams = [1, 2, 5, 10, 20, 40, 80, 160]
    nnz_l1, nnz_l2, w_warm = [], [], None
    for lam_k in lams:
        w_warm = _ista(X, y, lam_k, iters // 5, w_warm)
        nnz_l1.append(int((w_warm != 0).sum()))
        nnz_l2.append(int((np.linalg.solve(X.T @ X + lam_k * np.eye(d), X.T @ y) != 0).sum()))
    xs = [float(np.log10(v)) for v in lams]
    p.plot("nonzero weights vs log₁₀ λ", {"L1 (lasso, ISTA)": (xs, nnz_l1), "L2 (ridge)": (xs, nnz_l2)},
           xlabel="log10 λ", ylabel="# nonzero of 30")
