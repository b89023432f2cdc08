"""Adam + L2 regularises each weight by λ/(its gradient scale); AdamW decays every weight alike.

Symbolic: with ε = 0, Adam's step m̂/√v̂ is unchanged when all of a weight's
gradients are multiplied by s > 0. A weight whose loss gradient is s·ℓ′(w)
gets, under Adam + L2, the gradient s·ℓ′ + λw = s·(ℓ′ + (λ/s)w): Adam therefore
runs on ℓ + (λ/s)/2·w², an L2 strength λ/s that depends on the gradient
history. AdamW applies (1 − ηλ) outside the moments, so s cancels and every
weight shrinks by the same factor.
Numeric: six weights with the same loss shape ½(w − 1)² but gradient scales
s from 10⁻² to 10³. torch.optim.Adam(weight_decay=λ) reproduces, to ~1e-10,
Adam without decay on ½(w − 1)² + (λ/s)/2·w²; its weights settle at the ridge
points s/(s + λ) (from ≈ 0.09 to ≈ 1). Those end points are simply the minimisers
of s·½(w − 1)² + (λ/2)w²: plain SGD(weight_decay=λ) reaches the same ones. What is
Adam's own is the way there: the fraction of a weight that one step's penalty
removes (measured on torch, with and without weight_decay from the same optimizer
state) differs by orders of magnitude between the weights, while torch.optim.AdamW moves all six weights
identically (shrink 1 − ηλ each step) and ends them at the same value.
"""

TITLE = {
    "en": "Adam + L2: penalty λ/(gradient scale) and a per-step decay set by each weight's gradient history; AdamW decays all alike",
    "zh": "Adam + L2：每个权重的惩罚强度 λ/(梯度尺度)、每步衰减由其梯度历史决定；AdamW 对所有权重相同",
}
CLAIMS = [
    {
        "en": "With ε = 0, Adam's update is invariant to rescaling a weight's gradients by s > 0, so Adam + L2 on "
              "s·ℓ(w) + (λ/2)w² is exactly Adam on ℓ(w) + (λ/s)/2·w²: weights with large gradients are barely "
              "regularised, weights with small gradients strongly. The end point s/(s + λ) is the minimiser of the "
              "penalised loss, which SGD reaches too; Adam's own effect is how much of each weight one step's penalty removes: λw goes through m̂/√v̂, so it "
              "follows the weight's gradient history.",
        "zh": "ε = 0 时 Adam 的更新对把某权重的梯度整体乘以 s > 0 不变，因此对 s·ℓ(w) + (λ/2)w² 做 Adam + L2 "
              "恰等于对 ℓ(w) + (λ/s)/2·w² 做 Adam：梯度大的权重几乎不受正则，梯度小的权重被强烈正则。"
              "终点 s/(s + λ) 是加罚损失的极小点，SGD 也会到达；Adam 特有的是每一步惩罚去掉权重的多大比例：λw 经过 m̂/√v̂，"
              "因此取决于该权重的梯度历史。",
    },
    {
        "en": "AdamW multiplies every weight by the same (1 − ηλ) each step, whatever its gradient history: weights "
              "with the same loss shape follow identical trajectories.",
        "zh": "AdamW 每步把每个权重都乘以同一个 (1 − ηλ)，与其梯度历史无关：损失形状相同的权重轨迹完全一致。",
    },
]


def derive(p):
    import sympy as sp

    g1, g2 = sp.symbols("g_1 g_2", real=True)
    s, b1, b2, lam, kappa, eta = sp.symbols("s beta_1 beta_2 lambda kappa eta", positive=True)

    def adam_direction(grads):  # m̂/√v̂ after two steps from zero moments (ε = 0)
        m = b1 * (1 - b1) * grads[0] + (1 - b1) * grads[1]
        v = b2 * (1 - b2) * grads[0] ** 2 + (1 - b2) * grads[1] ** 2
        return (m / (1 - b1**2)) / sp.sqrt(sp.factor(v / (1 - b2**2)))

    plain = adam_direction([g1, g2])
    scaled = adam_direction([s * g1, s * g2])
    p.step("Adam's direction m̂₂/√v̂₂ after two gradients g₁, g₂", plain)
    p.step("… and after s·g₁, s·g₂ (s > 0 factors out of √v̂)", scaled)
    p.identity("Adam is invariant to the gradient scale s (ε = 0)", scaled, plain)
    w, dl = sp.symbols("w ell'")
    l2_grad = s * dl + lam * w
    p.step("Adam + L2 on s·ℓ(w) + (λ/2)w²: the gradient it sees", l2_grad)
    kappa_sol = sp.solve(sp.Eq(s * (dl + kappa * w), l2_grad), kappa)[0]
    p.step("Write it as s·(ℓ′ + κw) and solve for κ, the L2 strength Adam actually applies", kappa_sol)
    p.identity("κ = λ/s: the penalty is weaker on weights with larger gradients", kappa_sol, lam / s)
    w_star = sp.solve(sp.Eq(s * (w - 1) + lam * w, 0), w)[0]
    p.step("For ℓ = ½(w − 1)², the Adam + L2 fixed point solves s(w − 1) + λw = 0", w_star)
    p.identity("fixed point w* = s/(s + λ)", w_star, s / (s + lam))
    adamw = (1 - eta * lam) * w - eta * scaled
    p.identity("AdamW: w ← (1 − ηλ)w − η m̂/√v̂ does not depend on s", sp.diff(adamw, s), 0)


def experiment(p):
    import copy

    import torch

    steps = 500 if p.quick else 1000
    eta, lam = 0.01, 0.1
    s = torch.tensor([1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0], dtype=torch.float64, device=p.device)

    def run(kind):
        w = torch.zeros(6, dtype=torch.float64, device=p.device, requires_grad=True)
        if kind == "adam_l2":
            opt = torch.optim.Adam([w], lr=eta, eps=0.0, weight_decay=lam)
        elif kind == "adamw":
            opt = torch.optim.AdamW([w], lr=eta, eps=0.0, weight_decay=lam)
        else:
            opt = torch.optim.Adam([w], lr=eta, eps=0.0)
        for _ in range(steps):
            if kind == "adam_on_rescaled_penalty":  # unit-scale loss, L2 strength λ/s per weight
                loss = (0.5 * (w - 1) ** 2 + (lam / s) / 2 * w**2).sum()
            else:
                loss = (s * 0.5 * (w - 1) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        return w.detach()

    w_l2 = run("adam_l2")
    w_equiv = run("adam_on_rescaled_penalty")
    w_adamw = run("adamw")
    p.allclose(f"Adam(weight_decay=λ) on Σ s·½(w−1)² vs Adam on Σ ½(w−1)² + (λ/s)/2·w², {steps} steps",
               w_l2, w_equiv, rtol=0, atol=1e-10)
    ridge = s / (s + lam)
    p.allclose("Adam + L2 end point vs ridge fixed point s/(s + λ)", w_l2, ridge, rtol=0, atol=1e-5,
               id="adam_l2_ridge_end_point")
    p.close(f"Adam + L2 end point of the weight with s = {float(s[0]):g} vs s/(s + λ)", w_l2[0], ridge[0], rtol=1e-4,
            id="end_point_small_s")
    p.close(f"Adam + L2 end point of the weight with s = {float(s[-1]):g} vs s/(s + λ)", w_l2[-1], ridge[-1],
            rtol=1e-4, id="end_point_large_s")
    p.greater("Adam + L2: spread of the final weights across gradient scales (max − min)",
              w_l2.max() - w_l2.min(), 0.5)
    p.less("AdamW: spread of the final weights across gradient scales (max − min)",
           w_adamw.max() - w_adamw.min(), 1e-12, id="adamw_same_trajectory")

    # The end points are the minimisers of the penalised loss, not an Adam effect: plain SGD with
    # weight_decay=λ (a learning rate 0.5/(s + λ) per weight, so that every weight converges) ends there too.
    ws = [torch.zeros(1, dtype=torch.float64, device=p.device, requires_grad=True) for _ in range(6)]
    sgd = torch.optim.SGD([{"params": [w], "lr": 0.5 / (float(si) + lam)} for w, si in zip(ws, s)], lr=0.1,
                          weight_decay=lam)
    for _ in range(200):
        sgd.zero_grad()
        sum(si * 0.5 * (w - 1) ** 2 for w, si in zip(ws, s)).sum().backward()
        sgd.step()
    p.allclose("SGD(weight_decay=λ) end points vs s/(s + λ): the same ridge points",
               torch.cat([w.detach() for w in ws]), ridge, rtol=0, atol=1e-10, id="sgd_l2_same_end_point")

    # What is Adam's own: how much of each weight one step's penalty removes. The penalty λw passes through
    # m̂/√v̂ like any gradient, so this follows the weight's gradient history. Measured on torch: one more
    # step from the same optimizer state, with and without weight_decay. (The steady-state reading ηλ/√v̂
    # exceeds 1 for the s = 10⁻² weight here: near convergence m̂ does not hold λw alone.)
    w_probe = torch.zeros(6, dtype=torch.float64, device=p.device, requires_grad=True)
    adam = torch.optim.Adam([w_probe], lr=eta, eps=0.0, weight_decay=lam)
    for _ in range(steps):
        adam.zero_grad()
        (s * 0.5 * (w_probe - 1) ** 2).sum().backward()
        adam.step()
    p.allclose("(the probe run repeats the Adam + L2 run)", w_probe.detach(), w_l2, rtol=0, atol=0)
    after = {}
    for wd in (lam, 0.0):
        w_next = w_probe.detach().clone().requires_grad_(True)
        step_opt = torch.optim.Adam([w_next], lr=eta, eps=0.0, weight_decay=wd)
        step_opt.load_state_dict(copy.deepcopy(adam.state_dict()))
        for group in step_opt.param_groups:  # load_state_dict restores the group's weight_decay: set it again
            group["weight_decay"] = wd
        (s * 0.5 * (w_next - 1) ** 2).sum().backward()
        step_opt.step()
        after[wd] = w_next.detach()
    decay = (after[0.0] - after[lam]) / w_probe.detach()  # fraction of w that the penalty removes in one step
    p.greater(f"Adam + L2, step {steps + 1}: fraction of the s = {float(s[0]):g} weight removed by the decay term "
              "(torch, with vs without weight_decay from the same state)", decay[0], 0.0, id="decay_small_s")
    p.greater(f"… of the s = {float(s[-1]):g} weight", decay[-1], 0.0, id="decay_large_s")
    p.greater(f"… their ratio, s = {float(s[0]):g} ÷ s = {float(s[-1]):g} (AdamW: ηλ for both, ratio 1)",
              decay[0] / decay[-1], 100.0, id="adam_l2_decay_ratio")
    xs = [float(v) for v in torch.log10(s).cpu()]
    p.plot("final weight vs log₁₀ of its gradient scale s",
           {"Adam + L2": (xs, w_l2.cpu().tolist()), "ridge s/(s+λ)": (xs, ridge.cpu().tolist()),
            "AdamW": (xs, w_adamw.cpu().tolist())},
           xlabel="log10 s", ylabel="w after training")
