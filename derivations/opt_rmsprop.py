"""RMSProp: an exponential average of g² forgets, so the step does not shrink for ever — and
torch's RMSprop, having no bias correction, starts with a step of η/√(1 − α).

Symbolic: v_t = αv_{t−1} + (1 − α)g_t². For a constant gradient v_t = g²(1 − αᵗ), so the step
η·g/√v_t = η/√(1 − αᵗ) falls towards η and stays there (AdaGrad's went to 0). The first step is
η/√(1 − α): 10η at torch's default α = 0.99. An Adam-style correction v̂ = v/(1 − αᵗ) would
make every step exactly η.
Numeric: torch.optim.RMSprop with a constant gradient: each step against the lambdified
η/√(1 − αᵗ) for several α, and the steady step against torch.optim.Adagrad's at the same t.
"""

TITLE = {
    "en": "RMSProp: a leaky average of g², steps that settle at η — but torch's first step is η/√(1 − α)",
    "zh": "RMSProp：g² 的指数滑动平均，步长稳定在 η——但 torch 的第一步是 η/√(1 − α)",
}
CLAIMS = [
    {
        "en": "With a constant gradient RMSProp's t-th step is η/√(1 − αᵗ) → η: it does not decay like AdaGrad's η/√t.",
        "zh": "梯度恒定时 RMSProp 第 t 步为 η/√(1 − αᵗ) → η：不像 AdaGrad 那样按 η/√t 衰减。",
    },
    {
        "en": "torch.optim.RMSprop has no bias correction: its first step is η/√(1 − α), 10η at the default α = 0.99.",
        "zh": "torch.optim.RMSprop 没有偏差校正：第一步为 η/√(1 − α)，默认 α = 0.99 时是 10η。",
    },
]


def _step():
    import sympy as sp

    alpha = sp.Symbol("alpha", positive=True)
    g, eta = sp.symbols("g eta", positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    v = sp.Function("v")
    vt = sp.simplify(sp.rsolve(v(t) - alpha * v(t - 1) - (1 - alpha) * g**2, v(t), {v(0): 0}))
    return alpha, g, eta, t, vt, sp.simplify(eta * g / sp.sqrt(vt))


def derive(p):
    import sympy as sp

    alpha, g, eta, t, vt, step = _step()
    p.step("constant g: solve v_t = αv_{t−1} + (1 − α)g², v₀ = 0", vt)
    p.identity("v_t = g²(1 − αᵗ)", vt, g**2 * (1 - alpha**t))
    p.identity("step_t = η·g/√v_t = η/√(1 − αᵗ)", step**2, (eta / sp.sqrt(1 - alpha**t)) ** 2)
    p.identity("first step at α = 0.99: 10η", step.subs({t: 1, alpha: sp.Rational(99, 100)}), 10 * eta)
    p.identity("t → ∞ (0 < α < 1): the step tends to η, not to 0",
               sp.limit(step.subs(alpha, sp.Rational(99, 100)), t, sp.oo), eta)
    p.identity("with Adam's correction v̂ = v/(1 − αᵗ) every step is exactly η",
               sp.simplify(eta * g / sp.sqrt(vt / (1 - alpha**t))), eta)


def experiment(p):
    import sympy as sp
    import torch

    alpha_s, g_s, eta_s, t_s, _, step = _step()
    formula = sp.lambdify((eta_s, g_s, alpha_s, t_s), step)
    eta, g = 0.01, 3.0

    def steps(make, n):
        w = torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True)
        opt = make([w])
        out = []
        for _ in range(n):
            before = w.detach().clone()
            opt.zero_grad()
            (g * w).sum().backward()
            opt.step()
            out.append(float(before - w.detach()))
        return out

    for alpha, row in [(0.9, "rmsprop_steps_a90"), (0.99, "rmsprop_steps_a99")]:
        got = steps(lambda ps, a=alpha: torch.optim.RMSprop(ps, lr=eta, alpha=a, eps=0.0), 100)
        want = [formula(eta, g, alpha, t) for t in range(1, 101)]
        p.allclose(f"α = {alpha}: 100 steps of torch RMSprop vs η/√(1 − αᵗ)", torch.tensor(got), torch.tensor(want),
                   rtol=1e-6, id=row)

    def rmsprop(ps):
        """The real torch RMSprop, or (p.myth) the misconception's model: RMSProp with an
        Adam-style bias correction, whose first step is η."""
        if p.myth:
            return torch.optim.Adam(ps, lr=eta, betas=(0.0, 0.99), eps=1e-8)
        return torch.optim.RMSprop(ps, lr=eta)

    first = steps(rmsprop, 1)[0]
    p.close("torch.optim.RMSprop(lr=η) defaults (α = 0.99): first step / η", first / eta, 10.0, rtol=1e-6,
            id="first_step_ten_lr", refutes="RMSprop's first step is about the learning rate")
    late_rms = steps(lambda ps: torch.optim.RMSprop(ps, lr=eta), 400)[-1]
    late_ada = steps(lambda ps: torch.optim.Adagrad(ps, lr=eta), 400)[-1]
    p.close("step 400 of RMSprop (α = 0.99) / η vs 1/√(1 − 0.99⁴⁰⁰) (no decay)", late_rms / eta,
            formula(1.0, g, 0.99, 400), rtol=1e-6, id="rmsprop_step_400")
    p.close("step 400 of Adagrad / η (= 1/√400)", late_ada / eta, 400 ** -0.5, rtol=1e-6, id="adagrad_step_400")
