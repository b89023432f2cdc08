"""The backward pass of a convolution: the weight gradient is a correlation of the input with the
output gradient; the input gradient is a transposed convolution (full correlation with the kernel
rotated by 180°).

Symbolic (1-D, stride 1, no padding): y_i = ∑_u w_u x_{i+u}. Differentiating L = ∑_i δ_i y_i gives
∂L/∂w_u = ∑_i δ_i x_{i+u} — x correlated with δ — and ∂L/∂x_j = ∑_u δ_{j−u} w_u — δ zero-padded by
k − 1 and correlated with the flipped kernel w_{k−1−u}. Numeric (2-D, several channels, stride 1
and 2): autograd against ∂L/∂W = F.conv2d of the input with δ (batch and channels swapped, the
stride becoming a dilation) and ∂L/∂x = F.conv_transpose2d(δ, W, stride, output_padding =
(H − k) mod stride), stride 2 at an odd and an even side; for stride 1, the same
as F.conv2d of δ padded by k − 1 with the rotated, channel-transposed kernel.
"""

TITLE = {
    "en": "Convolution backward: ∂L/∂W correlates x with δ, ∂L/∂x is a transposed convolution",
    "zh": "卷积的反向传播：∂L/∂W 是 x 与 δ 的互相关，∂L/∂x 是转置卷积",
}
CLAIMS = [
    {"en": "∂L/∂w_u = ∑_i δ_i x_{i+u}: the weight gradient is the input correlated with the output gradient "
           "(summed over the batch).",
     "zh": "∂L/∂w_u = ∑_i δ_i x_{i+u}：权重梯度是输入与输出梯度的互相关（对 batch 求和）。"},
    {"en": "∂L/∂x = conv_transpose(δ, W): for stride 1, δ padded by k − 1 correlated with the kernel rotated "
           "by 180° and its in/out channels swapped.",
     "zh": "∂L/∂x = conv_transpose(δ, W)：步长 1 时，即把 δ 填充 k − 1 后与旋转 180°、交换输入/输出通道的卷积核做互相关。"},
]


def derive(p):
    import sympy as sp

    n, k = 6, 3
    x = sp.symbols(f"x0:{n}")
    w = sp.symbols(f"w0:{k}")
    m = n - k + 1
    d = sp.symbols(f"d0:{m}")  # δ_i = ∂L/∂y_i
    y = [sum(w[u] * x[i + u] for u in range(k)) for i in range(m)]
    L = sum(d[i] * y[i] for i in range(m))
    p.step(f"n = {n}, k = {k}: y_i = ∑_u w_u x_(i+u); L = ∑_i δ_i y_i", L)
    grad_w = sp.Matrix([sp.diff(L, wu) for wu in w])
    corr = sp.Matrix([sum(d[i] * x[i + u] for i in range(m)) for u in range(k)])
    p.identity("∂L/∂w_u = ∑_i δ_i x_(i+u): x correlated with δ", grad_w, corr)
    grad_x = sp.Matrix([sp.diff(L, xj) for xj in x])
    dpad = [0] * (k - 1) + list(d) + [0] * (k - 1)
    wflip = w[::-1]
    full = sp.Matrix([sum(dpad[j + u] * wflip[u] for u in range(k)) for j in range(n)])
    p.identity("∂L/∂x_j = ∑_u δ_(j−u) w_u = (δ padded by k − 1) ⋆ (w flipped)", grad_x, full)
    unflipped = sp.Matrix([sum(dpad[j + u] * w[u] for u in range(k)) for j in range(n)])
    p.step("with the kernel NOT flipped the result differs by", sp.simplify(grad_x - unflipped).T)


def experiment(p):
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N, C_in, C_out, H, k = 3, 2, 4, 9, 3
    x = torch.randn(N, C_in, H, H, generator=gen, dtype=dt).to(dev).requires_grad_(True)
    w = torch.randn(C_out, C_in, k, k, generator=gen, dtype=dt).to(dev).requires_grad_(True)

    def input_grad_stride1(delta, weight):
        """δ padded by k − 1 correlated with the kernel rotated by 180° and in/out swapped, or (p.myth)
        the same with the kernel not rotated."""
        kernel = weight.transpose(0, 1) if p.myth else weight.flip(-1, -2).transpose(0, 1)
        return F.conv2d(delta, kernel, padding=k - 1)

    gaps = {}
    for s in (1, 2):
        y = F.conv2d(x, w, stride=s)
        delta = torch.randn(y.shape, generator=gen, dtype=dt).to(dev)
        gx, gw = torch.autograd.grad(y, (x, w), delta)
        # weight gradient: correlate x with δ; batch plays the role of channels, stride becomes dilation
        corr = F.conv2d(x.detach().transpose(0, 1), delta.transpose(0, 1), dilation=s).transpose(0, 1)
        tr = F.conv_transpose2d(delta, w.detach(), stride=s, output_padding=(H - k) % s)
        gaps[s] = ((gw - corr[..., :k, :k]).abs().max(), (gx - tr).abs().max())
        if s == 1:
            p.allclose("stride 1: autograd ∂L/∂x vs (δ padded by k − 1) ⋆ (W rotated 180°, in/out swapped)",
                       gx, input_grad_stride1(delta, w.detach()), rtol=1e-10, atol=1e-12, id="input_grad_flipped",
                       refutes="the input gradient correlates δ with the same, unrotated kernel")
            p.greater("…with the kernel not rotated, max |Δ|",
                      (gx - F.conv2d(delta, w.detach().transpose(0, 1), padding=k - 1)).abs().max(), 1e-3,
                      id="unrotated_differs")
    # with forward padding P the same holds with δ padded by k − 1 − P (the P border rows were padding)
    cases = []
    for pad in (1, 2):
        y = F.conv2d(x, w, padding=pad)
        delta = torch.randn(y.shape, generator=gen, dtype=dt).to(dev)
        (gx,) = torch.autograd.grad(y, x, delta)
        rot = w.detach().flip(-1, -2).transpose(0, 1)
        cases.append((f"P = {pad}", (gx - F.conv2d(delta, rot, padding=k - 1 - pad)).abs().max()))
    p.sweep("stride 1, forward padding P: max |autograd ∂L/∂x − (δ padded by k − 1 − P) ⋆ (W rotated 180°)|",
            cases, "<", 1e-10, id="input_grad_flipped_padded")
    p.less("stride 1: max |autograd ∂L/∂W − x ⋆ δ (summed over the batch)|", gaps[1][0], 1e-10,
           id="weight_grad_correlation_s1")
    p.less("stride 1: max |autograd ∂L/∂x − conv_transpose2d(δ, W)|", gaps[1][1], 1e-10,
           id="input_grad_transposed_s1")

    # stride 2 at an odd and an even input side: when (H − k) is not a multiple of s the last rows and
    # columns of x are never read, and conv_transpose2d needs output_padding = (H − k) mod s to return them
    cases_w, cases_x, short = [], [], None
    for side in (H, H + 1):
        xs = torch.randn(N, C_in, side, side, generator=gen, dtype=dt).to(dev).requires_grad_(True)
        y = F.conv2d(xs, w, stride=2)
        delta = torch.randn(y.shape, generator=gen, dtype=dt).to(dev)
        gx, gw = torch.autograd.grad(y, (xs, w), delta)
        corr = F.conv2d(xs.detach().transpose(0, 1), delta.transpose(0, 1), dilation=2).transpose(0, 1)
        tr = F.conv_transpose2d(delta, w.detach(), stride=2, output_padding=(side - k) % 2)
        cases_w.append((f"H = {side}", (gw - corr[..., :k, :k]).abs().max()))
        cases_x.append((f"H = {side}, output_padding {(side - k) % 2}", (gx - tr).abs().max()))
        if (side - k) % 2:
            short = F.conv_transpose2d(delta, w.detach(), stride=2).shape[-1]
    p.sweep("stride 2: max |autograd ∂L/∂W − x ⋆ δ with δ dilated by 2| over H", cases_w, "<", 1e-10,
            id="weight_grad_correlation_s2")
    p.sweep("stride 2: max |autograd ∂L/∂x − conv_transpose2d(δ, W, stride 2, output_padding)| over H", cases_x,
            "<", 1e-10, id="input_grad_transposed_s2")
    p.equal(f"stride 2, H = {H + 1}: side of conv_transpose2d(δ, W, stride 2) without output_padding", short, H,
            id="s2_needs_output_padding")
