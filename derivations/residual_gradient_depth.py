"""Gradient norm at the input against depth: a plain stack vs a residual stack.

Symbolic: with a random branch Jacobian J whose entries are independent, mean 0,
variance σ²/n, one block maps the squared gradient norm to
E‖(I + J)ᵀg‖² = (1 + σ²)‖g‖², a plain layer to E‖Jᵀg‖² = σ²‖g‖². Over L layers:
(1 + σ²)^L against σ^(2L). The residual factor is never below 1 (no vanishing),
but it grows without bound unless the branches are scaled: σ² → σ²/L gives
(1 + σ²/L)^L → e^(σ²). Numeric: a Monte Carlo check of both products (with its
standard error), then the gradient at the input of real nn.Linear stacks of
depth 2…64 — plain tanh, residual tanh, residual with branches scaled by 1/√L,
and residual ReLU.
"""

TITLE = {
    "en": "Gradient norm at the input vs depth: plain vs residual",
    "zh": "输入处梯度范数随深度的变化：普通堆叠 vs 残差",
}
CLAIMS = [
    {
        "en": "If the branch Jacobian has independent zero-mean entries of variance σ²/n, a residual block multiplies "
              "the expected squared gradient norm by 1 + σ² and a plain layer by σ²: over L layers (1 + σ²)^L vs σ^(2L).",
        "zh": "若分支雅可比矩阵各元素独立、均值 0、方差 σ²/n，则一个残差块把梯度范数平方的期望乘以 1 + σ²，"
              "普通层乘以 σ²：L 层后分别为 (1 + σ²)^L 与 σ^(2L)。",
    },
    {
        "en": "A plain tanh stack with PyTorch's default nn.Linear init loses many orders of magnitude of gradient "
              "between depth 2 and 64; the same layers with skip connections never drop below the output gradient.",
        "zh": "使用 PyTorch 默认 nn.Linear 初始化的普通 tanh 堆叠，从深度 2 到 64 梯度衰减许多个数量级；"
              "同样的层加上跳跃连接后，输入处梯度从不低于输出处梯度。",
    },
    {
        "en": "Skip connections stop vanishing, not exploding: unscaled residual ReLU branches blow the gradient up "
              "exponentially with depth; scaling each branch by 1/√L keeps it within a bounded factor (→ e^(σ²)).",
        "zh": "跳跃连接防止的是梯度消失而不是爆炸：不加缩放的 ReLU 残差分支会让梯度随深度指数增长；"
              "把每个分支乘以 1/√L 后梯度保持在有界倍数内（→ e^(σ²)）。",
    },
]


def _expectation(sp, expr, variables, var):
    """E[expr] for independent, zero-mean variables of variance ``var`` (expr of degree ≤ 2 in each)."""
    moments = {0: 1, 1: 0, 2: var}
    total = 0
    for powers, coefficient in sp.Poly(sp.expand(expr), *variables).terms():
        term = coefficient
        for k in powers:
            term *= moments[k]
        total += term
    return sp.factor(total)


def derive(p):
    import sympy as sp

    a, b, c, d = entries = sp.symbols("a b c d", real=True)
    g1, g2 = sp.symbols("g1 g2", real=True)
    sigma, L = sp.symbols("sigma L", positive=True)
    J, g = sp.Matrix([[a, b], [c, d]]), sp.Matrix([g1, g2])
    norm2 = g1**2 + g2**2
    var = sigma**2 / 2  # n = 2: each entry has variance σ²/n

    back_res = (sp.eye(2) + J).T * g
    sq_res = sp.expand((back_res.T * back_res)[0])
    p.step("Backward through one residual block: ‖(I + J)ᵀg‖², expanded", sq_res)
    e_res = _expectation(sp, sq_res, entries, var)
    p.step("Take E[·] with E[J_ij] = 0, E[J_ij²] = σ²/n, n = 2: the cross terms 2gᵀJᵀg vanish", e_res)
    p.identity("E‖(I + J)ᵀg‖² = (1 + σ²)‖g‖²", e_res, (1 + sigma**2) * norm2)

    back_plain = J.T * g
    e_plain = _expectation(sp, (back_plain.T * back_plain)[0], entries, var)
    p.identity("E‖Jᵀg‖² = σ²‖g‖² (a plain layer)", e_plain, sigma**2 * norm2)

    # Layers are independent, so the expectations multiply (iterated expectation).
    p.step("Over L blocks: residual (1 + σ²)^L ≥ 1 for every σ; plain σ^(2L) → 0 when σ < 1",
           sp.Tuple((1 + sigma**2) ** L, sigma ** (2 * L)))
    scaled = sp.limit((1 + sigma**2 / L) ** L, L, sp.oo)
    p.step("Branches scaled by 1/√L (σ² → σ²/L): the product tends to", scaled)
    p.identity("lim_{L→∞} (1 + σ²/L)^L = e^(σ²): bounded at any depth", scaled, sp.exp(sigma**2))


def _input_gradient_ratio(torch, depth, mode, act, seed, device, width=32, batch=16):
    """‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ for a stack of default-initialised nn.Linear layers."""
    dt = torch.float64
    torch.manual_seed(seed)  # nn.Linear draws its default init from the global generator
    layers = [torch.nn.Linear(width, width, dtype=dt).to(device) for _ in range(depth)]
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(batch, width, generator=g, dtype=dt).to(device).requires_grad_(True)
    upstream = torch.randn(batch, width, generator=g, dtype=dt).to(device)
    h = x
    for layer in layers:
        branch = act(layer(h))
        if mode == "plain":
            h = branch
        elif mode == "residual":
            h = h + branch
        else:  # residual with the branch scaled by 1/√L
            h = h + branch / depth**0.5
    (h * upstream).sum().backward()  # so ∂L/∂x_L = upstream
    return (x.grad.norm() / upstream.norm()).item()


def experiment(p):
    import math

    import torch

    dt = torch.float64
    g = torch.Generator().manual_seed(p.seed)

    # 1. Monte Carlo of the random-Jacobian model: does E‖Πᵀ g‖² follow (1 + σ²)^L and σ^(2L)?
    n, L, s2 = 16, 8, 0.5
    samples = 2000 if p.quick else 20000
    J = (torch.randn(samples, L, n, n, generator=g, dtype=dt) * (s2 / n) ** 0.5).to(p.device)
    u = torch.randn(n, generator=g, dtype=dt).to(p.device)
    u = u / u.norm()
    res = u.expand(samples, n).unsqueeze(-1)
    plain = res.clone()
    eye = torch.eye(n, dtype=dt, device=p.device)
    for layer in reversed(range(L)):
        res = (eye + J[:, layer]).transpose(1, 2) @ res
        plain = J[:, layer].transpose(1, 2) @ plain
    for name, sq, expected in (("residual", res.square().sum((1, 2)), (1 + s2) ** L),
                               ("plain", plain.square().sum((1, 2)), s2 ** L)):
        se = sq.std() / samples**0.5
        p.close(f"E‖Πᵀg‖², {name}, L = {L}, σ² = {s2} (Monte Carlo ± 4·SE; SE = {se.item():.2g})",
                sq.mean(), expected, rtol=0.0, atol=4 * se.item())

    # 2. Real nn.Linear stacks (PyTorch default init), gradient ratio at the input against depth.
    depths = [2, 4, 8, 16, 32, 64]
    seeds = [p.seed] if p.quick else [p.seed + 100 * k for k in range(8)]
    runs = {
        "plain tanh": ("plain", torch.tanh),
        "residual tanh": ("residual", torch.tanh),
        "residual tanh, branch/√L": ("scaled", torch.tanh),
        "residual ReLU": ("residual", torch.relu),
    }
    curves = {}
    # Hundreds of tiny layers one after another: on a CPU, intra-op threads only add synchronisation.
    threads = torch.get_num_threads()
    if p.device == "cpu":
        torch.set_num_threads(1)
    try:
        for name, (mode, act) in runs.items():
            # The geometric mean over networks (one network at the quick scale).
            logs = [[math.log(_input_gradient_ratio(torch, d, mode, act, s, p.device)) for s in seeds]
                    for d in depths]
            curves[name] = [math.exp(sum(row) / len(row)) for row in logs]
    finally:
        torch.set_num_threads(threads)
    p.plot("‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ against depth (nn.Linear default init)",
           {name: (depths, ys) for name, ys in curves.items()}, xlabel="depth L", ylabel="gradient ratio",
           logy=True)

    plain_curve, res_curve = curves["plain tanh"], curves["residual tanh"]
    p.less(f"plain tanh: ratio at depth {depths[-1]} / ratio at depth 2 (vanishes)",
           plain_curve[-1] / plain_curve[0], 1e-6)
    p.greater("residual tanh: smallest ratio over all depths (never below the output gradient)",
              min(res_curve), 1.0, id="tanh_smallest_ratio")
    p.less(f"residual tanh: ratio at depth {depths[-1]} / ratio at depth 2 (grows, but slowly)",
           res_curve[-1] / res_curve[0], 100.0)
    scaled_curve = curves["residual tanh, branch/√L"]
    p.less("residual tanh, branch/√L: max / min over depths (bounded)", max(scaled_curve) / min(scaled_curve), 2.0)
    p.greater(f"residual ReLU, unscaled: ratio at depth {depths[-1]} (explodes)", curves["residual ReLU"][-1], 1e3, id="relu_unscaled_ratio_64")
