"""Under Adam, an L2 penalty and decoupled weight decay (AdamW) are different algorithms.

Symbolic: Adam+L2 feeds g + λw into the moments, so the penalty is divided by
√v̂ like any gradient; on the very first step m̂/√v̂ = (g + λw)/|g + λw| and the
size of the penalty drops out. AdamW shrinks w by (1 − ηλ) outside the moments.
Numeric (float64): torch.optim.Adam(weight_decay=λ) equals Adam on
L + (λ/2)‖θ‖²; torch.optim.AdamW equals a hand-written AdamW step; the two
trajectories differ; on a fresh optimizer the L2 term changes Adam's first step
by ~0 while AdamW's first step changes by exactly −ηλw. Adam(decoupled_weight_decay=True)
runs AdamW's algorithm; AdamW with its defaults (lr 1e-3, weight_decay 0.01) shrinks a
weight with zero gradient by lr·λ = 1e-5 per step.
Counterfactual (p.myth): Adam(weight_decay=λ) modelled as AdamW.
"""

TITLE = {
    "en": "Adam + L2 (Adam's weight_decay) vs AdamW (decoupled weight decay)",
    "zh": "Adam + L2（Adam 的 weight_decay）与 AdamW（解耦权重衰减）",
}
CLAIMS = [
    {
        "en": "torch.optim.Adam(weight_decay=λ) adds λw to the gradient: it is Adam run on L + (λ/2)‖w‖², so the "
              "penalty is rescaled by the adaptive denominator √v̂ + ε.",
        "zh": "torch.optim.Adam(weight_decay=λ) 把 λw 加到梯度上：等价于对 L + (λ/2)‖w‖² 运行 Adam，"
              "惩罚项会被自适应分母 √v̂ + ε 重新缩放。",
    },
    {
        "en": "torch.optim.AdamW applies w ← (1 − ηλ)w and then the plain Adam step on ∇L; it matches a hand-written "
              "AdamW to ~1e-12 and its trajectory differs from Adam + L2.",
        "zh": "torch.optim.AdamW 先做 w ← (1 − ηλ)w，再对 ∇L 做普通 Adam 步；与手写 AdamW 相差约 1e-12，"
              "其轨迹与 Adam + L2 不同。",
    },
    {
        "en": "On Adam's first step m̂/√v̂ = sign(g + λw): the magnitude of the L2 term drops out, while AdamW's "
              "first step still moves every weight by exactly −ηλw.",
        "zh": "Adam 第一步中 m̂/√v̂ = sign(g + λw)：L2 项的大小被抵消；而 AdamW 第一步仍使每个权重恰好多移动 −ηλw。",
    },
]


def derive(p):
    import sympy as sp

    w, G, lam, eta, b1, b2 = sp.symbols("w g lambda eta beta_1 beta_2", positive=True)
    L = sp.Function("L")
    x = sp.symbols("x")
    g_l2 = sp.diff(L(x) + lam / 2 * x**2, x).subs(sp.Derivative(L(x), x), G).subs(x, w)
    p.step("Adam(weight_decay=λ) hands the moments the L2 gradient", g_l2)
    m1 = (1 - b1) * g_l2
    v1 = (1 - b2) * g_l2**2
    m_hat, v_hat = m1 / (1 - b1), v1 / (1 - b2)
    p.step("First step from m₀ = v₀ = 0: bias-corrected moments m̂₁, v̂₁", sp.Tuple(m_hat, v_hat))
    adam_l2_step = sp.simplify(-eta * m_hat / sp.sqrt(v_hat))
    p.step("Adam + L2 update (ε = 0): −η m̂/√v̂, here with g + λw > 0 (the other sign is symmetric)", adam_l2_step)
    p.identity("the update does not depend on λ: ∂/∂λ = 0", sp.diff(adam_l2_step, lam), 0)
    m_hat_w = ((1 - b1) * G) / (1 - b1)
    v_hat_w = ((1 - b2) * G**2) / (1 - b2)
    adamw_w1 = (1 - eta * lam) * w - eta * m_hat_w / sp.sqrt(v_hat_w)
    p.step("AdamW: w₁ = (1 − ηλ)w − η m̂/√v̂, the moments built from g alone", adamw_w1)
    p.identity("AdamW's first step changes with λ at rate −ηw", sp.diff(adamw_w1, lam), -eta * w)
    p.step("Later steps: λw is averaged into m̂ and divided by √v̂ + ε like any gradient, so its effect "
           "depends on each weight's gradient history (see reg_adam_l2_per_weight)")

def _setup(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    steps = 200 if p.quick else 1000
    X = torch.randn(128, 6, generator=g, dtype=torch.float64)
    y = torch.sin(X @ torch.randn(6, 1, generator=g, dtype=torch.float64))
    batches = [torch.randint(0, 128, (16,), generator=g) for _ in range(steps)]
    net = torch.nn.Sequential(torch.nn.Linear(6, 16, dtype=torch.float64), torch.nn.Tanh(),
                              torch.nn.Linear(16, 1, dtype=torch.float64))
    with torch.no_grad():
        for q in net.parameters():
            q.copy_(0.5 * torch.randn(q.shape, generator=g, dtype=torch.float64))
    return X.to(p.device), y.to(p.device), batches, net.to(p.device)


def experiment(p):
    import copy

    import torch

    X, y, batches, base = _setup(p)
    eta, lam, beta1, beta2, eps = 0.01, 0.1, 0.9, 0.999, 1e-8

    def run(kind, n_steps, weight_decay=lam, eps=eps):
        if kind == "adam_wd" and p.myth:  # the myth: Adam's weight_decay is AdamW's decoupled decay
            kind = "adamw"
        net = copy.deepcopy(base)
        params = list(net.parameters())
        if kind == "adam_decoupled":
            opt = torch.optim.Adam(params, lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
                                   decoupled_weight_decay=True)
        elif kind == "adam_wd":
            opt = torch.optim.Adam(params, lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
        elif kind == "adamw":
            opt = torch.optim.AdamW(params, lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
        else:
            opt = torch.optim.Adam(params, lr=eta, betas=(beta1, beta2), eps=eps)
        m = [torch.zeros_like(q) for q in params]
        v = [torch.zeros_like(q) for q in params]
        for t, idx in enumerate(batches[:n_steps], start=1):
            loss = ((net(X[idx]) - y[idx]) ** 2).mean()
            if kind == "adam_l2_in_loss":
                loss = loss + weight_decay / 2 * sum((q ** 2).sum() for q in params)
            opt.zero_grad()
            loss.backward()
            if kind == "hand_adamw":  # Loshchilov & Hutter, Algorithm 2, with PyTorch's lr·λ scaling
                with torch.no_grad():
                    for q, mq, vq in zip(params, m, v):
                        q.mul_(1 - eta * weight_decay)
                        mq.mul_(beta1).add_((1 - beta1) * q.grad)
                        vq.mul_(beta2).add_((1 - beta2) * q.grad ** 2)
                        m_hat = mq / (1 - beta1 ** t)
                        v_hat = vq / (1 - beta2 ** t)
                        q.sub_(eta * m_hat / (torch.sqrt(v_hat) + eps))
            else:
                opt.step()
        return torch.cat([q.detach().flatten() for q in params])

    steps = len(batches)
    w_adam_wd = run("adam_wd", steps)
    w_adam_loss = run("adam_l2_in_loss", steps)
    w_adamw = run("adamw", steps)
    w_hand = run("hand_adamw", steps)
    p.allclose(f"Adam(weight_decay=λ) vs Adam on L + (λ/2)‖θ‖², {steps} steps", w_adam_wd, w_adam_loss,
               rtol=0, atol=1e-12, id="adam_wd_equals_l2")
    p.allclose(f"torch AdamW vs hand-written AdamW, {steps} steps", w_adamw, w_hand, rtol=0, atol=1e-12,
               id="adamw_equals_hand")
    p.greater(f"max |Δθ| Adam + L2 vs AdamW, same λ (different algorithms), {steps} steps",
              (w_adam_wd - w_adamw).abs().max(), 1e-2, id="adam_l2_differs_from_adamw",
              refutes="Adam(weight_decay=λ) is AdamW")
    p.allclose(f"Adam(decoupled_weight_decay=True) vs AdamW, {steps} steps", run("adam_decoupled", steps), w_adamw,
               rtol=0, atol=1e-12, id="adam_decoupled_flag_is_adamw")
    # AdamW's defaults: a weight whose gradient is 0 only feels the decay, lr·λ per step.
    probe = torch.ones(4, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.AdamW([probe])
    probe.grad = torch.zeros_like(probe)
    opt.step()
    p.close("AdamW() with its defaults: one-step shrink 1 − w₁/w₀ of a zero-gradient weight (= lr·λ)",
            1 - probe.detach()[0], opt.defaults["lr"] * opt.defaults["weight_decay"], rtol=1e-6,
            id="adamw_default_shrink")
    p.equal("AdamW() default weight_decay", opt.defaults["weight_decay"], 0.01, id="adamw_default_wd")

    # First step from a fresh optimizer: how much does the decay term move each weight?
    w0 = torch.cat([q.detach().flatten() for q in base.parameters()])
    # ε = 0 here, as in the symbolic step (with ε = 1e-8 the leak is ε/(|g|·|g + λw|), tiny but not 0).
    shift_l2 = run("adam_wd", 1, eps=0.0) - run("adam_wd", 1, weight_decay=0.0, eps=0.0)
    shift_w = run("adamw", 1) - run("adamw", 1, weight_decay=0.0)
    p.allclose("AdamW, first step: effect of the decay = −ηλw₀", shift_w, -eta * lam * w0, rtol=1e-9, atol=1e-14)
    # Where λw does not flip the sign of g, Adam's first step is −η·sign(g) with or without the penalty.
    net = copy.deepcopy(base)
    ((net(X[batches[0]]) - y[batches[0]]) ** 2).mean().backward()
    grad0 = torch.cat([q.grad.flatten() for q in net.parameters()])
    same_sign = torch.sign(grad0) == torch.sign(grad0 + lam * w0)
    p.less("Adam + L2 (ε = 0), first step: max |effect of λ| where sign(g + λw) = sign(g), in units of η",
           float(shift_l2[same_sign].abs().max()) / eta, 1e-10)
    p.greater("… whereas AdamW's first-step effect of λ, max |ηλw₀| in units of η", float(shift_w.abs().max()) / eta,
              1e-3)
