"""A stack of linear layers is one linear layer: depth without a non-linearity buys nothing.

Symbolic: compose two affine maps with symbolic matrices and read off the single
affine map they equal. Numeric: a 5-layer torch MLP with no activations equals
one nn.Linear whose weight and bias are built from the closed form.
"""

TITLE = {
    "en": "Stacked linear layers collapse into one",
    "zh": "多个线性层叠加等价于一个线性层",
}
CLAIMS = [
    {
        "en": "W2(W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): a composition of affine maps is affine.",
        "zh": "W2(W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2)：仿射变换的复合仍是仿射变换。",
    },
    {
        "en": "An L-layer network without activations computes exactly what one nn.Linear computes.",
        "zh": "没有激活函数的 L 层网络与单个 nn.Linear 的计算结果完全相同。",
    },
]


def derive(p):
    import sympy as sp

    W1, W2 = sp.MatrixSymbol("W1", 3, 2), sp.MatrixSymbol("W2", 2, 3)
    b1, b2 = sp.MatrixSymbol("b1", 3, 1), sp.MatrixSymbol("b2", 2, 1)
    x = sp.MatrixSymbol("x", 2, 1)
    two_layers = W2 * (W1 * x + b1) + b2
    p.step("Two linear layers, no activation in between", two_layers)
    expanded = sp.expand(two_layers)
    p.step("Distribute W2 over the sum", expanded)
    # Read the collapsed layer off the expansion: the coefficient of x and the constant term.
    W, b = (W2 * W1).as_explicit(), (W2 * b1 + b2).as_explicit()
    p.step("Group the terms in x and the constant terms", (W2 * W1) * x + (W2 * b1 + b2))
    p.identity("W2(W1x + b1) + b2 = (W2W1)x + (W2b1 + b2), entry by entry",
               two_layers.as_explicit(), W * x.as_explicit() + b,
               shown=sp.Eq(two_layers, (W2 * W1) * x + (W2 * b1 + b2), evaluate=False))


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    sizes = [8, 16, 16, 16, 16, 4]
    layers = [torch.nn.Linear(a, b, dtype=torch.float64) for a, b in zip(sizes, sizes[1:])]
    for layer in layers:
        with torch.no_grad():
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g, dtype=torch.float64))
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=g, dtype=torch.float64))
    deep = torch.nn.Sequential(*layers).to(p.device)

    # The closed form, folded layer by layer: W ← W_l W, b ← W_l b + b_l.
    W = torch.eye(sizes[0], dtype=torch.float64)
    b = torch.zeros(sizes[0], dtype=torch.float64)
    for layer in layers:
        W, b = layer.weight.detach().cpu() @ W, layer.weight.detach().cpu() @ b + layer.bias.detach().cpu()
    single = torch.nn.Linear(sizes[0], sizes[-1], dtype=torch.float64).to(p.device)
    with torch.no_grad():
        single.weight.copy_(W)
        single.bias.copy_(b)

    x = torch.randn(256, sizes[0], generator=g, dtype=torch.float64).to(p.device)
    with torch.no_grad():
        p.allclose("5 stacked nn.Linear vs one folded nn.Linear", deep(x), single(x), rtol=1e-10, atol=1e-9)
        # Adding a ReLU breaks it: the folded layer no longer matches.
        relu_net = torch.nn.Sequential(layers[0], torch.nn.ReLU(), *layers[1:]).to(p.device)
        gap = (relu_net(x) - single(x)).abs().max()
    p.greater("max |Δ| once a ReLU is inserted (no single linear map fits)", gap, 1e-3)
