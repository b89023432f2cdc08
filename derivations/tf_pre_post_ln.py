"""Post-LN vs Pre-LN at initialisation: gradient norms through depth (Xiong et al. 2020).

Symbolic: LayerNorm is scale-invariant, LN(c·x) = LN(x), so its Jacobian at c·x is 1/c times the
Jacobian at x. In Pre-LN, x_{l+1} = x_l + F_l(LN(x_l)) adds L branches of roughly equal variance v
to the residual stream: Var(x_L) = 1 + L·v; the final LayerNorm divides the gradient reaching the
last layers by √(1 + Lv), so it shrinks like 1/√L. Post-LN, x_{l+1} = LN(x_l + F_l(x_l)),
renormalises after every block, so the last layer's gradient does not shrink with depth (Xiong
et al.: O(d√(ln d)) against O(d√(ln d / L))). Large gradients at the top layers with a large
learning rate from step one are Xiong et al.'s explanation of why Post-LN needs a warm-up.
Numeric (float64, dropout 0): stacks of nn.TransformerEncoderLayer with norm_first False / True,
L = 2 and 12, two seeds, d = 16 (full scale: L = 48, six seeds, d = 64): the last layer's linear2
gradient, Post-LN against Pre-LN; the residual stream's growth in Pre-LN.
"""

TITLE = {
    "en": "Post-LN vs Pre-LN: gradient norms at initialisation through depth, and why Post-LN needs warm-up",
    "zh": "Post-LN 与 Pre-LN：初始化时各层梯度范数随深度的变化，以及 Post-LN 为什么需要预热",
}
CLAIMS = [
    {
        "en": "At initialisation the gradient of the last layer's weights does not shrink with depth in Post-LN, but "
              "shrinks as depth grows in Pre-LN (∝ 1/√L by Xiong et al.'s bound).",
        "zh": "初始化时，Post-LN 最后一层权重的梯度不随深度变小；Pre-LN 的则随深度增加而变小（Xiong 等的界为 ∝ 1/√L）。",
    },
    {
        "en": "So in a deep stack Post-LN's top layers get several times Pre-LN's gradient; with a large learning "
              "rate from the first step this is Xiong et al.'s explanation of Post-LN's need for warm-up.",
        "zh": "所以在深的堆叠中，Post-LN 顶层的梯度是 Pre-LN 的数倍；从第一步就用大学习率时，这就是 Xiong 等对 Post-LN 需要预热的解释。",
    },
]


def derive(p):
    import sympy as sp

    xs = sp.Matrix(sp.symbols("x1:4", real=True))
    c = sp.Symbol("c", positive=True)

    def ln(v):
        mu = sum(v) / 3
        sd = sp.sqrt(sum((a - mu) ** 2 for a in v) / 3)
        return v.applyfunc(lambda a: (a - mu) / sd)

    y = sp.Matrix(sp.symbols("y1:4", real=True))
    J = sp.Matrix([[sp.diff(ln(y)[0], y[0])]])
    p.identity("LN(c·x)₁ = LN(x)₁", ln(c * xs)[0], ln(xs)[0], id="ln_scale_invariant")
    p.identity("∂LN₁/∂y₁ at y = c·x equals (1/c)·(∂LN₁/∂y₁ at y = x)", J[0, 0].subs(dict(zip(y, c * xs))),
               J[0, 0].subs(dict(zip(y, xs))) / c, id="ln_jacobian_scale")
    L, v = sp.symbols("L v", positive=True)
    stream = 1 + L * v
    p.step("Pre-LN residual stream variance after L blocks of variance v", stream)
    p.identity("√L·(1/√(1 + Lv)) → 1/√v: the last layers' gradient ∝ 1/√L",
               sp.limit(sp.sqrt(L) / sp.sqrt(stream), L, sp.oo), 1 / sp.sqrt(v))


def _stack(L, pre, d, seed, device):
    import torch

    torch.manual_seed(seed)
    layer = torch.nn.TransformerEncoderLayer(d, 2, 4 * d, dropout=0.0, batch_first=True, norm_first=pre,
                                             dtype=torch.float64)
    final = torch.nn.LayerNorm(d, dtype=torch.float64) if pre else None   # Pre-LN ends with a LayerNorm
    return torch.nn.TransformerEncoder(layer, L, norm=final, enable_nested_tensor=False).to(device)


def _grads(L, pre, seed, device, d=16):
    import torch

    g = torch.Generator().manual_seed(1000 + seed)
    x = torch.randn(2, 6, d, generator=g, dtype=torch.float64).to(device)
    r = torch.randn(2, 6, d, generator=g, dtype=torch.float64).to(device)
    enc = _stack(L, pre, d, seed, device)
    (enc(x) * r).sum().backward()
    return [layer.linear2.weight.grad.norm().item() for layer in enc.layers]


def experiment(p):
    import torch

    seeds = range(p.seed, p.seed + (2 if p.quick else 6))
    shallow, deep = 2, (12 if p.quick else 48)
    d = 16 if p.quick else 64
    pre_ln = not p.myth   # the myth: the LayerNorm's place does not matter, so "Pre-LN" behaves like Post-LN
    post = {s: (_grads(shallow, False, s, p.device, d), _grads(deep, False, s, p.device, d)) for s in seeds}
    pre = {s: (_grads(shallow, pre_ln, s, p.device, d), _grads(deep, pre_ln, s, p.device, d)) for s in seeds}
    p.sweep(f"Post-LN: last layer's ‖∂L/∂W₂‖ at L = {deep} / at L = {shallow}, over seeds",
            [(f"seed {s}", post[s][1][-1] / post[s][0][-1]) for s in seeds], ">", 0.6, id="post_last_flat")
    p.sweep(f"Pre-LN: last layer's ‖∂L/∂W₂‖ at L = {deep} / at L = {shallow}, over seeds",
            [(f"seed {s}", pre[s][1][-1] / pre[s][0][-1]) for s in seeds], "<", 0.6, id="pre_last_shrinks",
            refutes="Pre-LN and Post-LN have the same gradient scale at initialisation")
    p.sweep(f"L = {deep}: Post-LN / Pre-LN last-layer gradient norm, over seeds",
            [(f"seed {s}", post[s][1][-1] / pre[s][1][-1]) for s in seeds], ">", 1.5, id="post_over_pre")
    p.plot(f"‖∂L/∂W₂‖ per layer at initialisation, L = {deep}, seed {p.seed}",
           {"Post-LN": (list(range(1, deep + 1)), post[p.seed][1]),
            "Pre-LN": (list(range(1, deep + 1)), pre[p.seed][1])}, xlabel="layer", ylabel="gradient norm", logy=True)

    enc = _stack(deep, True, d, p.seed, p.device)  # the stream's growth: the mechanism behind 1/√L
    x = torch.randn(2, 6, d, generator=torch.Generator().manual_seed(p.seed), dtype=torch.float64).to(p.device)
    with torch.no_grad():
        h, norms = x, [x.norm().item()]
        for layer in enc.layers:
            h = layer(h)
            norms.append(h.norm().item())
    p.greater(f"Pre-LN residual stream: ‖x_{deep}‖/‖x_0‖ (it grows; the final LN divides it back)",
              norms[-1] / norms[0], 1.5, id="pre_stream_grows")
