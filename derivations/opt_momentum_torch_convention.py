"""PyTorch's momentum b ← μb + (1 − τ)g, w ← w − ηb against the textbook v ← μv − ηg, w ← w + v.

Symbolic: with a constant learning rate the two are the same algorithm (v = −ηb, by
induction). When η changes, torch multiplies the whole buffer — past gradients included —
by the new η, while the textbook velocity keeps the old η inside: after one change from η₁
to η₂ right after step t the next iterates differ by exactly μb_t(η₁ − η₂) (μg₁(η₁ − η₂) for
t = 1). Dampening τ scales new gradients by 1 − τ, but torch's first step copies the gradient into the buffer undamped (swept over τ).
Numeric: torch.optim.SGD against a hand-written textbook recursion on a least-squares
model (gradients from autograd): equal to rounding at a constant rate, the derived gap
after a learning-rate change, the undamped first step, and separated trajectories under a
step schedule.
"""

TITLE = {
    "en": "torch.optim.SGD momentum vs the textbook velocity: same at constant η, different when η changes",
    "zh": "torch.optim.SGD 的动量与教科书速度形式：η 恒定时相同，η 变化时不同",
}
CLAIMS = [
    {
        "en": "torch: b_t = μb_{t−1} + (1 − τ)g_t (b₁ = g₁), w_t = w_{t−1} − η_t·b_t. Textbook (Sutskever et al.): "
              "v_t = μv_{t−1} − η_t·g_t, w_t = w_{t−1} + v_t. At constant η they coincide (v = −ηb).",
        "zh": "torch：b_t = μb_{t−1} + (1 − τ)g_t（b₁ = g₁），w_t = w_{t−1} − η_t·b_t。教科书（Sutskever 等）："
              "v_t = μv_{t−1} − η_t·g_t，w_t = w_{t−1} + v_t。η 恒定时二者相同（v = −ηb）。",
    },
    {
        "en": "When the learning rate changes from η₁ to η₂ after step t, the next iterates differ by μb_t(η₁ − η₂) "
              "(μg₁(η₁ − η₂) for t = 1): torch rescales the remembered gradients at once, the textbook form lets "
              "them fade out at the old rate.",
        "zh": "学习率在第 t 步之后从 η₁ 变为 η₂ 时，下一个迭代点相差 μb_t(η₁ − η₂)（t = 1 时为 μg₁(η₁ − η₂)）："
              "torch 立刻按新学习率缩放记住的梯度，教科书形式让它们以旧学习率逐渐淡出。",
    },
    {
        "en": "torch's first momentum step is undamped: b₁ = g₁ whatever the dampening τ.",
        "zh": "torch 的第一步动量不受 dampening 影响：无论 τ 为多少，b₁ = g₁。",
    },
]


def derive(p):
    import sympy as sp

    mu, tau = sp.symbols("mu tau", nonnegative=True)
    eta, eta1, eta2 = sp.symbols("eta eta_1 eta_2", positive=True)
    g1, g2, gt, b_prev, w0 = sp.symbols("g_1 g_2 g_t b_prev w_0")
    # Induction at constant η: suppose v_{t−1} = −η·b_{t−1}; then v_t = −η·b_t (τ = 0).
    v_prev = -eta * b_prev
    v_t = mu * v_prev - eta * gt
    b_t = mu * b_prev + gt
    p.step("textbook v_t = μv_{t−1} − ηg_t with v_{t−1} = −ηb_{t−1}", v_t)
    p.identity("… = −η·(μb_{t−1} + g_t) = −η·b_t: the same step as torch", v_t, -eta * b_t)
    p.step("base case (v₀ = 0, torch's b₁ = g₁): v₁ = −ηg₁ = −η·b₁", mu * 0 - eta * g1)
    # A learning-rate change between step 1 and step 2 (τ = 0).
    w1 = w0 - eta1 * g1
    w2_torch = w1 - eta2 * (mu * g1 + g2)
    w2_text = w1 + (mu * (-eta1 * g1) - eta2 * g2)
    gap = sp.factor(w2_torch - w2_text)
    p.step("w₂(torch) − w₂(textbook) after η₁ → η₂", gap)
    p.identity("gap = μg₁(η₁ − η₂)", gap, mu * g1 * (eta1 - eta2))
    p.identity("no gap without a change (η₁ = η₂)", gap.subs(eta2, eta1), 0)
    # The change after any step t: up to t both sit at the same w_t with v_t = −η₁b_t (induction above).
    wt = sp.Symbol("w_t")
    gap_t = sp.factor((wt - eta2 * (mu * b_prev + gt)) - (wt + mu * (-eta1 * b_prev) - eta2 * gt))
    p.identity("η₁ → η₂ after step t (buffer b_t = b_prev): the next iterates differ by μb_t(η₁ − η₂)",
               gap_t, mu * b_prev * (eta1 - eta2))
    # Dampening: torch's buffer starts as a copy of g₁, later gradients enter with (1 − τ).
    b2 = mu * g1 + (1 - tau) * g2
    p.step("torch with dampening τ: b₁ = g₁, b₂ = μg₁ + (1 − τ)g₂", b2)
    steady = sp.solve(sp.Eq(sp.Symbol("b"), mu * sp.Symbol("b") + (1 - tau) * sp.Symbol("g")), sp.Symbol("b"))[0]
    p.identity("steady buffer for a constant g: (1 − τ)g/(1 − μ); τ = μ makes it an EMA of g", steady.subs(tau, mu),
               sp.Symbol("g"))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    X = torch.randn(32, 5, generator=gen, dtype=torch.float64).to(p.device)
    y = torch.randn(32, generator=gen, dtype=torch.float64).to(p.device)
    w_init = torch.randn(5, generator=gen, dtype=torch.float64).to(p.device)

    def grad(w):
        w = w.detach().clone().requires_grad_(True)
        ((X @ w - y) ** 2).mean().backward()
        return w.grad

    def torch_sgd(lrs, mu, tau=0.0):
        """The real torch.optim.SGD, or (p.myth) the textbook recursion the myth says it is, with
        dampening applied from the very first step."""
        if p.myth:
            w, v = w_init.clone(), torch.zeros_like(w_init)
            for lr in lrs:
                v = mu * v - lr * (1 - tau) * grad(w)
                w = w + v
            return w
        w = w_init.clone().requires_grad_(True)
        opt = torch.optim.SGD([w], lr=lrs[0], momentum=mu, dampening=tau)
        for lr in lrs:
            opt.param_groups[0]["lr"] = lr
            opt.zero_grad()
            ((X @ w - y) ** 2).mean().backward()
            opt.step()
        return w.detach()

    def textbook(lrs, mu):
        w, v = w_init.clone(), torch.zeros_like(w_init)
        for lr in lrs:
            v = mu * v - lr * grad(w)
            w = w + v
        return w

    mu = 0.9
    const = [0.05] * 50
    p.allclose("constant η = 0.05, 50 steps: torch SGD vs textbook velocity", torch_sgd(const, mu), textbook(const, mu),
               rtol=0, atol=1e-12, id="constant_lr_same")
    eta1, eta2 = 0.05, 0.005
    g1 = grad(w_init)
    gap = torch_sgd([eta1, eta2], mu) - textbook([eta1, eta2], mu)
    p.allclose("η 0.05 → 0.005 after step 1: w₂(torch) − w₂(textbook) vs μg₁(η₁ − η₂)", gap, mu * g1 * (eta1 - eta2),
               rtol=1e-9, atol=1e-15, id="lr_change_gap", refutes="PyTorch momentum is the textbook v = μv − ηg")
    p.greater("that gap, ‖w₂(torch) − w₂(textbook)‖ (not a rounding effect)", gap.norm(), 1e-4)
    # A change after step 10: the gap is μb₁₀(η₁ − η₂), b₁₀ = −v₁₀/η₁ taken from the textbook run.
    w10, v10 = w_init.clone(), torch.zeros_like(w_init)
    for _ in range(10):
        v10 = mu * v10 - eta1 * grad(w10)
        w10 = w10 + v10
    gap10 = torch_sgd([eta1] * 10 + [eta2], mu) - textbook([eta1] * 10 + [eta2], mu)
    p.allclose("η 0.05 → 0.005 after step 10: w₁₁(torch) − w₁₁(textbook) vs μb₁₀(η₁ − η₂), b₁₀ = −v₁₀/η₁", gap10,
               mu * (-v10 / eta1) * (eta1 - eta2), rtol=1e-9, atol=1e-15, id="lr_change_gap_step10")
    cases = [(f"τ = {tau}", float((torch_sgd([0.05], mu, tau=tau) - (w_init - 0.05 * g1)).abs().max()))
             for tau in (0.1, 0.5, 0.9, 0.99)]
    p.sweep("dampening τ: max |torch's first step − (w₀ − ηg₁)| (undamped)", cases, "<=", 1e-15,
            id="first_step_undamped", refutes="dampening scales the very first step too")
    schedule = [0.05] * 30 + [0.005] * 30
    apart = (torch_sgd(schedule, mu) - textbook(schedule, mu)).norm() / (w_init.norm())
    p.greater("StepLR-like η 0.05 → 0.005 at step 30, 60 steps: ‖w(torch) − w(textbook)‖/‖w₀‖", apart, 1e-3,
              id="schedule_trajectories_differ")
