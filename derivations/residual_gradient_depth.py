"""Gradient norm at the input against depth: a plain stack vs a residual stack.

Symbolic: with a random branch Jacobian J whose entries are independent of g, mean 0,
variance σ²/n, one block maps the squared gradient norm to E‖(I + J)ᵀg‖² = (1 + σ²)‖g‖²,
a plain layer to E‖Jᵀg‖² = σ²‖g‖²: over L layers (1 + σ²)^L against σ^(2L). That is an
expectation, not a bound for every block. With a branch scale α and a first-order term
whose mean c = E[gᵀJᵀg]/‖g‖² need not vanish, the squared factor per block is
1 + 2αc + α²σ²; over L blocks its logarithm tends to σ² for α = 1/√L when c = 0, grows
like 2c√L for α = 1/√L when c > 0, and tends to 2c for α = 1/L.
Numeric: a Monte Carlo check of the random model (with its standard error); the gradient
at the input of real nn.Linear stacks (PyTorch default init) — plain tanh, residual tanh
swept over seeds, widths and depths, residual tanh with branches ÷√L — and residual ReLU
stacks: unscaled (the measured first-order term per block, and the same branches with their
outputs centred, which brings the random model back), ÷√L and ÷L up to 1024 blocks.
"""

TITLE = {
    "en": "Gradient norm at the input vs depth: plain vs residual",
    "zh": "输入处梯度范数随深度的变化：普通堆叠 vs 残差",
}
CLAIMS = [
    {
        "en": "If the branch Jacobian has zero-mean entries of variance σ²/n, independent of the gradient, a "
              "residual block multiplies the expected squared gradient norm by 1 + σ² and a plain layer by σ²: "
              "over L layers (1 + σ²)^L vs σ^(2L). This holds in expectation, not for every block.",
        "zh": "若分支雅可比矩阵各元素均值 0、方差 σ²/n，且与梯度无关，则一个残差块把梯度范数平方的期望乘以 1 + σ²，"
              "普通层乘以 σ²：L 层后分别为 (1 + σ²)^L 与 σ^(2L)。这只是期望，并非每一块都如此。",
    },
    {
        "en": "A plain tanh stack with PyTorch's default nn.Linear init loses many orders of magnitude of gradient "
              "between depth 2 and 64; with skip connections, in the swept stacks of widths 32 and 64, the input "
              "gradient never fell below the output gradient (at widths 4 and 8 it did).",
        "zh": "使用 PyTorch 默认 nn.Linear 初始化的普通 tanh 堆叠，从深度 2 到 64 梯度衰减许多个数量级；"
              "加上跳跃连接后，在扫描的宽度 32 和 64 的堆叠中，输入处梯度从未低于输出处梯度（宽度 4 和 8 时低于过）。",
    },
    {
        "en": "Skip connections stop vanishing, not exploding: unscaled residual ReLU branches blow the gradient up "
              "far beyond (1 + σ²)^(L/2), because their first-order term has a positive mean. Scaling each branch "
              "by 1/√L bounds tanh branches but not these ReLU branches; ÷L does.",
        "zh": "跳跃连接防止的是梯度消失而不是爆炸：不加缩放的 ReLU 残差分支让梯度远超 (1 + σ²)^(L/2)，"
              "因为其一阶项的均值为正。把分支乘以 1/√L 能让 tanh 分支有界，却不能让这些 ReLU 分支有界；÷L 才行。",
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


def _relu_branch_variance(sp):
    """σ² of the random model for a default-init nn.Linear → ReLU branch, n inputs: each weight is
    U(−1/√n, 1/√n), and the ReLU passes about half of the units (its slope is 0 or 1)."""
    w, n = sp.symbols("w n", positive=True)
    a = 1 / sp.sqrt(n)
    weight_var = sp.integrate(w**2 / (2 * a), (w, -a, a))  # mean 0
    return weight_var, sp.simplify(n * weight_var / 2)


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
    p.step("Take E[·] over J (independent of g), E[J_ij] = 0, E[J_ij²] = σ²/n, n = 2: the cross terms 2gᵀJᵀg "
           "vanish", e_res)
    p.identity("E‖(I + J)ᵀg‖² = (1 + σ²)‖g‖²", e_res, (1 + sigma**2) * norm2, id="residual_block_expectation")

    back_plain = J.T * g
    e_plain = _expectation(sp, (back_plain.T * back_plain)[0], entries, var)
    p.identity("E‖Jᵀg‖² = σ²‖g‖² (a plain layer)", e_plain, sigma**2 * norm2, id="plain_layer_expectation")
    p.step("Over L independent blocks the expectations multiply: residual (1 + σ²)^L, plain σ^(2L) → 0 for σ < 1",
           sp.Tuple((1 + sigma**2) ** L, sigma ** (2 * L)))

    # A branch scaled by α, and a first-order term that need not average out.
    alpha = sp.Symbol("alpha", positive=True)
    back_scaled = g + alpha * J.T * g
    sq_scaled = sp.expand((back_scaled.T * back_scaled)[0])
    first, second = sq_scaled.coeff(alpha, 1), sq_scaled.coeff(alpha, 2)
    p.identity("‖g + αJᵀg‖² = ‖g‖² + 2α·gᵀJᵀg + α²‖Jᵀg‖² (collected in α)",
               sp.Matrix([sq_scaled.coeff(alpha, 0), first, second]),
               sp.Matrix([norm2, 2 * (g.T * J.T * g)[0], (back_plain.T * back_plain)[0]]).applyfunc(sp.expand))
    cm, s2 = sp.symbols("c s", nonnegative=True)  # c = E[gᵀJᵀg]/‖g‖², s = E‖Jᵀg‖²/‖g‖²
    log_growth = L * sp.log(1 + 2 * alpha * cm + alpha**2 * s2)
    p.step("Squared factor per block 1 + 2αc + α²s, c = E[gᵀJᵀg]/‖g‖² (0 in the random model); over L blocks the "
           "log of the squared gradient ratio", log_growth)
    by_sqrt = log_growth.subs(alpha, 1 / sp.sqrt(L))
    p.identity("α = 1/√L, c = 0: L·log(1 + s/L) → s (bounded: (1 + σ²/L)^L → e^(σ²))",
               sp.limit(by_sqrt.subs(cm, 0), L, sp.oo), s2, id="sqrt_scaling_bounded_without_drift")
    c_pos = sp.Symbol("c_pos", positive=True)
    grows = sp.limit(by_sqrt.subs(cm, c_pos) / sp.sqrt(L), L, sp.oo)
    p.identity("α = 1/√L, c > 0: L·log(1 + 2c/√L + s/L) / √L → 2c (the log of the squared ratio grows like 2c√L: unbounded)",
               grows, 2 * c_pos, id="sqrt_scaling_unbounded_with_drift")
    p.identity("α = 1/L: L·log(1 + 2c/L + s/L²) → 2c (bounded for any c)",
               sp.limit(log_growth.subs(alpha, 1 / L), L, sp.oo), 2 * cm, id="linear_scaling_bounded")

    weight_var, relu_var = _relu_branch_variance(sp)
    p.step("nn.Linear's default init U(−1/√n, 1/√n): weight variance", weight_var)
    p.step("→ ReLU branch (slope 1 on about half the units): σ² = n·Var(w)/2", relu_var)


def _stack(torch, depth, mode, act, seed, device, width=32, batch=16, scale=1.0, myth=""):
    """A stack of default-initialised nn.Linear layers; returns (‖∂L/∂x₀‖ / ‖∂L/∂x_L‖, layers, pre-activations,
    upstream, x_L). ``myth`` swaps in a misconception's model of the residual stack: "highway" (the gradient comes
    back through the shortcuts alone, unchanged) or "branches" (it must go through the branches, as in a
    plain stack)."""
    dt = torch.float64
    torch.manual_seed(seed)  # nn.Linear draws its default init from the global generator
    layers = [torch.nn.Linear(width, width, dtype=dt).to(device) for _ in range(depth)]
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(batch, width, generator=g, dtype=dt).to(device).requires_grad_(True)
    upstream = torch.randn(batch, width, generator=g, dtype=dt).to(device)
    h, zs = x, []
    for layer in layers:
        zs.append(layer(h))
        branch = act(zs[-1])
        if mode == "plain":
            h = branch
        else:
            h = (h.detach() if myth == "branches" else h) + scale * (branch.detach() if myth == "highway" else branch)
    (h * upstream).sum().backward()  # so ∂L/∂x_L = upstream
    return (x.grad.norm() / upstream.norm()).item(), layers, [z.detach() for z in zs], upstream, h.detach()


def _ratio(torch, depth, mode, act, seed, device, width=32, scale=1.0, myth=""):
    return _stack(torch, depth, mode, act, seed, device, width=width, scale=scale, myth=myth)[0]


def experiment(p):
    import math

    import sympy as sp
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
    res_sq, plain_sq = res.square().sum((1, 2)), plain.square().sum((1, 2))
    res_se, plain_se = (res_sq.std() / samples**0.5).item(), (plain_sq.std() / samples**0.5).item()
    p.close(f"E‖Πᵀg‖², residual, L = {L}, σ² = {s2} vs (1 + σ²)^L (Monte Carlo ± 4·SE; SE = {res_se:.2g})",
            res_sq.mean(), (1 + s2) ** L, rtol=0.0, atol=4 * res_se, id="monte_carlo_residual")
    p.close(f"E‖Πᵀg‖², plain, L = {L}, σ² = {s2} vs σ^(2L) (Monte Carlo ± 4·SE; SE = {plain_se:.2g})",
            plain_sq.mean(), s2**L, rtol=0.0, atol=4 * plain_se, id="monte_carlo_plain")

    # Hundreds of tiny layers one after another: on a CPU, intra-op threads only add synchronisation.
    threads = torch.get_num_threads()
    if p.device == "cpu":
        torch.set_num_threads(1)
    try:
        _real_stacks(p, torch, math, sp)
    finally:
        torch.set_num_threads(threads)


def _real_stacks(p, torch, math, sp):
    dev = p.device
    seeds = [p.seed + 100 * k for k in range(4 if p.quick else 16)]
    depths = [2, 4, 8, 16, 32, 64]

    def geo(values):
        return math.exp(sum(math.log(v) for v in values) / len(values))

    # 2. Plain vs residual tanh, the geometric mean over networks against depth.
    curves = {
        "plain tanh": [geo([_ratio(torch, d, "plain", torch.tanh, s, dev) for s in seeds[:1]]) for d in depths],
        "residual tanh": [geo([_ratio(torch, d, "residual", torch.tanh, s, dev) for s in seeds[:1]])
                          for d in depths],
        "residual tanh, branch/√L": [geo([_ratio(torch, d, "residual", torch.tanh, s, dev, scale=d**-0.5)
                                          for s in seeds[:1]]) for d in depths],
        "residual ReLU": [geo([_ratio(torch, d, "residual", torch.relu, s, dev) for s in seeds[:1]])
                          for d in depths],
    }
    p.plot("‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ against depth (nn.Linear default init, one network)",
           {name: (depths, ys) for name, ys in curves.items()}, xlabel="depth L", ylabel="gradient ratio", logy=True)
    plain_curve, res_curve = curves["plain tanh"], curves["residual tanh"]
    p.less(f"plain tanh: ratio at depth {depths[-1]} / ratio at depth 2 (vanishes)",
           plain_curve[-1] / plain_curve[0], 1e-6, id="plain_tanh_drop")
    p.less(f"residual tanh: ratio at depth {depths[-1]} / ratio at depth 2 (grows, but slowly)",
           res_curve[-1] / res_curve[0], 100.0, id="residual_tanh_growth")
    scaled_curve = curves["residual tanh, branch/√L"]
    p.less("residual tanh, branch/√L: max / min over depths (bounded)", max(scaled_curve) / min(scaled_curve), 2.0,
           id="tanh_sqrt_scaled_spread")

    # 3. "Never below the output gradient": a sweep over seeds × widths × depths, and where it stops holding.
    widths = [32, 64]
    cases = [(f"seed {s}, width {w}, depth {d}", _ratio(torch, d, "residual", torch.tanh, s, dev, width=w,
                                                         myth="branches" if p.myth else ""))
             for s in seeds for w in widths for d in [1] + depths]
    p.sweep("residual tanh: ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖ over seeds × widths 32, 64 × depths 1, 2, 4, …, 64", cases, ">=", 1.0,
            id="tanh_smallest_ratio")
    narrow = [(f"seed {s}, width {w}, depth {d}", _ratio(torch, d, "residual", torch.tanh, s, dev, width=w))
              for s in range(p.seed, p.seed + 16) for w in (4, 8) for d in [1] + depths]
    label, lowest = min(narrow, key=lambda case: case[1])
    p.less(f"…the same at widths 4 and 8, smallest of {len(narrow)} ({label}): it does fall below 1", lowest, 1.0,
           id="tanh_narrow_below_one")
    # One block is not ≥ 1 in every direction: the smallest singular value of I + J over the blocks of one net.
    _, layers, zs, _, _ = _stack(torch, 16, "residual", torch.tanh, seeds[0], dev)
    eye = torch.eye(32, dtype=torch.float64, device=dev)
    smallest = min(torch.linalg.svdvals(eye + (1 - torch.tanh(z) ** 2)[:, :, None] * layer.weight).min().item()
                   for layer, z in zip(layers, zs))
    p.less("residual tanh, width 32, 16 blocks: smallest singular value of one block's I + J (a direction it "
           "shrinks)", smallest, 1.0, id="block_sigma_min")

    # 4. ReLU branches: unscaled they explode far beyond the random model; ÷√L does not bound them, ÷L does.
    deep = 64
    unscaled = [_stack(torch, deep, "residual", torch.relu, s, dev, myth="highway" if p.myth else "")
                for s in seeds[:2]]
    p.greater(f"residual ReLU, unscaled: ratio at depth {deep} (explodes; smaller of 2 networks)",
              min(r for r, *_ in unscaled), 1e3, id="relu_unscaled_ratio_64",
              refutes="residual connections prevent exploding gradients")
    # The first-order term gᵀJᵀg/‖g‖² per block, measured along the backward pass of the first network.
    _, layers, zs, upstream, last = unscaled[0]
    p.greater(f"residual ReLU, {deep} blocks: share of the entries of x_L that are > 0 (the activations drift "
              "positive)", (last > 0).to(last.dtype).mean(), 0.99, id="relu_positive_share")
    grad, first, second = upstream.clone(), [], []
    for layer, z in zip(reversed(layers), reversed(zs)):
        jt = ((z > 0).to(z.dtype) * grad) @ layer.weight  # Jᵀg = Wᵀ(D g), per sample
        norm2 = grad.square().sum(1)
        first.append(((grad * jt).sum(1) / norm2).mean().item())
        second.append((jt.square().sum(1) / norm2).mean().item())
        grad = grad + jt
    p.greater(f"residual ReLU, {deep} blocks: mean first-order term c = gᵀJᵀg/‖g‖² per block (0 in the random "
              "model)", sum(first) / deep, 0.05, id="relu_first_order_term")
    p.step(f"mean second-order term ‖Jᵀg‖²/‖g‖² per block, measured: {sum(second) / deep:.3f}")
    # The random model's prediction, from the derived σ² and (1 + σ²)^(L/2).
    _, relu_var = _relu_branch_variance(sp)
    sigma2, depth = sp.symbols("sigma2 L", positive=True)
    predict = sp.lambdify((sigma2, depth), sp.sqrt((1 + sigma2) ** depth))
    predicted = float(predict(float(relu_var), deep))
    p.close(f"random-model prediction √((1 + σ²)^L), σ² = 1/6, L = {deep}", predicted, (7 / 6) ** (deep / 2),
            rtol=1e-12, id="relu_model_prediction")
    p.greater(f"measured ratio at depth {deep} ÷ the random model's prediction (smaller of 2 networks)",
              min(r for r, *_ in unscaled) / predicted, 100.0, id="relu_measured_over_model")
    # Take the drift away: the same ReLU branches with their outputs centred per sample (mean over the units
    # subtracted). The cross term then averages out and the random model holds again, to within ±50%.
    def centred_relu(z):
        out = torch.relu(z)
        return out - out.mean(-1, keepdim=True)

    centred = geo([_ratio(torch, deep, "residual", centred_relu, s, dev) for s in seeds[:2]])
    p.close(f"ReLU branches centred per sample, depth {deep}: ratio ÷ the model's prediction (geometric mean of 2 "
            f"networks: {centred:.3g}), within ±50%", centred / predicted, 1.0, rtol=0.5, id="relu_centred_vs_model")
    p.step(f"centred ReLU branches, depth {deep}: gradient ratio {centred:.4g} vs the model's {predicted:.4g}")

    long_depths = [64, 256, 1024]
    by_sqrt = {d: geo([_ratio(torch, d, "residual", torch.relu, s, dev, scale=d**-0.5) for s in seeds[:2]])
               for d in long_depths}
    by_lin = [(f"seed {s}, depth {d}", abs(math.log(_ratio(torch, d, "residual", torch.relu, s, dev, scale=1 / d))))
              for s in seeds[:2] for d in long_depths]
    p.plot("residual ReLU with scaled branches: gradient ratio against depth",
           {"branch/√L": (long_depths, [by_sqrt[d] for d in long_depths])}, xlabel="depth L",
           ylabel="gradient ratio", logy=True)
    p.close(f"residual ReLU, branch/√L: ratio at depth {long_depths[0]} (geometric mean of 2 networks)",
            by_sqrt[long_depths[0]], 1.0, rtol=1.0, id="relu_sqrt_ratio_64")
    p.greater(f"residual ReLU, branch/√L: ratio at depth {long_depths[-1]} (not bounded)", by_sqrt[long_depths[-1]],
              10.0, id="relu_sqrt_ratio_1024")
    p.sweep(f"residual ReLU, branch/L: |ln ratio| over seeds × depths {long_depths[0]}–{long_depths[-1]}", by_lin,
            "<", math.log(1.1), id="relu_linear_scaled_log_ratio")
