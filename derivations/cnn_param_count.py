"""Parameters of a convolution, and what a 1×1 bottleneck saves.

Symbolic: count one filter (F·F·C_in weights + 1 bias) and multiply by C_out; derive
the cost ratio of a 1×1 → 3×3 → 1×1 bottleneck (width C → C/4 → C) to a plain 3×3
layer. Numeric: the formula against ``sum(p.numel())`` of real nn.Conv2d modules on
random configurations (with and without bias, with groups), the ResNet-50 block
counts, and a 1×1 convolution checked to be the same nn.Linear applied at every pixel.
"""

TITLE = {
    "en": "Conv parameters F·F·C_in·C_out + C_out, and 1×1 bottlenecks",
    "zh": "卷积参数量 F·F·C_in·C_out + C_out 与 1×1 瓶颈",
}
CLAIMS = [
    {
        "en": "nn.Conv2d(C_in, C_out, F) has F·F·C_in·C_out + C_out parameters (F·F·(C_in/g)·C_out + C_out "
              "with g groups), whatever the input's height and width.",
        "zh": "nn.Conv2d(C_in, C_out, F) 有 F·F·C_in·C_out + C_out 个参数（分 g 组时为 F·F·(C_in/g)·C_out + C_out），"
              "与输入的高和宽无关。",
    },
    {
        "en": "A 1×1 → 3×3 → 1×1 bottleneck C → C/4 → C costs 17C²/16 weights against 9C² for one "
              "3×3 layer: 69,632 vs 589,824 at C = 256, about 8.5× fewer.",
        "zh": "1×1 → 3×3 → 1×1 瓶颈（C → C/4 → C）的权重数为 17C²/16，单个 3×3 层为 9C²："
              "C = 256 时为 69,632 对 589,824，约少 8.5 倍。",
    },
    {
        "en": "A 1×1 convolution is a fully connected layer over channels, shared by every pixel.",
        "zh": "1×1 卷积就是在通道维上的全连接层，所有像素共享同一组权重。",
    },
]


def _derived_count():
    """Count the parameters from the layer's definition: one weight per (row, column, input
    channel the filter sees) and a bias b ∈ {0, 1}, per filter; one filter per output channel.
    With groups, a filter sees C_in/groups channels. Returns (symbols, one filter, layer sum)."""
    import sympy as sp

    F, C_in, C_out = sp.symbols("F C_in C_out", positive=True, integer=True)
    b = sp.Symbol("b", nonnegative=True, integer=True)
    i, j, c, o = sp.symbols("i j c o", integer=True)
    one_filter = sp.Sum(1, (i, 1, F), (j, 1, F), (c, 1, C_in)) + b
    layer = sp.Sum(one_filter.doit(), (o, 1, C_out))
    return (F, C_in, C_out, b), one_filter, layer


def derive(p):
    import sympy as sp

    (F, C_in, C_out, b), one_filter, layer = _derived_count()
    p.step("One filter: one weight per (row, column, input channel), plus b = 1 bias (0 with bias=False)",
           one_filter)
    p.step("One filter per output channel", layer)
    p.identity("parameters = F·F·C_in·C_out + C_out (b = 1)", layer.doit().subs(b, 1), F**2 * C_in * C_out + C_out)

    C = sp.Symbol("C", positive=True)
    weights = lambda f, a, b: f * f * a * b  # noqa: E731  (bias-free, as in ResNet: BN follows)
    plain = weights(3, C, C)
    bottleneck = weights(1, C, C / 4) + weights(3, C / 4, C / 4) + weights(1, C / 4, C)
    p.step("Plain 3×3, C → C", plain)
    p.step("Bottleneck: 1×1 C → C/4, 3×3 C/4 → C/4, 1×1 C/4 → C", bottleneck)
    ratio = sp.simplify(bottleneck / plain)
    p.step("Ratio bottleneck / plain", ratio)
    p.identity("bottleneck = 17C²/16", bottleneck, sp.Rational(17, 16) * C**2)
    p.identity("at C = 256: 69,632 vs 589,824", sp.Matrix([[bottleneck, plain]]).subs(C, 256),
               sp.Matrix([[69632, 589824]]))


def experiment(p):
    import random

    import sympy as sp
    import torch

    rng = random.Random(p.seed)
    dev = {"dtype": torch.float64, "device": p.device}
    symbols, _, layer = _derived_count()
    derived = sp.lambdify(symbols, layer.doit())  # (F, C_in seen per filter, C_out, bias 0/1)
    wrong = 0
    n = 60 if p.quick else 600
    for _ in range(n):
        g = rng.choice([1, 1, 2, 4])
        c_in, c_out = g * rng.randint(1, 8), g * rng.randint(1, 8)
        f, bias = rng.randint(1, 7), rng.random() < 0.7
        conv = torch.nn.Conv2d(c_in, c_out, f, groups=g, bias=bias, **dev)
        counted = sum(t.numel() for t in conv.parameters())
        if p.myth:  # the formula with a stray ×: the bias as a factor of the product, F·F·C_in·C_out·C_out
            wrong += counted != f * f * (c_in // g) * c_out * (c_out if bias else 1)
        else:
            wrong += counted != derived(f, c_in // g, c_out, int(bias))
    p.equal(f"nn.Conv2d parameter counts ≠ formula (of {n} random C_in, C_out, F, bias, groups)",
            wrong, 0, id="conv_param_formula", refutes="the bias multiplies the count (F×F×C1×C2×Bias)")

    def count(*layers):
        return sum(t.numel() for m in layers for t in m.parameters())

    plain = torch.nn.Conv2d(256, 256, 3, padding=1, bias=False, **dev)
    bottleneck = [torch.nn.Conv2d(256, 64, 1, bias=False, **dev),
                  torch.nn.Conv2d(64, 64, 3, padding=1, bias=False, **dev),
                  torch.nn.Conv2d(64, 256, 1, bias=False, **dev)]
    p.equal("real modules: plain 3×3 256→256 vs ResNet-50 bottleneck 256→64→64→256",
            [count(plain), count(*bottleneck)], [589824, 69632])
    p.close("plain / bottleneck parameter ratio", count(plain) / count(*bottleneck), 144 / 17, id="bottleneck_ratio")

    # A 1×1 conv = the same Linear at every pixel.
    gen = torch.Generator().manual_seed(p.seed)
    x = torch.randn(2, 5, 6, 7, generator=gen, dtype=torch.float64).to(p.device)
    conv = torch.nn.Conv2d(5, 3, 1, **dev)
    linear = torch.nn.Linear(5, 3, **dev)
    with torch.no_grad():
        linear.weight.copy_(conv.weight[:, :, 0, 0])
        linear.bias.copy_(conv.bias)
        per_pixel = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        # p.myth: "the 1×1 branch keeps the original image" — its output would be the input's channels
        branch = x[:, :3] if p.myth else conv(x)
        p.allclose("Conv2d(5, 3, 1) vs nn.Linear(5, 3) applied at each of 6×7 pixels",
                   branch, per_pixel, rtol=1e-12, atol=1e-12, id="one_by_one_is_linear",
                   refutes="a 1×1 convolution keeps the original image")
        sizes = [tuple(conv(torch.zeros(1, 5, h, h, **dev)).shape[2:]) for h in (6, 64)]
    p.equal("the same 18-parameter module runs on 6×6 and 64×64 inputs (output H, W)",
            [count(conv), *sizes[0], *sizes[1]], [18, 6, 6, 64, 64])
