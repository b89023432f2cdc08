"""Why train-mode BatchNorm must normalise with, and backpropagate through, the batch statistics.

Symbolic: y = x + b − mean(x + b) does not depend on b at all, so the true ∂y/∂b is 0; if the
mean is treated as a constant (running averages, or batch statistics outside the gradient),
∂y/∂b = 1 and gradient descent keeps moving b while the output never changes — the example of
Ioffe & Szegedy (2015, §2). The variance of a batch mean is σ²/B, so the noise BatchNorm puts
into training shrinks like 1/√B. Numeric: F.batch_norm in training mode under autograd gives
∂L/∂b = 0 and an input gradient that sums to 0 over the batch; the same layer with the
statistics detached gives neither, and 50 gradient steps move b by a growing amount at an unchanged
loss; Monte Carlo std of the batch mean times √B/σ over B = 8 … 2048.
"""

TITLE = {
    "en": "Train-mode BatchNorm must use and backpropagate through the batch statistics",
    "zh": "训练模式的 BatchNorm 必须使用批统计量，并对其反向传播",
}
CLAIMS = [
    {"en": "With the statistics in the graph, ∂L/∂b = 0 for a bias b added before BN, and the input "
           "gradient sums to 0 over the batch; with the statistics treated as constants neither holds.",
     "zh": "统计量在计算图中时，BN 之前所加偏置 b 的 ∂L/∂b = 0，输入梯度在 batch 上求和为 0；把统计量当常数时两者都不成立。"},
    {"en": "Treating the statistics as constants makes gradient descent move b without changing the "
           "output or the loss: b drifts without bound (Ioffe & Szegedy 2015, §2).",
     "zh": "把统计量当常数时，梯度下降会改变 b 但输出和损失都不变：b 无限漂移（Ioffe & Szegedy 2015 第 2 节）。"},
    {"en": "The batch mean deviates from the population mean by σ/√B: at very large batches the noise "
           "(and the train/eval gap) BatchNorm has vanishes.",
     "zh": "batch 均值偏离总体均值 σ/√B：batch 极大时 BatchNorm 的噪声（以及训练/推理差异）消失。"},
]


def derive(p):
    import sympy as sp

    xs = sp.symbols("x1:4")
    b = sp.Symbol("b")
    shifted = [x + b for x in xs]
    mean = sum(shifted) / 3
    y1 = shifted[0] - mean
    p.step("y₁ = (x₁ + b) − mean(x + b), n = 3", sp.simplify(y1))
    p.identity("∂y₁/∂b with the mean in the graph = 0", sp.diff(y1, b), 0)
    frozen = sp.Symbol("m")  # the mean treated as a constant
    p.step("∂y₁/∂b with the mean held constant (what the myth differentiates)", sp.diff(shifted[0] - frozen, b))
    dL = sp.symbols("g1:4")  # upstream gradients ∂L/∂yᵢ
    grad_x = [sum(dL[i] * sp.diff(shifted[i] - mean, xs[j]) for i in range(3)) for j in range(3)]
    p.step("∂L/∂xⱼ through the centring: gⱼ − mean(g)", sp.Matrix(grad_x))
    p.identity("∑ⱼ ∂L/∂xⱼ = 0: the gradient has no component along (1, …, 1)", sum(grad_x), 0)

    B = sp.Symbol("B", positive=True, integer=True)
    sigma = sp.Symbol("sigma", positive=True)
    rho = sp.Symbol("rho")
    weights = sp.OneMatrix(B, 1) / B  # the batch mean is aᵀx with a = (1/B, …, 1/B)

    def var_of_mean(cov):
        """Var(aᵀx) = aᵀ Σ a, from the definition of the variance of a linear combination."""
        return sp.simplify(sp.Trace((weights.T * cov * weights).doit()).doit())

    p.identity("Var(batch mean) = aᵀ(σ²I)a for independent draws = σ²/B", var_of_mean(sigma ** 2 * sp.Identity(B)),
               sigma ** 2 / B)
    correlated = var_of_mean(sigma ** 2 * ((1 - rho) * sp.Identity(B) + rho * sp.OneMatrix(B, B)))
    p.step("…with correlation ρ between the samples of a batch (no longer shrinks to 0)", sp.factor(correlated))
    p.identity("correlated draws: the limit B → ∞ is ρσ², not 0", sp.limit(correlated, B, sp.oo), rho * sigma ** 2)


def experiment(p):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(p.seed)
    dt, dev, eps = torch.float64, p.device, 1e-5
    n, c = 16, 5
    x = (torch.randn(n, c, generator=g, dtype=dt) * 2 + 1).to(dev)
    target = torch.randn(n, c, generator=g, dtype=dt).to(dev)

    def bn(z, detach=False):
        """Train-mode BN without affine. detach: the statistics as constants (what normalising with
        running averages, or batch statistics kept out of the gradient, amounts to)."""
        if detach:
            mean, var = z.mean(0).detach(), z.var(0, correction=0).detach()
            return (z - mean) / torch.sqrt(var + eps)
        return F.batch_norm(z, None, None, training=True, eps=eps)

    def grads(detach):
        b = torch.zeros(c, dtype=dt, device=dev, requires_grad=True)
        xin = x.clone().requires_grad_(True)
        loss = ((bn(xin + b, detach) - target) ** 2).sum()
        loss.backward()
        return b.grad, xin.grad

    gb, gx = grads(detach=p.myth)
    p.less("|∂L/∂b| (max over channels), statistics in the graph", gb.abs().max(), 1e-10, id="bias_grad_zero",
           refutes="BatchNorm's statistics can be treated as constants in the backward pass")
    p.less("|∑ over the batch of ∂L/∂x| (max over channels)", gx.sum(0).abs().max(), 1e-10,
           id="input_grad_sums_to_zero")
    xhat = F.batch_norm(x, None, None, training=True, eps=eps)
    cos = ((gx * xhat).sum(0).abs() / (gx.norm(dim=0) * xhat.norm(dim=0))).max()
    p.less("max over channels |cos(∂L/∂x, x̂)| over the batch: ⟂ x̂ up to a term of order ε/σ²", cos, 1e-4,
           id="input_grad_orthogonal_xhat")
    # the residue is exactly ∑ⱼ ∂L/∂xⱼ·x̂ⱼ = ε/(σ² + ε) · ∑ⱼ gⱼ(xⱼ − μ)/(σ² + ε) (g = ∂L/∂y): of order ε/σ².
    # Closed form against autograd, and the cosine relative to ε/σ², over four decades of ε.
    var = x.var(0, correction=0)
    residue_gaps, ratios = [], []
    for e in (1e-5, 1e-3, 1e-1):
        xin = x.clone().requires_grad_(True)
        y = F.batch_norm(xin, None, None, training=True, eps=e)
        (gx_e,) = torch.autograd.grad(((y - target) ** 2).sum(), xin)
        gy = 2 * (y.detach() - target)
        xh = (x - x.mean(0)) / torch.sqrt(var + e)
        closed = e / (var + e) * (gy * (x - x.mean(0))).sum(0) / (var + e)
        residue_gaps.append((f"ε = {e:g}", float(((gx_e * xh).sum(0) - closed).abs().max())))
        cos_e = ((gx_e * xh).sum(0).abs() / (gx_e.norm(dim=0) * xh.norm(dim=0))).max()
        ratios.append((f"ε = {e:g}", float(cos_e / (e / var).max())))
    p.sweep("|∑ⱼ ∂L/∂xⱼ·x̂ⱼ − ε/(σ² + ε)·∑ⱼ gⱼ(xⱼ − μ)/(σ² + ε)| (autograd vs closed form) over ε", residue_gaps,
            "<", 1e-10, id="xhat_residue_closed_form")
    p.sweep("max |cos(∂L/∂x, x̂)| / max(ε/σ²) over ε = 1e-5 … 1e-1", ratios, "<", 10,
            id="xhat_residue_order_eps")
    gb_d, gx_d = grads(detach=True)
    p.greater("statistics detached: |∂L/∂b| (max over channels)", gb_d.abs().max(), 1e-2, id="detached_bias_grad")
    p.greater("statistics detached: max |∂L/∂x − autograd's|", (gx_d - gx).abs().max(), 1e-2,
              id="detached_input_grad_wrong")

    # 50 SGD steps on b with detached statistics: b drifts, output and loss stay put.
    b = torch.zeros(c, dtype=dt, device=dev, requires_grad=True)
    losses, norms = [], []
    for _ in range(50):  # plain gradient descent, lr 0.1, on autograd's gradient
        loss = ((bn(x + b, detach=not p.myth) - target) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, b)
        with torch.no_grad():
            b -= 0.1 * grad
        losses.append(float(loss.detach()))
        norms.append(float(b.detach().norm()))
    p.greater("statistics detached: ‖b‖ after 50 gradient steps", norms[-1], 1.0, id="bias_drifts",
              refutes="a bias before BatchNorm stays put whatever the backward pass does")
    p.less("…while the loss changes by (max − min over the 50 steps)", max(losses) - min(losses), 1e-9,
           id="loss_unchanged")
    p.greater("‖b‖ after 50 steps / after 25 (it keeps growing)", norms[-1] / norms[24], 1.5, id="drift_keeps_growing")

    # Batch-statistic noise: std of the batch mean × √B / σ ≈ 1 for every B.
    sigma, reps = 2.0, 400 if p.quick else 4000
    cases = []
    for B in (8, 32, 128, 512, 2048):
        means = (torch.randn(reps, B, generator=g, dtype=dt) * sigma).to(dev).mean(1)
        cases.append((f"B = {B}", float(means.std()) * B ** 0.5 / sigma))
    p.sweep("std(batch mean)·√B/σ, lower end", cases, ">", 0.85, id="batch_noise_sqrt_b_low")
    p.sweep("std(batch mean)·√B/σ, upper end", cases, "<", 1.15, id="batch_noise_sqrt_b_high")
    p.close("std(batch mean)/σ at B = 2048", cases[-1][1] / 2048 ** 0.5, 1 / 2048 ** 0.5, rtol=0.15,
            id="batch_noise_at_2048")
