"""Plain SGD: an L2 penalty and decoupled weight decay are the same step once the decay factor is d = ηλ.

Symbolic: differentiate L(w) + (λ/2)w², take one SGD step, and solve for the
decoupled decay factor d that makes w ← (1 − d)w − η∇L the same step.
(Loshchilov & Hutter's Proposition 1 names them the other way round: decay
factor λ, L2 coefficient λ′ = λ/α with α the learning rate.)
Numeric: three float64 runs of minibatch SGD on a small tanh network —
torch.optim.SGD(weight_decay=λ), SGD on the loss with (λ/2)‖θ‖² added, and a
hand-written decoupled step with factor ηλ — agree to ~1e-12 after many steps;
a decoupled step with the factor λ (not rescaled by η) does not.
Counterfactual (p.myth): torch's weight_decay modelled as "shrink by λ each step",
the reading that takes the L2 coefficient for the decay factor.
"""

TITLE = {
    "en": "Weight decay equals an L2 penalty under plain SGD (decay factor d = ηλ)",
    "zh": "普通 SGD 下权重衰减等价于 L2 惩罚（衰减系数 d = ηλ）",
}
CLAIMS = [
    {
        "en": "SGD on L + (λ/2)‖w‖² with learning rate η takes the step w ← (1 − ηλ)w − η∇L: "
              "decoupled weight decay w ← (1 − d)w − η∇L with factor d = ηλ (Loshchilov & Hutter's Proposition 1, "
              "which calls the decay factor λ and the L2 coefficient λ′ = λ/α).",
        "zh": "学习率为 η 时，对 L + (λ/2)‖w‖² 做 SGD 的一步是 w ← (1 − ηλ)w − η∇L，"
              "即衰减系数 d = ηλ 的解耦权重衰减 w ← (1 − d)w − η∇L（Loshchilov & Hutter 命题 1，"
              "该文把衰减系数记作 λ、L2 系数记作 λ′ = λ/α）。",
    },
    {
        "en": "torch.optim.SGD(weight_decay=λ) adds λw to the gradient, so its trajectory equals SGD on the "
              "penalised loss and the hand-written decoupled step (1 − ηλ)w − η∇L to rounding in float64.",
        "zh": "torch.optim.SGD(weight_decay=λ) 把 λw 加到梯度上，其轨迹与对加罚损失做 SGD、"
              "以及手写的解耦步 (1 − ηλ)w − η∇L 在 float64 下只差舍入误差。",
    },
    {
        "en": "Without the rescaling (decay factor d = λ instead of ηλ) the trajectories differ.",
        "zh": "若不做换算（衰减系数用 d = λ 而不是 ηλ），轨迹就不同。",
    },
]


def derive(p):
    import sympy as sp

    w, eta, lam, lam_d = sp.symbols("w eta lambda d", positive=True)
    L = sp.Function("L")
    objective = L(w) + lam / 2 * w**2
    p.step("L2-penalised objective (one coordinate; the penalty is separable)", objective)
    grad = sp.diff(objective, w)
    p.step("Its gradient: the penalty contributes λw", grad)
    l2_step = sp.expand(w - eta * grad)
    p.step("One SGD step with learning rate η on the penalised objective", l2_step)
    decoupled_step = (1 - lam_d) * w - eta * sp.diff(L(w), w)
    p.step("Decoupled weight decay: shrink by (1 − d), then step on L alone", decoupled_step)
    solution = sp.solve(sp.Eq(l2_step, decoupled_step), lam_d)
    p.step("Solve 'same step for every w and every ∇L' for d", solution[0])
    p.identity("the matching decay factor is d = ηλ", solution[0], eta * lam)
    p.identity("the L2 step factors as (1 − ηλ)w − η∇L", l2_step,
               (1 - eta * lam) * w - eta * sp.diff(L(w), w))
    gap = sp.factor(l2_step - decoupled_step.subs(lam_d, lam))
    p.step("With the unrescaled factor d = λ the steps differ by", gap)
    p.identity("that gap is λ(1 − η)w: zero only when η = 1", gap, lam * (1 - eta) * w)


def _net(g, device):
    import torch

    torch_dtype = torch.float64
    net = torch.nn.Sequential(torch.nn.Linear(6, 16, dtype=torch_dtype), torch.nn.Tanh(),
                              torch.nn.Linear(16, 1, dtype=torch_dtype))
    with torch.no_grad():
        for param in net.parameters():
            param.copy_(0.5 * torch.randn(param.shape, generator=g, dtype=torch_dtype))
    return net.to(device)


def experiment(p):
    import copy

    import torch

    g = torch.Generator().manual_seed(p.seed)
    steps = 200 if p.quick else 1000
    eta, lam = 0.05, 0.1
    X = torch.randn(128, 6, generator=g, dtype=torch.float64)
    y = torch.sin(X @ torch.randn(6, 1, generator=g, dtype=torch.float64))
    batches = [torch.randint(0, 128, (16,), generator=g) for _ in range(steps)]
    X, y = X.to(p.device), y.to(p.device)
    base = _net(g, p.device)

    def data_loss(net, idx):
        return ((net(X[idx]) - y[idx]) ** 2).mean()

    def run(kind, decay=None):
        net = copy.deepcopy(base)
        params = list(net.parameters())
        if kind == "torch_wd" and p.myth:  # the myth: weight_decay=λ shrinks by λ, like decay factor d = λ
            kind, decay = "decoupled", lam
        wd = lam if kind == "torch_wd" else 0.0
        opt = torch.optim.SGD(params, lr=eta, weight_decay=wd)
        norms = []
        for idx in batches:
            loss = data_loss(net, idx)
            if kind == "l2_in_loss":
                loss = loss + lam / 2 * sum((q ** 2).sum() for q in params)
            opt.zero_grad()
            loss.backward()
            if kind == "decoupled":
                with torch.no_grad():
                    for q in params:  # the gradient was taken at the old w; shrink, then step
                        q.mul_(1 - decay)
                        q.sub_(eta * q.grad)
            else:
                opt.step()
            norms.append(float(torch.sqrt(sum((q.detach() ** 2).sum() for q in params))))
        return torch.cat([q.detach().flatten() for q in params]), norms

    w_torch, n_torch = run("torch_wd")
    w_loss, _ = run("l2_in_loss")
    w_dec, n_dec = run("decoupled", decay=eta * lam)
    w_raw, n_raw = run("decoupled", decay=lam)

    p.allclose(f"SGD(weight_decay=λ) vs SGD on L + (λ/2)‖θ‖², {steps} steps", w_torch, w_loss,
               rtol=0, atol=1e-12, id="sgd_wd_equals_l2")
    p.allclose(f"SGD(weight_decay=λ) vs hand-written (1 − ηλ)θ − η∇L, {steps} steps", w_torch, w_dec,
               rtol=0, atol=1e-12, id="sgd_wd_equals_decoupled")
    p.greater("max |Δθ| SGD(weight_decay=λ) vs decay with the unrescaled factor d = λ (must differ)",
              (w_torch - w_raw).abs().max(), 1e-3, id="unrescaled_decay_differs",
              refutes="weight_decay=λ shrinks the weights by the factor λ each step")
    xs = list(range(1, steps + 1))
    p.plot("‖θ‖ along the SGD trajectory",
           {"SGD(weight_decay=λ)": (xs, n_torch), "decoupled, d = ηλ": (xs, n_dec),
            "decoupled, d = λ": (xs, n_raw)},
           xlabel="step", ylabel="‖θ‖")
