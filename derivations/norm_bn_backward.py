"""The BatchNorm backward pass in closed form.

Symbolic (N = 3, one feature, upstream gradient gᵢ = ∂L/∂yᵢ): differentiate
L = ∑ gᵢ yᵢ through μ, σ² and x̂ by the chain rule on the computation graph, check
it against sympy's direct derivative, and reduce it to
    ∂L/∂xᵢ = γ/(N·√(σ² + ε)) · (N·gᵢ − ∑ⱼ gⱼ − x̂ᵢ·∑ⱼ gⱼx̂ⱼ),
    ∂L/∂γ = ∑ gᵢx̂ᵢ,   ∂L/∂β = ∑ gᵢ.
Numeric: the closed form against autograd through torch.nn.BatchNorm1d (train
and eval mode), and a widely copied NumPy version, which drops the 1/N.
"""

TITLE = {
    "en": "BatchNorm backward in closed form",
    "zh": "BatchNorm 反向传播的闭式解",
}
CLAIMS = [
    {
        "en": "Train mode: ∂L/∂xᵢ = (1/N)·γ/√(σ² + ε)·(N·dyᵢ − ∑ⱼdyⱼ − x̂ᵢ·∑ⱼ dyⱼx̂ⱼ), per feature.",
        "zh": "训练模式：∂L/∂xᵢ = (1/N)·γ/√(σ² + ε)·(N·dyᵢ − ∑ⱼdyⱼ − x̂ᵢ·∑ⱼ dyⱼx̂ⱼ)（逐特征）。",
    },
    {
        "en": "∂L/∂γ = ∑ᵢ dyᵢ·x̂ᵢ and ∂L/∂β = ∑ᵢ dyᵢ (sums over the batch).",
        "zh": "∂L/∂γ = ∑ᵢ dyᵢ·x̂ᵢ，∂L/∂β = ∑ᵢ dyᵢ（在 batch 上求和）。",
    },
    {
        "en": "The input gradient sums to zero over the batch, ∑ᵢ ∂L/∂xᵢ = 0, because the mean is subtracted.",
        "zh": "输入梯度在 batch 上的和为零，∑ᵢ ∂L/∂xᵢ = 0，因为均值被减掉了。",
    },
    {
        "en": "Eval mode is a fixed affine map, so its input gradient is just γ/√(running_var + ε)·dy.",
        "zh": "推理模式是固定的仿射变换，输入梯度只是 γ/√(running_var + ε)·dy。",
    },
]


def derive(p):
    import sympy as sp

    N = 3
    x = sp.symbols(f"x1:{N + 1}", real=True)
    g = sp.symbols(f"g1:{N + 1}", real=True)  # g = ∂L/∂y, the gradient arriving from above
    gamma, beta, eps, s = sp.symbols("gamma beta epsilon s", positive=True)
    M, V = sp.symbols("μ σ²", real=True)  # the graph's intermediate nodes, as free symbols first

    mu = sum(x) / N
    var = sum((xi - mu) ** 2 for xi in x) / N
    # The graph: y = γ·x̂ + β, x̂ = (x − μ)/√(σ² + ε), σ² = (1/N)∑(x − μ)², μ = (1/N)∑x.
    f = sum(gi * (gamma * (xi - M) / sp.sqrt(V + eps) + beta) for gi, xi in zip(g, x))
    V_of = sum((xi - M) ** 2 for xi in x) / N
    p.step("L = ∑ gᵢyᵢ with μ and σ² kept as nodes of the graph", f)
    dL_dV = sp.diff(f, V)
    dL_dM = sp.diff(f, M) + dL_dV * sp.diff(V_of, M)
    p.step("∂L/∂σ² = ∑ gᵢγ(xᵢ − μ)·(−½)(σ² + ε)^(−3/2)", dL_dV)
    p.step("∂L/∂μ = direct path + ∂L/∂σ²·∂σ²/∂μ (that last factor is −(2/N)∑(xᵢ − μ))", dL_dM)
    dV, dM = sp.symbols("∂L/∂σ² ∂L/∂μ")
    staged_1 = sp.diff(f, x[0]) + dV * sp.diff(V_of, x[0]) + dM * sp.Rational(1, N)
    p.step("∂L/∂x₁ = ∂L/∂x̂₁·1/√(σ² + ε) + ∂L/∂σ²·2(x₁ − μ)/N + ∂L/∂μ·1/N", staged_1)
    at_mean = {M: mu, V: var}
    staged = [
        (sp.diff(f, xi) + dL_dV * sp.diff(V_of, xi) + dL_dM * sp.Rational(1, N)).subs(at_mean)
        for xi in x
    ]

    # Now the whole thing by direct differentiation of the composed function.
    xhat = [(xi - mu) / sp.sqrt(var + eps) for xi in x]
    L = sum(gi * (gamma * h + beta) for gi, h in zip(g, xhat))
    direct = [sp.diff(L, xi) for xi in x]

    def zero_test(e):
        # Write √(σ² + ε) = s (substitute ε = s² − σ²): e becomes rational, and together/expand decide = 0.
        return sp.expand(sp.together(e.subs(eps, s ** 2 - var)))

    p.identity("the graph's chain rule − sympy's direct ∂L/∂xᵢ = 0 (i = 1, 2, 3)",
               sp.Matrix([zero_test(a - b) for a, b in zip(staged, direct)]), sp.zeros(N, 1),
               shown=sp.Eq(sp.Symbol("staged ∂L/∂x"), sp.Symbol("direct ∂L/∂x")))
    h = sp.symbols(f"xhat1:{N + 1}")
    compact = [gamma / (N * s) * (N * g[i] - sum(g) - h[i] * sum(gj * hj for gj, hj in zip(g, h))) for i in range(N)]
    p.step("Claimed closed form, with s = √(σ² + ε)", compact[0])
    xhat_s = {hi: (xi - mu) / s for hi, xi in zip(h, x)}
    p.identity("closed form − direct ∂L/∂xᵢ = 0 (i = 1, 2, 3)",
               sp.Matrix([zero_test(d) - sp.expand(sp.together(c.subs(xhat_s))) for c, d in zip(compact, direct)]),
               sp.zeros(N, 1),
               shown=sp.Eq(sp.Symbol("∂L/∂xᵢ"), sp.Symbol("γ/(N·s)·(N·gᵢ − ∑gⱼ − x̂ᵢ·∑gⱼx̂ⱼ)")))
    p.identity("∂L/∂γ = ∑ gᵢx̂ᵢ", sp.diff(L, gamma), sum(gi * hi for gi, hi in zip(g, xhat)),
               shown=sp.Eq(sp.Symbol("∂L/∂γ"), sp.Symbol("∑ gᵢx̂ᵢ")))
    p.identity("∂L/∂β = ∑ gᵢ", sp.diff(L, beta), sum(g))
    p.identity("∑ᵢ ∂L/∂xᵢ = 0", zero_test(sum(direct)), 0)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N, F = (16, 5) if p.quick else (256, 64)

    bn = torch.nn.BatchNorm1d(F, dtype=dt).to(dev)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(F, generator=gen, dtype=dt) + 1)
        bn.bias.copy_(torch.randn(F, generator=gen, dtype=dt))
    x = (torch.randn(N, F, generator=gen, dtype=dt) * 2 + 1).to(dev).requires_grad_(True)
    dy = torch.randn(N, F, generator=gen, dtype=dt).to(dev)
    bn(x).backward(dy)  # autograd through the real module, train mode

    with torch.no_grad():
        mu = x.mean(0)
        inv_std = 1 / torch.sqrt(((x - mu) ** 2).mean(0) + bn.eps)
        xhat = (x - mu) * inv_std
        dx = bn.weight * inv_std / N * (N * dy - dy.sum(0) - xhat * (dy * xhat).sum(0))
        p.allclose("∂L/∂x: closed form vs autograd (train mode)", dx, x.grad, rtol=1e-10, atol=1e-12,
                   id="closed_form_vs_autograd")
        p.allclose("∂L/∂γ = ∑ dy·x̂ vs autograd", (dy * xhat).sum(0), bn.weight.grad, rtol=1e-10, atol=1e-12)
        p.allclose("∂L/∂β = ∑ dy vs autograd", dy.sum(0), bn.bias.grad, rtol=1e-10, atol=1e-12)
        p.allclose("∑ᵢ ∂L/∂xᵢ per feature = 0 (autograd)", x.grad.sum(0), torch.zeros(F), atol=1e-12)
        naive = bn.weight * inv_std * dy  # what you get if you forget μ and σ² depend on x
        p.greater("max |autograd − γ/σ·dy| in train mode (the batch terms matter)", (naive - x.grad).abs().max(), 1e-2,
                  id="batch_terms_matter")

        # A widely copied NumPy backward: dx = (N·dx̂ − ∑dx̂ − x̂·∑dx̂x̂)·ivar — the 1/N is missing.
        # p.myth: the belief that this code is right, i.e. that it carries the 1/N.
        dxhat = dy * bn.weight
        copied_dx = (N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) * inv_std / (N if p.myth else 1)
        scale = (copied_dx * x.grad).sum() / (x.grad * x.grad).sum()
        p.close("NumPy backward without the 1/N: its dx ÷ autograd's dx (least-squares factor) = N", scale, N, rtol=1e-10,
                id="copied_code_factor_n", refutes="the NumPy BatchNorm backward without the 1/N is correct")

    # Eval mode: running statistics are constants, so the backward is a plain per-feature scale.
    with torch.no_grad():
        for _ in range(3):
            bn(torch.randn(N, F, generator=gen, dtype=dt).to(dev) + 2)  # give the buffers non-trivial values
    bn.eval()
    x.grad = None
    bn(x).backward(dy)
    with torch.no_grad():
        eval_dx = bn.weight / torch.sqrt(bn.running_var + bn.eps) * dy
    p.allclose("eval mode: ∂L/∂x = γ/√(running_var + ε)·dy vs autograd", eval_dx, x.grad, rtol=1e-10, atol=1e-12)
