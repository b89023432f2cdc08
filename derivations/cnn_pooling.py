"""Pooling: no parameters, channels unchanged, and max-pool's gradient goes to the arg-max.

Symbolic: differentiate max(x₁, …, x₄) — each partial is a step function that is 1 only
for the largest input — and the mean (each partial 1/4). Numeric: nn.MaxPool2d and
nn.AvgPool2d have no parameters and keep the channel count; autograd's input gradient
through an overlapping 3×3/2 max-pool equals the hand rule "route each upstream
gradient to its window's arg-max, adding where windows share it"; average pooling
spreads g/k²; and pooling shrinks the fully connected layer after it, not the convolutions.
"""

TITLE = {
    "en": "Pooling layers: parameters, channels, and the max-pool backward rule",
    "zh": "池化层：参数、通道数与最大池化的反向传播规则",
}
CLAIMS = [
    {
        "en": "∂max(x₁,…,x_k)/∂x_i is 1 for the arg-max and 0 elsewhere; ∂mean/∂x_i = 1/k.",
        "zh": "∂max(x₁,…,x_k)/∂x_i 在最大值位置为 1，其余为 0；∂mean/∂x_i = 1/k。",
    },
    {
        "en": "Max-pool backward sends each upstream gradient to its window's arg-max (summing where "
              "overlapping windows share one); the other inputs get exactly 0.",
        "zh": "最大池化反向时把每个上游梯度送到该窗口的最大值位置（重叠窗口共用同一最大值时相加），"
              "其余输入梯度恰为 0。",
    },
    {
        "en": "nn.MaxPool2d / nn.AvgPool2d have no parameters and keep C channels (output C × H' × W', "
              "not K); PyTorch's pooling stride defaults to the kernel size.",
        "zh": "nn.MaxPool2d / nn.AvgPool2d 没有参数，通道数 C 不变（输出 C × H' × W'，而非 K）；"
              "PyTorch 池化的步长默认等于核大小。",
    },
    {
        "en": "Pooling does not change the parameter count of later convolutions; it shrinks the "
              "flattened input of a later fully connected layer (4× for 2×2 pooling).",
        "zh": "池化不改变后续卷积层的参数量；它缩小的是展平后全连接层的输入（2×2 池化缩小 4 倍）。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x1:5", real=True)
    y = sp.Max(*x)
    grad = sp.Matrix([[sp.diff(y, v) for v in x]])
    p.step("y = max(x₁, x₂, x₃, x₄); its gradient", grad)
    point = dict(zip(x, (sp.Rational(3, 10), sp.Rational(9, 10), sp.Rational(-1, 2), sp.Rational(1, 5))))
    p.step("At x = (0.3, 0.9, −0.5, 0.2) the arg-max is x₂", sp.Matrix([list(point.values())]))
    p.identity("the gradient is one-hot at the arg-max", grad.xreplace(point), sp.Matrix([[0, 1, 0, 0]]))

    g = sp.Symbol("g")  # upstream ∂L/∂y
    mean = sum(x) / 4
    p.identity("average pooling: ∂L/∂x_i = g·∂mean/∂x_i = g/4 for every i",
               sp.Matrix([[g * sp.diff(mean, v) for v in x]]), sp.Matrix([[g / 4] * 4]))


def experiment(p):
    import torch

    dev = {"dtype": torch.float64, "device": p.device}
    gen = torch.Generator().manual_seed(p.seed)
    maxpool, avgpool = torch.nn.MaxPool2d(3, stride=2), torch.nn.AvgPool2d(2)
    p.equal("parameters of MaxPool2d(3, 2) and AvgPool2d(2)",
            [sum(t.numel() for t in m.parameters()) for m in (maxpool, avgpool)], [0, 0])
    x = torch.randn(2, 5, 11, 11, generator=gen, dtype=torch.float64).to(p.device)
    p.equal("MaxPool2d(3, stride 2): 2×5×11×11 → (channels kept, (11 − 3)/2 + 1 = 5)",
            list(maxpool(x).shape), [2, 5, 5, 5])
    p.equal("MaxPool2d(2) strides by 2 by default: 11 → 5", torch.nn.MaxPool2d(2)(x).shape[-1], 5)

    # Autograd vs the hand rule on overlapping windows (kernel 3, stride 2).
    x.requires_grad_(True)
    y = maxpool(x)
    upstream = torch.randn(y.shape, generator=gen, dtype=torch.float64).to(p.device)
    (y * upstream).sum().backward()
    by_hand = torch.zeros_like(x)
    wins = x.detach().unfold(2, 3, 2).unfold(3, 3, 2)           # N, C, 5, 5, 3, 3
    flat = wins.reshape(*wins.shape[:4], 9).argmax(dim=-1)      # arg-max inside each window
    shared = 0
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            hits = torch.zeros(x.shape[2:], dtype=torch.int64)
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    k = int(flat[n, c, i, j])
                    r, s = 2 * i + k // 3, 2 * j + k % 3
                    by_hand[n, c, r, s] += upstream[n, c, i, j]
                    hits[r, s] += 1
            shared += int((hits > 1).sum())
    p.allclose("max-pool input gradient: autograd vs 'route to the arg-max'", x.grad, by_hand,
               rtol=1e-12, atol=1e-12, id="maxpool_grad_route")
    p.greater("inputs that are the arg-max of two overlapping windows (gradients add)", shared, 0)
    p.less("fraction of inputs with a non-zero gradient", (x.grad != 0).double().mean(), 0.25)

    # Average pooling spreads g / k² over its window.
    x2 = torch.randn(1, 3, 6, 6, generator=gen, dtype=torch.float64).to(p.device).requires_grad_(True)
    up2 = torch.randn(1, 3, 3, 3, generator=gen, dtype=torch.float64).to(p.device)
    (avgpool(x2) * up2).sum().backward()
    spread = up2.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3) / 4
    p.allclose("avg-pool input gradient: autograd vs g/4 on each 2×2 window", x2.grad, spread,
               rtol=1e-12, atol=1e-12, id="avgpool_grad_spread")

    # Pooling and parameter counts, measured on two real networks that differ only by a 2×2 max-pool:
    # the later layers are lazy (LazyConv2d, LazyLinear), so their shapes come from what actually
    # reaches them. The conv after the pool keeps its count; the Linear after flattening shrinks 4×.
    def network(pool):
        layers = [torch.nn.Conv2d(3, 16, 3, padding=1, **dev), torch.nn.ReLU()]
        layers += [torch.nn.MaxPool2d(2)] if pool else []
        layers += [torch.nn.LazyConv2d(32, 3, padding=1, **dev), torch.nn.ReLU(), torch.nn.Flatten(),
                   torch.nn.LazyLinear(10, **dev)]
        net = torch.nn.Sequential(*layers)
        seen = {}
        later_conv = net[-4]
        later_conv.register_forward_hook(lambda m, inp, out: seen.update(hw=tuple(inp[0].shape[2:])))
        with torch.no_grad():
            net(torch.zeros(1, 3, 16, 16, **dev))
        conv_params = sum(t.numel() for t in later_conv.parameters())
        if p.myth:  # the misconception's later layer: one filter bank per output pixel (no weight sharing)
            conv_params *= seen["hw"][0] * seen["hw"][1]
        return seen["hw"], conv_params, sum(t.numel() for t in net[-1].parameters())

    (hw_with, conv_with, head_with), (hw_without, conv_without, head_without) = network(True), network(False)
    p.equal("input of the later conv with / without the 2×2 pool (H, W)", [*hw_with, *hw_without], [8, 8, 16, 16])
    p.equal("parameters of the later LazyConv2d(32, 3) after a 2×2 pool (8×8 input) vs without it (16×16)",
            conv_with, conv_without, id="pool_keeps_conv_params",
            refutes="pooling reduces the number of parameters of later convolution layers")
    p.equal("… and that count is the 3·3·16·32 + 32 of the formula", conv_with, 3 * 3 * 16 * 32 + 32)
    p.greater("LazyLinear head parameters without / with the pool before flattening (4× fewer inputs)",
              head_without / head_with, 3.9)
