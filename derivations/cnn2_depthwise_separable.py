"""Depthwise-separable convolution: parameters, cost, and what it cannot represent.

Symbolic: a standard k×k convolution C_in → C_out has C_in·C_out·k² weights; a depthwise
k×k convolution (groups = C_in, one filter per channel) followed by a 1×1 pointwise one has
C_in·k² + C_in·C_out, a ratio of 1/C_out + 1/k² (Howard et al. 2017, MobileNets). The
multiply-adds per output position have the same ratio. The composition is a standard convolution
whose weight factorises, W[o, c, u, v] = P[o, c]·D[c, u, v]: each input channel's C_out×k² slice
has rank 1, so a generic convolution (rank min(C_out, k²) slices) is out of reach.
Numeric: nn.Conv2d(groups=C_in) + nn.Conv2d(1×1) parameter counts against the derived formula
(lambdified); the two-module output against F.conv2d with the factorised weight; the best
rank-1-per-channel fit of a random full kernel (SVD) leaves a residual.
"""

TITLE = {
    "en": "Depthwise-separable convolution: C_in·k² + C_in·C_out weights, and a rank-1 constraint",
    "zh": "深度可分离卷积：C_in·k² + C_in·C_out 个权重，以及秩 1 约束",
}
CLAIMS = [
    {"en": "Depthwise (groups = C_in) + pointwise 1×1: C_in·k² + C_in·C_out weights vs C_in·C_out·k², a ratio "
           "1/C_out + 1/k².",
     "zh": "逐通道卷积（groups = C_in）+ 逐点 1×1：C_in·k² + C_in·C_out 个权重，对比 C_in·C_out·k²，比值 1/C_out + 1/k²。"},
    {"en": "The pair equals one standard convolution with W[o,c,u,v] = P[o,c]·D[c,u,v]; a generic standard "
           "convolution is not of that form.",
     "zh": "二者组合等于一个权重为 W[o,c,u,v] = P[o,c]·D[c,u,v] 的标准卷积；一般的标准卷积不具备这种形式。"},
]


def _counts():
    import sympy as sp

    ci, co, k = sp.symbols("C_in C_out k", positive=True, integer=True)
    standard = ci * co * k ** 2
    depthwise = ci * 1 * k ** 2  # C_in filters, each sees C_in/groups = 1 channel
    pointwise = co * ci * 1 * 1
    return sp, ci, co, k, standard, depthwise + pointwise


def derive(p):
    sp, ci, co, k, standard, separable = _counts()
    p.step("standard: C_out filters × C_in channels × k²", standard)
    p.step("depthwise (C_in filters of 1 channel × k²) + pointwise (C_out filters of C_in × 1²)", separable)
    p.identity("separable / standard = 1/C_out + 1/k²", separable / standard, 1 / co + 1 / k ** 2)
    p.step("C_in = C_out = 256, k = 3: the ratio", (separable / standard).subs({ci: 256, co: 256, k: 3}))
    # the composition is a standard conv with a factorised kernel (1-D, one output position)
    P = sp.Matrix(2, 2, lambda o, c: sp.Symbol(f"P{o}{c}"))
    D = sp.Matrix(2, 3, lambda c, u: sp.Symbol(f"D{c}{u}"))
    x = sp.Matrix(2, 3, lambda c, u: sp.Symbol(f"x{c}{u}"))
    depth = [sum(D[c, u] * x[c, u] for u in range(3)) for c in range(2)]
    composed = [sum(P[o, c] * depth[c] for c in range(2)) for o in range(2)]
    factorised = [sum(P[o, c] * D[c, u] * x[c, u] for c in range(2) for u in range(3)) for o in range(2)]
    p.identity("pointwise ∘ depthwise = one conv with W[o,c,u] = P[o,c]·D[c,u]", sp.Matrix(composed),
               sp.Matrix(factorised))


def experiment(p):
    import torch
    import torch.nn.functional as F

    sp, ci_s, co_s, k_s, standard_s, separable_s = _counts()
    standard_f = sp.lambdify([ci_s, co_s, k_s], standard_s)
    separable_f = sp.lambdify([ci_s, co_s, k_s], separable_s)

    def count(module):
        return sum(q.numel() for q in module.parameters())

    cases_sep, cases_std = [], []
    for ci, co, k in ((32, 64, 3), (64, 128, 3), (128, 128, 5), (3, 16, 7)):
        depth = torch.nn.Conv2d(ci, ci, k, groups=ci, bias=False, device="meta")
        point = torch.nn.Conv2d(ci, co, 1, bias=False, device="meta")
        full = torch.nn.Conv2d(ci, co, k, bias=False, device="meta")
        cases_sep.append((f"{ci}→{co}, k = {k}", abs(count(depth) + count(point) - separable_f(ci, co, k))))
        cases_std.append((f"{ci}→{co}, k = {k}", abs(count(full) - standard_f(ci, co, k))))
    p.sweep("|params of Conv2d(groups=C_in) + Conv2d 1×1 − C_in·k² − C_in·C_out|", cases_sep, "<=", 0,
            id="separable_count")
    p.sweep("|params of Conv2d − C_in·C_out·k²|", cases_std, "<=", 0, id="standard_count")
    ratio = (count(torch.nn.Conv2d(256, 256, 3, groups=256, bias=False, device="meta"))
             + count(torch.nn.Conv2d(256, 256, 1, bias=False, device="meta"))) \
        / count(torch.nn.Conv2d(256, 256, 3, bias=False, device="meta"))
    p.close("measured ratio at C_in = C_out = 256, k = 3 vs 1/256 + 1/9", ratio, 1 / 256 + 1 / 9, rtol=1e-12,
            id="ratio_256_k3")

    # arithmetic intensity: FLOPs per byte of fp32 traffic, each tensor (input, weights, output) moved
    # once — the idealised best case — for a depthwise and a standard 3×3 layer, 256 channels, 56×56
    def intensity(module, side=56):
        x = torch.empty(1, module.in_channels, side, side, device="meta")
        out = module(x)
        macs = out.numel() * module.weight[0].numel()  # each output: one dot product with its filter
        traffic = 4 * (x.numel() + module.weight.numel() + out.numel())
        return 2 * macs / traffic

    dw = intensity(torch.nn.Conv2d(256, 256, 3, padding=1, groups=256, bias=False, device="meta"))
    std = intensity(torch.nn.Conv2d(256, 256, 3, padding=1, bias=False, device="meta"))
    p.less("depthwise 3×3, 256 channels, 56×56, fp32: FLOPs per byte moved (best case)", dw, 10,
           id="depthwise_intensity")
    p.greater("standard 3×3, same sizes: FLOPs per byte moved (best case)", std, 100, id="standard_intensity")

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    ci, co, k = 4, 6, 3
    x = torch.randn(2, ci, 8, 8, generator=gen, dtype=dt).to(dev)
    depth = torch.nn.Conv2d(ci, ci, k, groups=ci, bias=False, dtype=dt).to(dev)
    point = torch.nn.Conv2d(ci, co, 1, bias=False, dtype=dt).to(dev)
    Wf = point.weight[:, :, 0, 0][:, :, None, None] * depth.weight[:, 0][None]  # P[o,c]·D[c,u,v]
    with torch.no_grad():
        p.allclose("pointwise(depthwise(x)) vs F.conv2d(x, P[o,c]·D[c,u,v])", point(depth(x)), F.conv2d(x, Wf),
                   rtol=1e-10, atol=1e-12, id="composition_is_factorised_conv")
        # best separable fit of a random full kernel: rank-1 truncation of each channel's C_out×k² slice
        W = torch.randn(co, ci, k, k, generator=gen, dtype=dt)
        fit = torch.empty_like(W)
        keep = min(co, k * k) if p.myth else 1  # the myth: the factorisation loses nothing
        for c in range(ci):
            U, S, Vh = torch.linalg.svd(W[:, c].reshape(co, k * k), full_matrices=False)
            fit[:, c] = ((U[:, :keep] * S[:keep]) @ Vh[:keep]).reshape(co, k, k)
        rel = float((F.conv2d(x.cpu(), W) - F.conv2d(x.cpu(), fit)).norm() / F.conv2d(x.cpu(), W).norm())
    p.greater("separable kernel closest in weight space (rank-1 SVD per channel) to a random 4→6, 3×3 one: "
              "relative output error", rel, 0.1,
              id="separable_cannot_fit_full",
              refutes="a depthwise-separable convolution can represent any standard convolution")
