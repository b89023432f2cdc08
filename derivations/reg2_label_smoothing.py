"""Label smoothing: the target, the loss, its gradient and its finite optimum.

Symbolic: with K classes and smoothing ε the target is q_k = (1 − ε)·[k = y] + ε/K (Szegedy et al.
2016, §7: a mixture with the uniform distribution, u(k) = 1/K, so the true class keeps
1 − ε + ε/K). The loss −∑ q_k log p_k = (1 − ε)·CE(y) + ε·mean_k(−log p_k); its gradient in the
logits is p − q, so the optimum is p = q: the logit of the true class exceeds every other by
log((1 − ε + ε/K)/(ε/K)) — finite, where a one-hot target drives the gap to infinity — and the
loss cannot go below the entropy H(q) > 0. Numeric: F.cross_entropy(label_smoothing=ε) against
the derived expression (lambdified), and gradient descent on free logits reaching the derived gap.
"""

TITLE = {
    "en": "Label smoothing: q = (1 − ε)·one-hot + ε/K, gradient p − q, a finite optimal logit gap",
    "zh": "标签平滑：q = (1 − ε)·one-hot + ε/K，梯度 p − q，最优 logit 差有限",
}
CLAIMS = [
    {"en": "F.cross_entropy(label_smoothing=ε) is the cross-entropy with q_k = (1 − ε)[k = y] + ε/K: the true "
           "class gets 1 − ε + ε/K, every other ε/K.",
     "zh": "F.cross_entropy(label_smoothing=ε) 是对 q_k = (1 − ε)[k = y] + ε/K 的交叉熵：真实类得 1 − ε + ε/K，其他类各得 ε/K。"},
    {"en": "The optimum is p = q: the logit gap is log((1 − ε + ε/K)/(ε/K)), finite; the least loss is H(q) > 0.",
     "zh": "最优点是 p = q：logit 差为 log((1 − ε + ε/K)/(ε/K))，有限；最小损失是 H(q) > 0。"},
]

K = 3


def _derived():
    import sympy as sp

    z = sp.symbols(f"z0:{K}", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    y = 0
    q = [(1 - eps) * (1 if k == y else 0) + eps / K for k in range(K)]
    Z = sum(sp.exp(zk) for zk in z)
    logp = [zk - sp.log(Z) for zk in z]
    loss = -sum(qk * lp for qk, lp in zip(q, logp))
    return sp, z, eps, q, logp, loss


def derive(p):
    sp, z, eps, q, logp, loss = _derived()
    p.step(f"K = {K}, true class 0: q", sp.Matrix(q).T)
    p.identity("q sums to 1", sum(q), 1)
    p.identity("loss = (1 − ε)·(−log p₀) + ε·mean_k(−log p_k)", loss,
               (1 - eps) * (-logp[0]) + eps * sum(-lp for lp in logp) / K)
    Z = sum(sp.exp(zk) for zk in z)
    grad = sp.Matrix([sp.diff(loss, zk) for zk in z])
    p.identity("∂loss/∂z_k = p_k − q_k", grad, sp.Matrix([sp.exp(zk) / Z - qk for zk, qk in zip(z, q)]))
    gap = sp.log(q[0] / q[1])
    p.step("p = q ⇒ z₀ − z_k = log(q₀/q_k)", sp.simplify(gap))
    at_opt = {z[0]: gap, **{zk: 0 for zk in z[1:]}}
    p.identity("…and at those logits the gradient vanishes", sp.simplify(grad.subs(at_opt)), sp.zeros(K, 1))


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F

    _, z_s, eps_s, q_s, _, loss_s = _derived()
    loss_f = sp.lambdify([*z_s, eps_s], loss_s, "math")
    gap_f = sp.lambdify([eps_s], sp.log(q_s[0] / q_s[1]), "math")

    gen = torch.Generator().manual_seed(p.seed)
    dt = torch.float64
    logits = torch.randn(6, K, generator=gen, dtype=dt)
    target = torch.zeros(6, dtype=torch.long)  # class 0, as in the derivation

    def smoothed_ce(z, eps):
        """The real F.cross_entropy, or (p.myth) the other convention some write: 1 − ε on the true
        class and ε/(K − 1) on each other class."""
        if p.myth:
            qm = torch.full_like(z, eps / (K - 1))
            qm[:, 0] = 1 - eps
            return -(qm * z.log_softmax(-1)).sum(-1).mean()
        return F.cross_entropy(z.to(p.device), target.to(p.device), label_smoothing=eps)

    cases = []
    for eps in (0.05, 0.1, 0.2, 0.5):
        derived = sum(loss_f(*map(float, row), eps) for row in logits) / len(logits)
        cases.append((f"ε = {eps}", abs(float(smoothed_ce(logits, eps)) - derived)))
    p.sweep("|F.cross_entropy(label_smoothing=ε) − derived −∑ q_k log p_k| over ε", cases, "<", 1e-12,
            id="torch_matches_uniform_mixture", refutes="label smoothing puts ε/(K − 1) on each wrong class")

    eps = 0.1
    z = torch.zeros(1, K, dtype=dt, requires_grad=True)

    def closure():
        return F.cross_entropy(z, torch.zeros(1, dtype=torch.long), label_smoothing=eps)

    for _ in range(400):  # plain gradient descent on free logits, autograd's gradient
        (grad,) = torch.autograd.grad(closure(), z)
        with torch.no_grad():
            z -= 3.0 * grad
    zz = z.detach()[0]
    p.close("ε = 0.1, K = 3: logit gap z₀ − z₁ after minimising vs log((1 − ε + ε/K)/(ε/K))", zz[0] - zz[1],
            gap_f(eps), rtol=1e-6, id="optimal_gap")
    q = torch.full((K,), eps / K, dtype=dt)
    q[0] += 1 - eps
    entropy = float(-(q * q.log()).sum())
    p.close("least loss reached vs H(q)", float(closure().detach()), entropy, rtol=1e-8, id="least_loss_entropy")
    # without smoothing the loss keeps falling as the gap grows: no finite optimum
    hard = [float(F.cross_entropy(torch.tensor([[g, 0.0, 0.0]], dtype=dt), torch.zeros(1, dtype=torch.long)))
            for g in (5.0, 10.0, 20.0)]
    p.holds("ε = 0: loss at gap 5 > 10 > 20 (keeps decreasing)", hard[0] > hard[1] > hard[2],
            measured=f"{hard[0]:.3g} > {hard[1]:.3g} > {hard[2]:.3g}", id="hard_target_no_finite_optimum")
