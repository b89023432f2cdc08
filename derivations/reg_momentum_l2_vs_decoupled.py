"""SGD with momentum: torch's weight_decay is still exactly L2, but no longer decoupled decay.

Symbolic: unroll two steps of heavy-ball momentum (PyTorch's form b ← μb + g,
w ← w − ηb) with the L2 gradient λw fed into the buffer, and of SGDW, whose
decay (1 − ηλ) is applied outside the buffer. Step 1 agrees; step 2 differs by
exactly −ημλw₀, because the L2 term is remembered by the momentum buffer. In a
steady state the buffer holds b = μb + λw, i.e. b = λw/(1 − μ).
Numeric: torch.optim.SGD(momentum, weight_decay=λ) equals momentum SGD on the
penalised loss to ~1e-12; the two-step gap to a hand-written SGDW matches
−ημλw₀; over many steps the trajectories separate.
Counterfactual (p.myth): torch's weight_decay modelled as SGDW (decay outside the buffer).
"""

TITLE = {
    "en": "With momentum, L2 (torch weight_decay) ≠ decoupled weight decay",
    "zh": "带动量时，L2（torch 的 weight_decay）≠ 解耦权重衰减",
}
CLAIMS = [
    {
        "en": "torch.optim.SGD(momentum=μ, weight_decay=λ) adds λw to the gradient before the momentum buffer, so it "
              "is exactly momentum SGD on L + (λ/2)‖w‖² (trajectories agree to ~1e-12 in float64).",
        "zh": "torch.optim.SGD(momentum=μ, weight_decay=λ) 在进入动量缓冲前把 λw 加到梯度上，因此它与对 "
              "L + (λ/2)‖w‖² 做动量 SGD 完全相同（float64 轨迹相差约 1e-12）。",
    },
    {
        "en": "Decoupled decay (SGDW: w ← (1 − ηλ)w − ηb with b built from ∇L only) differs: after two steps the gap is "
              "exactly −ημλw₀, and in a steady state L2 under momentum decays like ηλ/(1 − μ) per step.",
        "zh": "解耦衰减（SGDW：w ← (1 − ηλ)w − ηb，b 只累积 ∇L）不同：两步后差值恰为 −ημλw₀；"
              "稳态下动量中的 L2 每步相当于衰减 ηλ/(1 − μ)。",
    },
]


def derive(p):
    import sympy as sp

    w, w0, w1 = sp.symbols("w w_0 w_1")
    eta, lam, mu = sp.symbols("eta lambda mu", positive=True)
    G0, G1 = sp.symbols("G_0 G_1")  # ∇L at w₀ and at w₁ (the data gradient)
    L = sp.Function("L")
    pen_grad = sp.diff(L(w) + lam / 2 * w**2, w)
    p.step("Gradient fed to the optimizer by weight_decay=λ (= gradient of L + (λ/2)w²)", pen_grad)

    def l2_grad(at, data_grad):
        return pen_grad.subs(sp.Derivative(L(w), w), data_grad).subs(w, at)

    # PyTorch heavy ball, dampening 0: b₁ = g₁, b_t = μ b_{t−1} + g_t, w_t = w_{t−1} − η b_t.
    b1 = l2_grad(w0, G0)
    w1_l2 = w0 - eta * b1
    b1_w = G0
    d = sp.symbols("d", positive=True)  # SGDW's decay factor: which constant could match?
    d_match = sp.solve(sp.Eq(w1_l2, (1 - d) * w0 - eta * b1_w), d)
    p.step("Step 1, L2 through the buffer: w₁ = w₀ − η(G₀ + λw₀)", w1_l2)
    p.step("SGDW w₁ = (1 − d)w₀ − ηG₀ matches it for every w₀, G₀ only with d =", d_match[0])
    p.identity("the only matching constant is d = ηλ (so no other rescaling can work)", d_match[0], eta * lam)
    w1_sgdw = (1 - d_match[0]) * w0 - eta * b1_w
    p.step("so with that d step 1 is the same for both (d was solved for it): w₁ =", sp.expand(w1_sgdw))
    b2 = mu * b1 + l2_grad(w1, G1)
    w2_l2 = w1 - eta * b2
    w2_sgdw = (1 - d_match[0]) * w1 - eta * (mu * b1_w + G1)
    p.step("Step 2, L2: the buffer still holds λw₀ from step 1", sp.expand(w2_l2))
    p.step("Step 2, SGDW: the buffer holds ∇L only", sp.expand(w2_sgdw))
    gap = sp.factor(sp.expand(w2_l2 - w2_sgdw))
    p.step("Difference after two steps", gap)
    p.identity("w₂(L2) − w₂(SGDW) = −ημλw₀: the remembered penalty", gap, -eta * mu * lam * w0)
    p.identity("the gap vanishes without momentum (μ = 0)", gap.subs(mu, 0), 0)
    b = sp.symbols("b")
    steady = sp.solve(sp.Eq(b, mu * b + lam * w), b)[0]
    p.step("Steady state with w held fixed: the penalty's share b of the buffer solves b = μb + λw", steady)
    p.identity("effective per-step decay of L2 under momentum: ηb = ηλw/(1 − μ)",
               eta * steady, eta * lam * w / (1 - mu))

def experiment(p):
    import copy

    import torch

    g = torch.Generator().manual_seed(p.seed)
    steps = 200 if p.quick else 1000
    eta, lam, mu = 0.02, 0.05, 0.9
    X = torch.randn(128, 6, generator=g, dtype=torch.float64)
    y = torch.sin(X @ torch.randn(6, 1, generator=g, dtype=torch.float64))
    batches = [torch.randint(0, 128, (16,), generator=g) for _ in range(steps)]
    X, y = X.to(p.device), y.to(p.device)
    base = torch.nn.Sequential(torch.nn.Linear(6, 16, dtype=torch.float64), torch.nn.Tanh(),
                               torch.nn.Linear(16, 1, dtype=torch.float64))
    with torch.no_grad():
        for q in base.parameters():
            q.copy_(0.5 * torch.randn(q.shape, generator=g, dtype=torch.float64))
    base = base.to(p.device)

    def run(kind, n_steps, decay=0.0):
        if kind == "torch_wd" and p.myth:  # the myth: with momentum, weight_decay is decoupled decay
            kind, decay = "sgdw", eta * lam
        net = copy.deepcopy(base)
        params = list(net.parameters())
        opt = torch.optim.SGD(params, lr=eta, momentum=mu, weight_decay=lam if kind == "torch_wd" else 0.0)
        buffers = [torch.zeros_like(q) for q in params]
        norms = []
        for idx in batches[:n_steps]:
            loss = ((net(X[idx]) - y[idx]) ** 2).mean()
            if kind == "l2_in_loss":
                loss = loss + lam / 2 * sum((q ** 2).sum() for q in params)
            opt.zero_grad()
            loss.backward()
            if kind == "sgdw":  # decay outside the buffer; b₁ = g₁ matches torch's first step
                with torch.no_grad():
                    for q, b in zip(params, buffers):
                        b.mul_(mu).add_(q.grad)
                        q.mul_(1 - decay).sub_(eta * b)
            else:
                opt.step()
            norms.append(float(torch.sqrt(sum((q.detach() ** 2).sum() for q in params))))
        return torch.cat([q.detach().flatten() for q in params]), norms

    w0 = torch.cat([q.detach().flatten() for q in base.parameters()])
    w2_l2, _ = run("torch_wd", 2)
    w2_w, _ = run("sgdw", 2, decay=eta * lam)
    p.allclose("two steps: w₂(torch wd) − w₂(SGDW) vs −ημλw₀", w2_l2 - w2_w, -eta * mu * lam * w0,
               rtol=1e-8, atol=1e-14, id="momentum_wd_differs_from_sgdw",
               refutes="with momentum, SGD's weight_decay is decoupled weight decay")

    w_torch, n_torch = run("torch_wd", steps)
    w_loss, _ = run("l2_in_loss", steps)
    w_sgdw, n_sgdw = run("sgdw", steps, decay=eta * lam)
    w_sgdw10, n_sgdw10 = run("sgdw", steps, decay=eta * lam / (1 - mu))
    p.allclose(f"SGD(momentum=0.9, weight_decay=λ) vs momentum SGD on L + (λ/2)‖θ‖², {steps} steps",
               w_torch, w_loss, rtol=0, atol=1e-12, id="momentum_wd_equals_l2")
    p.greater(f"max |Δθ| torch weight_decay vs SGDW with d = ηλ after {steps} steps",
              (w_torch - w_sgdw).abs().max(), 1e-2, id="momentum_trajectories_separate",
              refutes="with momentum, SGD's weight_decay is decoupled weight decay")
    p.greater("… and vs SGDW with d = ηλ/(1 − μ) (no rescaling makes them equal)",
              (w_torch - w_sgdw10).abs().max(), 1e-4, id="steady_state_rescaling_differs")
    p.less("… though the steady-state factor ηλ/(1 − μ) is the closer one (ratio of the gaps)",
           (w_torch - w_sgdw10).abs().max() / (w_torch - w_sgdw).abs().max(), 1.0, id="steady_state_rescaling_closer")
    xs = list(range(1, steps + 1))
    p.plot("‖θ‖ under momentum 0.9",
           {"SGD(momentum, weight_decay=λ) = L2": (xs, n_torch), "SGDW, d = ηλ": (xs, n_sgdw),
            "SGDW, d = ηλ/(1−μ)": (xs, n_sgdw10)},
           xlabel="step", ylabel="‖θ‖")
