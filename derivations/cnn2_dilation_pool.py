"""Dilated convolution and its receptive field; strided convolution vs max-pooling.

Symbolic: a k-tap kernel with dilation d spans d(k − 1) + 1 inputs. Stacking stride-1 layers adds
(k − 1)·d per layer, so 3-tap layers with d = 1, 2, 4, …, 2^(L−1) reach 1 + 2∑2^(l−1) = 2^(L+1) − 1
inputs: exponential growth at linear parameter cost (Yu & Koltun 2016). Two 3-tap layers with
d = 2 reach 9 positions but only the even offsets: the "gridding" holes. A stride-2 convolution is
the stride-1 convolution sampled at every second position. Numeric: receptive fields measured by
autograd (the support of ∂y_centre/∂x) on 2-D stacks; the gridding pattern counted; F.conv2d stride 2
against stride 1 subsampled; the share of inputs that get a gradient through max_pool2d(2) vs a
stride-2 2×2 convolution.
"""

TITLE = {
    "en": "Dilated convolution: receptive field d(k − 1) + 1 per layer, gridding; strided conv vs max-pool",
    "zh": "空洞卷积：每层感受野 d(k − 1) + 1 与网格效应；步长卷积与最大池化",
}
CLAIMS = [
    {"en": "3×3 layers with dilations 1, 2, 4, …, 2^(L−1) have a (2^(L+1) − 1)² receptive field.",
     "zh": "空洞率为 1, 2, 4, …, 2^(L−1) 的 3×3 层叠加，感受野为 (2^(L+1) − 1)²。"},
    {"en": "Two 3×3 layers with dilation 2 span 9×9 inputs but depend on only 25 of them (gridding).",
     "zh": "两个空洞率 2 的 3×3 层跨越 9×9 个输入，但只依赖其中 25 个（网格效应）。"},
    {"en": "A stride-2 convolution equals the stride-1 convolution sampled at every second position; unlike "
           "max-pooling it is learned and passes gradient to every input of its window.",
     "zh": "步长 2 的卷积等于步长 1 的卷积隔一个取一个；与最大池化不同，它是可学习的，且把梯度传给窗口中的每个输入。"},
]


def derive(p):
    import sympy as sp

    k, d = sp.symbols("k d", positive=True, integer=True)
    taps = [d * u for u in range(3)]
    p.step("3-tap kernel with dilation d reads offsets", sp.Matrix(taps).T)
    p.identity("span of a k-tap kernel with dilation d: d(k − 1) + 1 (k = 3)", taps[-1] - taps[0] + 1, d * (3 - 1) + 1)
    L = sp.Symbol("L", positive=True, integer=True)
    l = sp.Symbol("l", positive=True, integer=True)
    rf = 1 + sp.summation((3 - 1) * 2 ** (l - 1), (l, 1, L))
    p.identity("1 + ∑ₗ (k − 1)·2^(l−1) = 2^(L+1) − 1", rf, 2 ** (L + 1) - 1)
    # two layers with dilation 2: the offsets reached are the sums of two kernels' offsets
    offsets = sorted({a + b for a in (0, 2, 4) for b in (0, 2, 4)})
    p.step("d = 2 twice: offsets reached (1-D)", sp.Matrix(offsets).T)
    p.identity("…5 distinct offsets within a span of 9: only the even ones", sp.Integer(len(offsets)), 5)


def experiment(p):
    import torch
    import torch.nn.functional as F

    dt, dev = torch.float64, p.device
    gen = torch.Generator().manual_seed(p.seed)

    def field(dilations, size=41, kernel=3):
        """The receptive field of the centre output of a stack of 1-channel stride-1 convolutions
        (random positive weights, so no accidental cancellation), from autograd's gradient support."""
        x = torch.randn(1, 1, size, size, generator=gen, dtype=dt).to(dev).requires_grad_(True)
        y = x
        for d in dilations:
            k = kernel
            if p.myth and d > 1:  # the myth: a dilated kernel acts like a dense one of the same span
                k, d = d * (kernel - 1) + 1, 1
            w = (torch.rand(1, 1, k, k, generator=gen, dtype=dt) + 0.1).to(dev)
            y = F.conv2d(y, w, dilation=d, padding=d * (k - 1) // 2)
        c = size // 2
        (g,) = torch.autograd.grad(y[0, 0, c, c], x)
        support = (g[0, 0] != 0).nonzero()
        span = int(support[:, 0].max() - support[:, 0].min() + 1)
        return span, int((g != 0).sum())

    cases = []
    for L in (1, 2, 3, 4):
        span, _ = field([2 ** (l - 1) for l in range(1, L + 1)])
        cases.append((f"L = {L}", abs(span - (2 ** (L + 1) - 1))))
    p.sweep("|measured side of the receptive field − (2^(L+1) − 1)|, dilations 1, 2, …, 2^(L−1)", cases, "<=", 0,
            id="dilated_stack_field")
    span, touched = field([2, 2])
    p.equal("two 3×3, d = 2: side of the span", span, 9, id="gridding_span")
    p.equal("…inputs with a non-zero gradient", touched, 25, id="gridding_touched")
    p.less("…share of the 9×9 span that influences the output", touched / span ** 2, 1.0, id="gridding_holes",
           refutes="a stack of dilated convolutions sees every pixel of its receptive field")
    span, touched = field([1, 2])
    p.equal("d = 1 then d = 2 (HDC-style mixed rates): inputs touched in the 7×7 span", touched, 49,
            id="mixed_rates_dense")

    # strided convolution vs max-pooling
    x = torch.randn(1, 3, 10, 10, generator=gen, dtype=dt).to(dev).requires_grad_(True)
    w = torch.randn(4, 3, 3, 3, generator=gen, dtype=dt).to(dev)
    p.allclose("F.conv2d stride 2 vs stride 1 sampled at [::2, ::2]", F.conv2d(x, w, stride=2),
               F.conv2d(x, w)[..., ::2, ::2], rtol=1e-12, atol=1e-12, id="stride_is_subsampling")
    (g_pool,) = torch.autograd.grad(F.max_pool2d(x, 2).sum(), x)
    w2 = torch.randn(3, 1, 2, 2, generator=gen, dtype=dt).to(dev)
    (g_conv,) = torch.autograd.grad(F.conv2d(x, w2, stride=2, groups=3).sum(), x)
    p.close("max_pool2d(2): share of inputs with a non-zero gradient", float((g_pool != 0).double().mean()), 0.25,
            rtol=0, id="maxpool_grad_share")
    p.close("2×2 stride-2 (depthwise) convolution: share of inputs with a non-zero gradient",
            float((g_conv != 0).double().mean()), 1.0, rtol=0, id="strided_conv_grad_share")
