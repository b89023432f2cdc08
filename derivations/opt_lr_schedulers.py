"""Step, exponential, cosine and one-cycle schedules: closed forms against torch.optim.lr_scheduler.

Symbolic: ExponentialLR's recursion η_t = γη_{t−1} solves to η₀γᵗ; StepLR multiplies by γ every s
steps, η₀γ^⌊t/s⌋. CosineAnnealingLR is implemented recursively (each step multiplies η − η_min by
(1 + cos(πt/T))/(1 + cos(π(t−1)/T))); the closed form η_min + ½(η₀ − η_min)(1 + cos(πt/T))
satisfies that recursion exactly — and is symmetric about t = T, so after T_max the rate rises
again. OneCycleLR (Smith & Topin) anneals by ½(cos(π·pct) + 1) from η_max/div_factor up to η_max
over the first pct_start of the steps, then down to η_max/(div_factor·final_div_factor), and by
default cycles momentum the opposite way between 0.95 and 0.85.
Numeric: each torch scheduler driving an SGD optimizer for a full run: every learning rate
against the lambdified closed form; the cosine rate beyond T_max; and the momentum OneCycleLR
writes into an optimizer created with momentum=0.
"""

TITLE = {
    "en": "Learning-rate schedules: step, exponential, cosine, one-cycle — closed forms vs torch.optim.lr_scheduler",
    "zh": "学习率调度：阶梯、指数、余弦、one-cycle——闭式解与 torch.optim.lr_scheduler 对照",
}
CLAIMS = [
    {
        "en": "StepLR: η₀γ^⌊t/s⌋; ExponentialLR: η₀γᵗ; CosineAnnealingLR: η_min + ½(η₀ − η_min)(1 + cos(πt/T)), "
              "which keeps going past T (the rate climbs back up: it is periodic, not clamped at η_min).",
        "zh": "StepLR：η₀γ^⌊t/s⌋；ExponentialLR：η₀γᵗ；CosineAnnealingLR：η_min + ½(η₀ − η_min)(1 + cos(πt/T))，"
              "超过 T 之后继续沿余弦走（学习率重新上升：它是周期的，不会停在 η_min）。",
    },
    {
        "en": "OneCycleLR warms up from η_max/25 to η_max over the first 30 % of the steps and anneals to "
              "η_max/(25·10⁴); with cycle_momentum=True (the default) it also sets momentum, 0.95 → 0.85 → 0.95, "
              "even in an SGD optimizer created with momentum=0.",
        "zh": "OneCycleLR 在前 30% 的步数内从 η_max/25 升到 η_max，然后退火到 η_max/(25·10⁴)；cycle_momentum=True（默认）"
              "时还会设置动量 0.95 → 0.85 → 0.95，即使 SGD 优化器创建时 momentum=0。",
    },
]


def _forms():
    import sympy as sp

    t, T, s = sp.symbols("t T s", positive=True)
    eta0, eta_min, gamma = sp.symbols("eta_0 eta_min gamma", positive=True)
    cosine = eta_min + (eta0 - eta_min) * (1 + sp.cos(sp.pi * t / T)) / 2
    start, end, pct = sp.symbols("start end pct")
    anneal = end + (start - end) / 2 * (sp.cos(sp.pi * pct) + 1)
    return t, T, s, eta0, eta_min, gamma, cosine, start, end, pct, anneal


def derive(p):
    import sympy as sp

    t, T, s, eta0, eta_min, gamma, cosine, start, end, pct, anneal = _forms()
    n = sp.Symbol("n", integer=True, nonnegative=True)
    eta = sp.Function("eta")
    expo = sp.rsolve(eta(n) - gamma * eta(n - 1), eta(n), {eta(0): eta0})
    p.identity("ExponentialLR: η_n = γ·η_{n−1} solves to η₀γⁿ", expo, eta0 * gamma**n)
    k, r = sp.symbols("k r", integer=True, nonnegative=True)
    step_lr = eta0 * gamma ** sp.floor((k * s + r) / s)
    p.identity("StepLR at t = ks + r, 0 ≤ r < s (⌊t/s⌋ = k): η₀γᵏ",
               step_lr.subs({s: 10, r: 3}), eta0 * gamma**k)
    ratio = (1 + sp.cos(sp.pi * t / T)) / (1 + sp.cos(sp.pi * (t - 1) / T))
    recursive = eta_min + (cosine.subs(t, t - 1) - eta_min) * ratio
    p.step("torch's cosine recursion applied to the closed form at t − 1", recursive)
    p.identity("… gives the closed form at t: η_min + ½(η₀ − η_min)(1 + cos(πt/T))", recursive, cosine)
    j = sp.Symbol("j", positive=True)
    p.identity("symmetric about T: η(T + j) = η(T − j), so the rate climbs again after T_max",
               sp.expand_trig(cosine.subs(t, T + j)), sp.expand_trig(cosine.subs(t, T - j)))
    p.identity("one-cycle anneal ½(cos πp + 1): starts at `start`", anneal.subs(pct, 0), start)
    p.identity("… and ends at `end`", anneal.subs(pct, 1), end)


def experiment(p):
    import math

    import sympy as sp
    import torch

    t, T, s, eta0, eta_min, gamma, cosine, start, end, pct, anneal = _forms()
    cos_f = sp.lambdify((t, T, eta0, eta_min), cosine)
    anneal_f = sp.lambdify((start, end, pct), anneal)
    w = torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True)

    def rates(make_sched, steps, base=0.1, momentum=0.0):
        opt = torch.optim.SGD([w], lr=base, momentum=momentum)
        sched = make_sched(opt)
        lrs, moms = [], []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(opt.param_groups[0]["momentum"])
            opt.step()
            sched.step()
        return lrs, moms

    L = torch.optim.lr_scheduler
    got, _ = rates(lambda o: L.StepLR(o, step_size=30, gamma=0.1), 100)
    p.allclose("StepLR(step_size=30, γ = 0.1), 100 steps vs η₀γ^⌊t/30⌋", got,
               [0.1 * 0.1 ** (i // 30) for i in range(100)], rtol=1e-12, id="step_lr")
    got, _ = rates(lambda o: L.ExponentialLR(o, gamma=0.95), 100)
    p.allclose("ExponentialLR(γ = 0.95), 100 steps vs η₀γᵗ", got, [0.1 * 0.95**i for i in range(100)], rtol=1e-9,
               id="exponential_lr")
    got, _ = rates(lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001), 75)
    want = [cos_f(i, 50, 0.1, 0.001) for i in range(75)]
    p.allclose("CosineAnnealingLR(T_max=50, η_min = 0.001), t = 0…74 vs the closed form", got, want,
               rtol=1e-9, id="cosine_lr")
    p.close("cosine rate at t = 74 (24 past T_max) / rate at t = 26 (symmetric)", got[74] / got[26], 1.0, rtol=1e-9)
    p.greater("cosine: η(74) / η(50) — past T_max the rate grows", got[74] / got[50], 10, id="cosine_rises_after_tmax")

    total, max_lr = 100, 1.0
    lrs, moms = rates(lambda o: L.OneCycleLR(o, max_lr=max_lr, total_steps=total,
                                             cycle_momentum=not p.myth), total)
    up = 0.3 * total - 1  # torch's phase boundary: pct_start·total_steps − 1
    init, final = max_lr / 25, max_lr / 25 / 1e4
    want = [anneal_f(init, max_lr, i / up) if i <= up else anneal_f(max_lr, final, (i - up) / (total - 1 - up))
            for i in range(total)]
    p.allclose("OneCycleLR(max_lr = 1, 100 steps), every rate vs the two cosine phases", lrs, want, rtol=1e-9,
               atol=1e-15, id="one_cycle_lr")
    peak = int(up)
    p.close("OneCycleLR: momentum at the learning-rate peak, SGD created with momentum=0 (cycled to 0.85)",
            moms[peak], 0.85, rtol=1e-12, id="one_cycle_sets_momentum",
            refutes="OneCycleLR only changes the learning rate")
    p.close("OneCycleLR: momentum at step 0 (0.95)", moms[0], 0.95, rtol=1e-12, id="one_cycle_momentum_start")
    p.holds("OneCycleLR: the peak learning rate is max_lr", math.isclose(max(lrs), max_lr), max(lrs), max_lr)
