"""AdaGrad: the accumulator only grows, so the effective learning rate only shrinks.

Symbolic: AdaGrad updates its accumulator G ← G + g² per coordinate and steps η·g_t/(√G_t + ε).
For a constant gradient the recurrence solves (rsolve) to G_t = t·g², so every step is η/√t (to ε),
whatever the scale of g: after 100 steps a tenth of the first; the distance travelled Σ η/√i still
grows like 2η√t. For any gradient sequence one update changes G by g² ≥ 0 (sympy decides the sign
of the difference), so the per-coordinate rate η/(√G_t + ε) never rises.
Numeric: torch.optim.Adagrad on coordinates whose gradients differ by 10⁴ in scale (steps
η/√t for all of them, against the lambdified sum), and on random gradient sequences (seeds ×
scales): the effective rate |Δw_t|/|g_t| never increases.
"""

TITLE = {
    "en": "AdaGrad: the step shrinks like η/√t for a constant gradient, and the rate never rises",
    "zh": "AdaGrad：梯度恒定时步长按 η/√t 缩小，有效学习率永不上升",
}
CLAIMS = [
    {
        "en": "torch.optim.Adagrad steps η·g_t/(√(Σ_{i≤t} g_i²) + ε): with a constant gradient the t-th step is η/√t "
              "regardless of the gradient's scale, so step 100 is a tenth of step 1.",
        "zh": "torch.optim.Adagrad 的步长为 η·g_t/(√(Σ_{i≤t} g_i²) + ε)：梯度恒定时第 t 步为 η/√t，与梯度尺度无关，"
              "第 100 步是第 1 步的十分之一。",
    },
    {
        "en": "The effective rate η/(√G_t + ε) is non-increasing for every gradient sequence: AdaGrad cannot recover "
              "a larger step once it has seen large gradients.",
        "zh": "对任意梯度序列，有效学习率 η/(√G_t + ε) 单调不增：AdaGrad 一旦见过大梯度，就再也回不到大步长。",
    },
]


def _update(G, g, myth=False):
    """One accumulator update of torch.optim.Adagrad (``state_sum.addcmul_(grad, grad)``): G ← G + g².
    The misconception's model (p.myth): no memory, the accumulator is just the latest g²."""
    return g**2 if myth else G + g**2


def _steps(myth=False):
    """Constant gradient g: solve the accumulator's recurrence G_t = update(G_{t−1}, g), G_0 = 0,
    and divide: step_t = η·g/√G_t (ε = 0)."""
    import sympy as sp

    g = sp.Symbol("g", positive=True)
    t = sp.Symbol("t", integer=True, positive=True)
    eta = sp.Symbol("eta", positive=True)
    Gf = sp.Function("G")
    G = sp.rsolve(Gf(t) - _update(Gf(t - 1), g, myth), Gf(t), {Gf(0): 0})
    step = eta * g / sp.sqrt(G)  # ε = 0
    return g, t, eta, G, sp.simplify(step)


def derive(p):
    import sympy as sp

    g, t, eta, G, step = _steps(p.myth)
    p.step("constant gradient g: G_t = G_{t−1} + g², G_0 = 0 solves to G_t =", G)
    p.identity("step_t = η·g/√G_t = η/√t: the scale of g cancels", step, eta / sp.sqrt(t))
    p.identity("step_100 / step_1 = 1/10", step.subs(t, 100) / step.subs(t, 1), sp.Rational(1, 10))
    n = sp.Symbol("n", integer=True, positive=True)
    gn = sp.Symbol("g_{n+1}", real=True)
    Gn = sp.Symbol("G_n", nonnegative=True)
    rise = sp.expand(_update(Gn, gn, p.myth) - Gn)
    p.step("any gradient sequence: G_{n+1} − G_n from one update =", rise)
    p.holds("(sympy) G_{n+1} − G_n ≥ 0 for every real g_{n+1} and every G_n ≥ 0, so the rate η/√G_n can only fall",
            rise.is_nonnegative is True, measured=f"{rise} ≥ 0: {rise.is_nonnegative}", expected="True",
            id="accumulator_never_falls", refutes="AdaGrad's learning rate recovers when gradients get small")
    p.step("rate_{n+1} / rate_n = √G_n / √G_{n+1} =", sp.sqrt(Gn) / sp.sqrt(_update(Gn, gn, p.myth)))
    x = sp.Symbol("x", positive=True)
    lower = sp.integrate(1 / sp.sqrt(x), (x, 1, n + 1))  # Σ_{k≤n} 1/√k ≥ ∫₁^{n+1} dx/√x (1/√x decreases)
    p.step("distance travelled: Σ_{k≤n} η/√k ≥ η·∫₁^{n+1} dx/√x =", eta * lower)
    p.identity("that bound grows like 2η√n: the steps shrink, yet the total distance is unbounded",
               sp.limit(lower / sp.sqrt(n), n, sp.oo), 2)


def experiment(p):
    import sympy as sp
    import torch

    g_s, t_s, eta_s, _, step = _steps()
    expected = sp.lambdify((eta_s, g_s, t_s), step)
    eta = 0.1
    scales = torch.tensor([1e-2, 1.0, 1e2], dtype=torch.float64, device=p.device)

    def run(grads):
        """Steps of the real torch.optim.Adagrad, or (p.myth) of the misconception's model: the step
        stays η·g/|g| — the accumulator replaced by the latest g² (no memory)."""
        w = torch.zeros(grads.shape[1], dtype=torch.float64, device=p.device, requires_grad=True)
        opt = (torch.optim.RMSprop([w], lr=eta, alpha=0.0, eps=1e-10) if p.myth
               else torch.optim.Adagrad([w], lr=eta))
        out = []
        for g in grads:
            before = w.detach().clone()
            opt.zero_grad()
            (g * w).sum().backward()
            opt.step()
            out.append(before - w.detach())
        return torch.stack(out)

    steps = run(scales.expand(100, 3))
    p.allclose("constant g at scales 10⁻², 1, 10²: step t (t = 1…100) vs η/√t", steps,
               torch.tensor([[expected(eta, 1.0, t)] * 3 for t in range(1, 101)], dtype=torch.float64),
               rtol=1e-6, atol=0, id="step_is_eta_over_sqrt_t")
    p.close("step 100 / step 1 (expected: the derived step_100/step_1)", steps[-1, 1] / steps[0, 1],
            float(expected(eta, 1.0, 100) / expected(eta, 1.0, 1)), rtol=1e-6, id="step_ratio_100",
            refutes="AdaGrad's step stays constant")

    gen = torch.Generator().manual_seed(p.seed)
    grads = torch.randn(20, 8, generator=gen, dtype=torch.float64).to(p.device)
    w = torch.zeros(8, dtype=torch.float64, device=p.device, requires_grad=True)
    opt = torch.optim.Adagrad([w], lr=eta)
    acc = torch.zeros(8, dtype=torch.float64, device=p.device)
    for g in grads:
        opt.zero_grad()
        (g * w).sum().backward()
        opt.step()
        acc = _update(acc, g)  # the update the symbolic part solved and signed
    p.allclose("torch.optim.Adagrad state 'sum' after 20 random gradients vs G ← G + g² applied 20 times",
               opt.state[w]["sum"], acc, rtol=1e-12, id="accumulator_matches_torch")

    cases = []
    for seed in range(4):
        for scale in (1e-3, 1.0, 1e3):
            grads = scale * torch.randn(60, 8, generator=gen, dtype=torch.float64).to(p.device)
            grads[30:] *= 0.01  # gradients that become small later: the rate still must not rise
            rate = run(grads).abs() / grads.abs()
            rise = float(((rate[1:] - rate[:-1]) / rate[:-1]).max())
            cases.append((f"seed {seed}, scale {scale:g}", rise))
    p.sweep("largest relative rise of |Δw_t|/|g_t| from one step to the next (rounding ≲ 10⁻⁹)", cases, "<=", 1e-6,
            id="rate_never_rises", refutes="AdaGrad's learning rate recovers when gradients get small")
