"""GD vs SGD vs mini-batch: with a constant learning rate SGD stalls at a noise floor ∝ η/B.

Symbolic: on the quadratic loss ½a(w − w*)² with a stochastic gradient a(w − w*) + ξ,
E ξ = 0, Var ξ = s²/B (B examples drawn with replacement), the error e = w − w* obeys
e ← (1 − ηa)e − ηξ. Full-batch GD (ξ = 0) contracts to 0 for 0 < ηa < 2; SGD's error
variance settles at V = ηs²/(B·a·(2 − ηa)): it does not go to zero with more steps, only
with a smaller η or a larger B — which is why the learning rate is decayed.
Numeric: thousands of independent chains of torch.optim.SGD on the mean-estimation loss
½(w − y_i)² (a = 1, s² the population variance of y), gradients from autograd on real
mini-batches: the measured stationary variance against the lambdified V for several η and
B (Monte Carlo standard error), full-batch GD reaching the minimiser to rounding, and a
decaying learning rate going below the constant-rate floor.
"""

TITLE = {
    "en": "GD vs SGD: a constant learning rate leaves SGD at a noise floor ηs²/(B·a·(2 − ηa))",
    "zh": "GD 与 SGD：恒定学习率下 SGD 停在噪声地板 ηs²/(B·a·(2 − ηa))",
}
CLAIMS = [
    {
        "en": "Full-batch GD on a quadratic with 0 < ηa < 2 converges to the minimiser; SGD with the same constant "
              "η keeps an error variance ηs²/(B·a·(2 − ηa)) for ever: proportional to η (small η) and to 1/B.",
        "zh": "二次损失上 0 < ηa < 2 的全批 GD 收敛到极小点；同样恒定 η 的 SGD 误差方差永远保持在 "
              "ηs²/(B·a·(2 − ηa))：（η 小时）正比于 η，且正比于 1/B。",
    },
    {
        "en": "Decaying the learning rate removes the floor: the same chains with η_t decaying end far below it.",
        "zh": "让学习率衰减即可消除这个地板：同样的链在 η_t 衰减时最终远低于它。",
    },
]


def _floor():
    """Derive the stationary error variance of SGD on the quadratic from one step's update."""
    import sympy as sp

    a, eta, s, B = sp.symbols("a eta s B", positive=True)
    e, xi, V, w, w_star = sp.symbols("e xi V w w_star")
    grad = sp.diff(a * (w - w_star) ** 2 / 2, w) + xi  # the stochastic gradient: exact gradient plus noise ξ
    step = sp.expand((w - eta * grad - w_star).subs(w, e + w_star))  # the new error, in terms of e = w − w*
    # Var of the new error (ξ independent of e, zero mean): (1 − ηa)²V + η²·s²/B.
    var_next = sp.expand(step**2).coeff(e, 2) * V + sp.expand(step**2).coeff(xi, 2) * s**2 / B
    V_inf = sp.solve(sp.Eq(V, var_next), V)[0]
    return (a, eta, s, B, e, xi, V), step, var_next, V_inf


def derive(p):
    import sympy as sp

    (a, eta, s, B, e, xi, V), step, var_next, V_inf = _floor()
    p.step("One SGD step w − η(∂/∂w ½a(w − w*)² + ξ), written in the error e = w − w*", step)
    p.identity("e ← (1 − ηa)e − ηξ", step, (1 - eta * a) * e - eta * xi)
    p.step("Var(e_new) = (1 − ηa)²·V + η²·s²/B", var_next)
    p.step("Stationary variance: V = (1 − ηa)²V + η²s²/B ⇒ V =", V_inf)
    p.identity("V∞ = ηs²/(B·a·(2 − ηa))", V_inf, eta * s**2 / (B * a * (2 - eta * a)))
    p.identity("small η: V∞/η → s²/(2aB) (the floor is ∝ η)", sp.limit(V_inf / eta, eta, 0), s**2 / (2 * a * B))
    p.identity("V∞ ∝ 1/B: B·V∞ does not depend on B", sp.diff(B * V_inf, B), 0)
    p.identity("GD (s = 0): no floor", V_inf.subs(s, 0), 0)


def experiment(p):
    import sympy as sp
    import torch

    (a, eta_s, s, B_s, *_), _, _, V_inf = _floor()
    v_inf = sp.lambdify((eta_s, a, s, B_s), V_inf)
    gen = torch.Generator().manual_seed(p.seed)
    N, chains = 64, 2000 if p.quick else 40000
    y = (2.0 + torch.randn(N, generator=gen, dtype=torch.float64)).to(p.device)
    w_star = y.mean()
    s2 = float(((y - w_star) ** 2).mean())  # population variance: the noise of one draw with replacement

    def run(eta, B, steps, schedule=None, full_batch=False):
        w = torch.zeros(chains, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = torch.optim.SGD([w], lr=eta)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule) if schedule else None
        for _ in range(steps):
            if full_batch:
                batch = y.expand(chains, N)
            else:
                idx = torch.randint(0, N, (chains, B), generator=gen).to(p.device)
                batch = y[idx]
            loss = (0.5 * (w[:, None] - batch) ** 2).mean(dim=1).sum()  # chains are independent
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched:
                sched.step()
        return (w.detach() - w_star)

    def floor(eta, B, steps, id):
        # The myth: SGD converges like GD — the chains get the full-batch gradient.
        err = run(eta, B, steps=steps, full_batch=p.myth)
        var = float((err ** 2).mean())
        se = var * (2 / (chains - 1)) ** 0.5
        p.close(f"η = {eta}, B = {B}: Var(w − w*) after {steps} steps (Monte Carlo ±{se:.2g}) vs "
                "ηs²/(B·a·(2 − ηa))", var, v_inf(eta, 1.0, s2**0.5, B), rtol=0, atol=4 * se,
                id=id, refutes="SGD with a constant learning rate converges to the minimiser")
        return var

    rows = [floor(0.2, 1, 80, id="floor_eta20_b1"), floor(0.2, 8, 80, id="floor_eta20_b8"),
            floor(0.1, 1, 160, id="floor_eta10_b1")]
    p.close("B = 1 → 8 at η = 0.2: floor ratio Var(B=1)/Var(B=8) (≈ 8: ∝ 1/B)", rows[0] / rows[1], 8.0,
            rtol=0.15, id="floor_ratio_batch")
    gd = run(0.2, N, steps=80, full_batch=True)
    p.less("full-batch GD, η = 0.2, 80 steps: max |w − w*| (converges)", gd.abs().max(), 1e-6, id="gd_converges")
    # Both arms take the same number of steps from the same start with the same kind of gradient. The
    # myth's world is the one where its argument holds — exact gradients (the GD convergence theorem) —
    # so under p.myth BOTH arms get the full-batch gradient: there a constant η is at least as good at
    # the end, and the row must say so. (Giving exact gradients to the constant arm only would flip the
    # row by comparing GD with SGD, whatever the schedule.)
    constant = float((run(0.2, 1, steps=200, full_batch=p.myth) ** 2).mean())
    decayed = float((run(0.2, 1, steps=200, schedule=lambda t: 1 / (1 + t / 10), full_batch=p.myth) ** 2).mean())
    ratio = decayed / constant if constant > 0 else float("inf")
    p.less("B = 1, 200 steps: Var(w − w*) with η_t = 0.2/(1 + t/10) / Var(w − w*) with constant η = 0.2",
           ratio, 0.2, id="decay_beats_floor",
           refutes="a constant learning rate is as good as a decayed one at the end")
