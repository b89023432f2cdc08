"""Transposed convolution: output size S(W−1) − 2P + D(F−1) + output_padding + 1, and why.

Symbolic: a transposed conv maps a conv's output size back to its input size; solve the
conv size equation for the input, and see that the floor makes S input sizes share one
output size (output_padding picks among them). In 1-D with symbolic weights, the
transposed conv ("scatter each input times the kernel, add overlaps") is exactly Cᵀ for
the conv matrix C. Numeric: nn.ConvTranspose2d shapes on random configurations;
conv_transpose2d as the adjoint of conv2d (⟨Cx, y⟩ = ⟨x, Cᵀy⟩) and as autograd's input
gradient of conv2d; and it is not an inverse: convᵀ(conv(x)) ≠ x.
"""

TITLE = {
    "en": "Transposed convolution: output size and what it computes",
    "zh": "转置卷积：输出尺寸与它计算的是什么",
}
CLAIMS = [
    {
        "en": "nn.ConvTranspose2d turns W into S(W − 1) − 2P + D(F − 1) + output_padding + 1: with "
              "output_padding = 0 the smallest input the matching conv maps to W; the floor lets the next S − 1 "
              "sizes give W too, and output_padding (0 … S − 1) picks among them.",
        "zh": "nn.ConvTranspose2d 把 W 变成 S(W − 1) − 2P + D(F − 1) + output_padding + 1：output_padding = 0 时是"
              "对应卷积映射到 W 的最小输入尺寸；向下取整使其后 S − 1 个尺寸也得到 W，output_padding（0 … S − 1）在其中挑选。",
    },
    {
        "en": "It computes Cᵀy for the matrix C of the conv with the same weights: the adjoint, equal to "
              "the conv's input gradient — not its inverse (convᵀ(conv x) ≠ x).",
        "zh": "它计算的是 Cᵀy，C 为同一权重卷积的矩阵：即伴随算子，等于卷积对输入的梯度——而不是逆运算"
              "（convᵀ(conv x) ≠ x）。",
    },
]


def _derived_size():
    """Solve the conv's size equation (before the floor) for its input: (symbols, conv, w_in)."""
    import sympy as sp

    W_in, W, F, P, S, D = sp.symbols("W_in W F P S D")
    conv_no_floor = (W_in + 2 * P - D * (F - 1) - 1) / S + 1
    (w_in,), = sp.linsolve([conv_no_floor - W], [W_in])
    return (W_in, W, F, P, S, D), conv_no_floor, w_in


def derive(p):
    import sympy as sp

    (W_in, W, F, P, S, D), conv_no_floor, w_in = _derived_size()
    r = sp.Symbol("r")
    p.step("Conv output size before the floor, for input W_in", conv_no_floor)
    p.step("Solve conv(W_in) = W for W_in: the transposed conv's output size", sp.Eq(W_in, sp.expand(w_in)))
    p.identity("equals S(W − 1) − 2P + D(F − 1) + 1", w_in, S * (W - 1) - 2 * P + D * (F - 1) + 1)
    p.identity("adding r (0 ≤ r < S) only raises the conv's quotient by r/S < 1, so the floor "
               "still gives W", conv_no_floor.subs(W_in, w_in + r) - W, r / S)

    # 1-D, F = 3, S = 2, no padding: conv maps 5 inputs to 2 outputs; C is 2×5.
    w = sp.symbols("w0:3")
    C = sp.zeros(2, 5)
    for i in range(2):
        for k in range(3):
            C[i, 2 * i + k] = w[k]
    p.step("Conv matrix C (F = 3, S = 2, 5 → 2)", C)
    y = sp.Matrix(sp.symbols("y0:2"))
    scatter = sp.zeros(5, 1)
    for i in range(2):          # each input y_i stamps y_i·w at offset 2i; overlaps add
        for k in range(3):
            scatter[2 * i + k] += y[i] * w[k]
    p.step("Transposed conv by its definition (scatter-add of y_i·w)", scatter.T)
    p.identity("transposed conv = Cᵀ y", scatter, C.T * y)


def experiment(p):
    import random

    import sympy as sp
    import torch

    rng = random.Random(p.seed)
    dev = {"dtype": torch.float64, "device": p.device}
    (_, W, F, P, S, D), _, w_in = _derived_size()
    size = sp.lambdify((W, F, P, S, D), w_in)  # the derived size; output_padding is added on top
    n, wrong, tried = (100 if p.quick else 400), 0, 0
    while tried < n:
        f, s, d, pad, w = rng.randint(1, 5), rng.randint(1, 4), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 12)
        op = rng.randint(0, max(s, d) - 1)   # PyTorch: output_padding < stride or < dilation
        expected = int(size(w, f, pad, s, d)) + op
        if expected < 1:
            continue
        tried += 1
        up = torch.nn.ConvTranspose2d(2, 3, f, stride=s, padding=pad, dilation=d, output_padding=op, **dev)
        with torch.no_grad():
            wrong += up(torch.zeros(1, 2, w, w + 1, **dev)).shape[2:] != (expected, int(size(w + 1, f, pad, s, d)) + op)
    p.equal(f"nn.ConvTranspose2d H×W ≠ formula (of {n} random F, S, D, P, output_padding, W)", wrong, 0)

    gen = torch.Generator().manual_seed(p.seed)
    x = torch.randn(2, 3, 9, 9, generator=gen, dtype=torch.float64).to(p.device).requires_grad_(True)
    weight = torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64).to(p.device)
    conv = torch.nn.functional.conv2d(x, weight, stride=2, padding=1)            # 9 → 5
    y = torch.randn(conv.shape, generator=gen, dtype=torch.float64).to(p.device)
    # 5 → S·4 − 2 + 2 + 1 = 9 needs output_padding 0; 10 would need 1: the floor's ambiguity.
    back = torch.nn.functional.conv_transpose2d(y, weight, stride=2, padding=1)
    p.equal("conv 9 → 5, transposed conv 5 → 9 (same F, S, P)", [conv.shape[-1], back.shape[-1]], [5, 9])
    p.close("⟨conv(x), y⟩ vs ⟨x, convᵀ(y)⟩ (adjoint)", (conv * y).sum(), (x * back).sum(), rtol=1e-12)
    (g,) = torch.autograd.grad((conv * y).sum(), x)
    p.allclose("conv_transpose2d(y) vs autograd ∂⟨conv(x), y⟩/∂x", back, g, rtol=1e-12, atol=1e-12)
    x10 = torch.zeros(1, 3, 10, 10, **dev)
    out = torch.nn.functional.conv2d(x10, weight, stride=2, padding=1)
    p.equal("a 10-wide input also gives 5; output_padding = 1 maps 5 back to 10",
            [out.shape[-1], torch.nn.functional.conv_transpose2d(out, weight, stride=2, padding=1,
                                                                 output_padding=1).shape[-1]], [5, 10])
    # output_padding may be as large as D − 1 when D > S, but then it leaves the floor's ambiguity: with S = 1, D = 2
    # the transposed conv of a 5-wide input gives 9 (output_padding 0) or 10 (1), and the conv maps 10 to 6, not 5.
    y5 = torch.zeros(1, 4, 5, 5, **dev)             # the conv output side: 4 channels
    sizes = []
    for op in (0, 1):
        t = torch.nn.functional.conv_transpose2d(y5, weight, dilation=2, output_padding=op)
        sizes += [t.shape[-1], torch.nn.functional.conv2d(t, weight, dilation=2).shape[-1]]
    p.equal("S = 1, D = 2, W = 5: transposed size and the conv of it, output_padding 0 then 1 (1 ≥ S: not W again)",
            sizes, [9, 5, 10, 6], id="output_padding_beyond_stride")

    # Not an inverse: stride-1 'same' conv then its transpose does not return x.
    w1 = torch.randn(3, 3, 3, 3, generator=gen, dtype=torch.float64).to(p.device)
    with torch.no_grad():
        coded = torch.nn.functional.conv2d(x, w1, padding=1)
        # The conv's matrix C (243 × 243 here) and a true inverse: solving C·u = conv(x).
        C = torch.autograd.functional.jacobian(lambda t: torch.nn.functional.conv2d(t, w1, padding=1),
                                               x[:1].detach()).reshape(3 * 81, 3 * 81)
        solved = torch.linalg.solve(C, coded.reshape(2, -1).T).T.reshape(x.shape)
        p.less("solving C·u = conv(x) gives x back: ‖u − x‖ / ‖x‖", (solved - x).norm() / x.norm(), 1e-9,
               id="true_inverse_restores")
        # p.myth: the misconception's "deconvolution", which would be that inverse
        round_trip = solved if p.myth else torch.nn.functional.conv_transpose2d(coded, w1, padding=1)
        # Not a matter of scale: CᵀC ≈ Σw²·I would be an inverse up to a factor, so rescale by the best c.
        c = (round_trip * x).sum() / (round_trip * round_trip).sum()
        rel = (c * round_trip - x).norm() / x.norm()
    p.greater("min over scalars c of ‖c·convᵀ(conv x) − x‖ / ‖x‖ (a 'deconvolution' does not undo the conv, "
              "even up to scale)", rel, 0.5, id="transpose_does_not_invert",
              refutes="a transposed convolution undoes the convolution")
