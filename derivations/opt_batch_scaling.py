"""Batch size and learning rate: noise ∝ 1/B, the linear scaling rule for SGD, √ scaling for Adam,
and where linear scaling breaks.

Symbolic: per epoch (N/B steps) SGD moves by drift η·G·N/B and collects noise variance
(η²·Σ/B)·N/B. Asking both to stay fixed when B → kB, η → k^a·η gives a = 1: the linear scaling
rule. Adam in the noise-dominated regime divides by √v ≈ σ/√B, so its step is η(√B·G + ξ)/σ;
the same two invariants give a = ½: square-root scaling. The rule is a first-order statement: k
small steps and one k-times larger step on the union of the batches differ by
η²·Σ_{i<j} H_j g_i (second order in η), and on a quadratic the large step diverges once
kη·λ_max > 2 however well the small steps behave.
Numeric: a least-squares model; per-example gradients from torch.func; mini-batch noise
E‖g_B − G‖² against tr Σ/B for B = 1 … 64 (log-log slope); torch.optim.SGD: 4 small steps vs one
4× step (gap against the derived second-order term, and its η² scaling); full-batch runs with
η and 8η around 2/λ_max; and Adam's √v̂ (torch's state, lr = 0) against B.
"""

TITLE = {
    "en": "Batch size and learning rate: noise ∝ 1/B, linear scaling for SGD, √ for Adam, and where it breaks",
    "zh": "批大小与学习率：噪声 ∝ 1/B，SGD 线性缩放，Adam 平方根缩放，以及何时失效",
}
CLAIMS = [
    {
        "en": "Mini-batch gradient noise E‖g_B − G‖² = tr Σ/B (sampling with replacement): quadrupling B quarters it.",
        "zh": "小批量梯度噪声 E‖g_B − G‖² = tr Σ/B（有放回抽样）：B 变为 4 倍，噪声变为 1/4。",
    },
    {
        "en": "Keeping SGD's drift and noise per epoch fixed needs η ∝ B (linear scaling, Goyal et al. 2017); for "
              "Adam with noise-dominated v it needs η ∝ √B (Malladi et al. 2022).",
        "zh": "保持 SGD 每个 epoch 的漂移与噪声不变需要 η ∝ B（线性缩放，Goyal 等 2017）；对于 v 由噪声主导的 Adam 需要 "
              "η ∝ √B（Malladi 等 2022）。",
    },
    {
        "en": "Linear scaling is first order: k small steps and one kη step differ at order η², and the big step "
              "diverges on a quadratic once kη·λ_max > 2.",
        "zh": "线性缩放只在一阶成立：k 个小步与一个 kη 的大步在 η² 阶上不同；在二次函数上，一旦 kη·λ_max > 2 大步就发散。",
    },
]


def derive(p):
    import sympy as sp

    eta, B, N, G, S, k, sigma = sp.symbols("eta B N G Sigma k sigma", positive=True)
    a = sp.Symbol("a", real=True)
    drift_sgd = eta * G * N / B
    noise_sgd = eta**2 * S / B * N / B
    p.step("SGD per epoch: drift ηGN/B, noise variance (η²Σ/B)·(N/B)", sp.Matrix([drift_sgd, noise_sgd]))
    scaled = {eta: k**a * eta, B: k * B}
    sol = sp.solve(sp.Eq(sp.log(drift_sgd.subs(scaled, simultaneous=True)), sp.log(drift_sgd)), a)
    p.identity("drift fixed under B → kB, η → kᵃη ⇒ a = 1 (linear scaling)", sol[0], 1)
    p.identity("… and the noise per epoch is then fixed too",
               noise_sgd.subs({eta: k * eta, B: k * B}, simultaneous=True), noise_sgd)
    drift_adam = eta * sp.sqrt(B) * G / sigma * N / B  # step η(√B·G + ξ)/σ with √v ≈ σ/√B
    noise_adam = eta**2 * N / B
    sol = sp.solve(sp.Eq(sp.log(drift_adam.subs(scaled, simultaneous=True)), sp.log(drift_adam)), a)
    p.identity("Adam (√v ≈ σ/√B): drift ηGN/(σ√B) fixed ⇒ a = ½ (square-root scaling)", sol[0], sp.Rational(1, 2))
    p.identity("… and its noise per epoch η²N/B is then fixed too",
               noise_adam.subs({eta: sp.sqrt(k) * eta, B: k * B}, simultaneous=True), noise_adam)
    # k = 2 small steps on batch losses ½h(w − c_j)² vs one 2η step on their union.
    h, w0, c1, c2 = sp.symbols("h w_0 c_1 c_2")
    w1 = w0 - eta * h * (w0 - c1)
    w2 = w1 - eta * h * (w1 - c2)
    big = w0 - 2 * eta * h * (w0 - (c1 + c2) / 2)
    gap = sp.expand(w2 - big)
    p.identity("2 small steps − one 2η step = η²·h·g₁ (g₁ = h(w₀ − c₁)): second order in η", gap,
               eta**2 * h * (h * (w0 - c1)))
    p.identity("the 2η step on ½h(w − c)² multiplies the error by 1 − 2ηh: unstable once 2ηh > 2",
               sp.expand(big.subs(c2, c1) - c1), (1 - 2 * eta * h) * (w0 - c1))


def experiment(p):
    import math

    import torch
    from torch.func import grad, vmap

    gen = torch.Generator().manual_seed(p.seed)
    N, d = 512, 8
    X = torch.randn(N, d, generator=gen, dtype=torch.float64).to(p.device)
    y = X @ torch.randn(d, generator=gen, dtype=torch.float64).to(p.device) + torch.randn(
        N, generator=gen, dtype=torch.float64).to(p.device)
    w_ls = torch.linalg.lstsq(X, y[:, None]).solution[:, 0]
    w_at = w_ls + 0.05 * torch.randn(d, generator=gen, dtype=torch.float64).to(p.device)

    def loss_i(w, x, t):
        return 0.5 * (x @ w - t) ** 2

    per_ex = vmap(grad(loss_i), in_dims=(None, 0, 0))(w_at, X, y)
    G = per_ex.mean(0)
    tr_sigma = float(((per_ex - G) ** 2).sum(1).mean())
    sizes, noise = [1, 4, 16, 64], []
    M = 2000
    for B in sizes:
        idx = torch.randint(0, N, (M, B), generator=gen).to(p.device)
        noise.append(float(((per_ex[idx].mean(1) - G) ** 2).sum(1).mean()))
    slope = (math.log(noise[-1]) - math.log(noise[0])) / (math.log(sizes[-1]) - math.log(sizes[0]))
    p.close("log-log slope of E‖g_B − G‖² against B, B = 1 … 64 (Monte Carlo, 2000 batches each)", slope, -1.0,
            rtol=0.05, id="noise_slope")
    p.close("B = 16: E‖g_B − G‖² · B / tr Σ", noise[2] * 16 / tr_sigma, 1.0, rtol=0.1, id="noise_b16")

    # Linear scaling, first order only: 4 steps of η on batches B vs one 4η step on their union.
    H = X.T @ X / N
    lam_max = float(torch.linalg.eigvalsh(H).max())
    batches = torch.randperm(N, generator=gen)[:64].to(p.device).reshape(4, 16)

    def small_vs_big(eta):
        w = w_at.clone().requires_grad_(True)
        opt = torch.optim.SGD([w], lr=eta)
        for b in batches:
            opt.zero_grad()
            (0.5 * ((X[b] @ w - y[b]) ** 2).mean()).backward()
            opt.step()
        v = w_at.clone().requires_grad_(True)
        opt = torch.optim.SGD([v], lr=4 * eta)
        opt.zero_grad()
        allb = batches.reshape(-1)
        (0.5 * ((X[allb] @ v - y[allb]) ** 2).mean()).backward()
        opt.step()
        return (w - v).detach()

    eta = 0.01 / lam_max
    gs = [per_ex[b].mean(0) for b in batches]
    Hs = [X[b].T @ X[b] / 16 for b in batches]
    second = eta**2 * sum(Hs[j] @ gs[i] for j in range(4) for i in range(j))
    gap = small_vs_big(eta)
    p.allclose("4 steps of η (η = 0.01/λ_max) − one 4η step: gap vs η²·Σ_{i<j} H_j g_i (to O(η³))", gap, second,
               rtol=0.1, atol=0.03 * float(second.abs().max()), id="gap_second_order")
    p.close("the gap's η-scaling: ‖gap(η)‖/‖gap(η/2)‖ (≈ 4: second order)", gap.norm() / small_vs_big(eta / 2).norm(),
            4.0, rtol=0.05, id="gap_eta_squared")

    base = 0.4 / lam_max

    def full_batch(lr, steps=40):
        """Distance to the minimiser after full-batch torch SGD, relative to the start; (p.myth) the
        myth's model of a k-times larger step: k small steps, exactly what linear scaling assumes."""
        w = w_at.clone().requires_grad_(True)
        repeat = round(lr / base) if p.myth else 1
        opt = torch.optim.SGD([w], lr=lr / repeat)
        for _ in range(steps * repeat):
            opt.zero_grad()
            (0.5 * ((X @ w - y) ** 2).mean()).backward()
            opt.step()
        return float((w.detach() - w_ls).norm() / (w_at - w_ls).norm())

    p.less("full batch, η = 0.4/λ_max, 40 steps: ‖w − w*‖ / ‖w₀ − w*‖", full_batch(base), 1.0,
           id="small_lr_converges")
    p.greater("η scaled 8× (3.2/λ_max > 2/λ_max), 40 steps: ‖w − w*‖ / ‖w₀ − w*‖ (diverges)",
              full_batch(8 * base), 1e3, id="linear_scaling_breaks",
              refutes="the learning rate can be scaled linearly with the batch size without limit")

    def adam_sqrt_v(B, steps=300):
        w = w_at.clone().requires_grad_(True)
        opt = torch.optim.Adam([w], lr=0.0)  # lr = 0: the weights stay put, the moments still accumulate
        for _ in range(steps):
            idx = torch.randint(0, N, (B,), generator=gen).to(p.device)
            w.grad = per_ex[idx].mean(0)
            opt.step()
        v_hat = opt.state[w]["exp_avg_sq"] / (1 - 0.999**steps)
        return float(v_hat.sqrt().mean())

    # What v̂ estimates: E g_B² = G² + diag Σ/B per coordinate (draws with replacement), from the
    # per-example gradients — √16 = 4 only if G were 0 (pure noise).
    diag_sigma = ((per_ex - G) ** 2).mean(0)

    def predicted(B):
        return float((G**2 + diag_sigma / B).sqrt().mean())

    p.close("Adam near the optimum: mean √v̂ at B = 4 / at B = 64 vs √(G² + diag Σ/B) (√16 = 4 for pure noise)",
            adam_sqrt_v(4) / adam_sqrt_v(64), predicted(4) / predicted(64), rtol=0.12, id="adam_sqrt_v_ratio")
