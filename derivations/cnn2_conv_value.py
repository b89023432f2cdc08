"""One output value of a multi-channel convolution, written out; and why kernels are odd.

Symbolic: for input x (C_in×H×W), weight w (C_out×C_in×k×k), bias b, stride s, padding P,
    y[o, i, j] = b[o] + ∑_c ∑_u ∑_v w[o, c, u, v] · x_pad[c, s·i + u, s·j + v]
— a sum over ALL input channels (C_in·k·k products), no kernel flip (deep-learning
"convolution" is cross-correlation). Written for C_in = 2, k = 2 it is the dot product of the
flattened patch with the flattened filter (the im2col view). An odd k has a centre tap: with
P = (k − 1)/2 on both sides the output stays H×W and y[i, j] is centred on x[i, j]; an even k has
no centre, so "same" needs unequal padding and the output is offset by half a pixel.
Numeric: the written-out sum against F.conv2d (stride 2, padding 1, 3 input channels);
a centred one-hot odd kernel reproduces the input exactly; torch's padding='same' for an even
kernel equals padding (k − 1)//2 on the left/top and k//2 on the right/bottom.
"""

TITLE = {
    "en": "A multi-channel convolution output written out (vs F.conv2d); why kernels are odd",
    "zh": "多通道卷积的一个输出值逐项写出（对照 F.conv2d）；为什么卷积核是奇数",
}
CLAIMS = [
    {"en": "y[o,i,j] = b[o] + ∑_c ∑_u ∑_v w[o,c,u,v]·x_pad[c, s·i+u, s·j+v]: all input channels are summed, "
           "the kernel is not flipped.",
     "zh": "y[o,i,j] = b[o] + ∑_c ∑_u ∑_v w[o,c,u,v]·x_pad[c, s·i+u, s·j+v]：对所有输入通道求和，卷积核不翻转。"},
    {"en": "An odd kernel with padding (k − 1)/2 each side keeps the size and centres each output on an input "
           "pixel; an even kernel needs unequal padding ((k − 1)//2 before, k//2 after in torch).",
     "zh": "奇数核两侧各填充 (k − 1)/2 时尺寸不变，每个输出对准一个输入像素；偶数核需要不对称填充（torch 前 (k − 1)//2、后 k//2）。"},
]


def derive(p):
    import sympy as sp

    C, k = 2, 2
    x = [sp.Matrix(3, 3, lambda r, c, ch=ch: sp.Symbol(f"x{ch}{r}{c}")) for ch in range(C)]
    w = [sp.Matrix(k, k, lambda r, c, ch=ch: sp.Symbol(f"w{ch}{r}{c}")) for ch in range(C)]
    b = sp.Symbol("b")
    i, j = 1, 0
    y = b + sum(w[c][u, v] * x[c][i + u, j + v] for c in range(C) for u in range(k) for v in range(k))
    p.step("y[0, 1, 0] for C_in = 2, k = 2, stride 1, no padding: the sum written out", y)
    patch = sp.Matrix([x[c][i + u, j + v] for c in range(C) for u in range(k) for v in range(k)])
    filt = sp.Matrix([w[c][u, v] for c in range(C) for u in range(k) for v in range(k)])
    p.identity("= b + (flattened filter)·(flattened patch): the im2col view", y, b + (filt.T * patch)[0])
    p.step("number of products in one output: C_in·k·k", sp.Integer(C * k * k))

    kk = sp.Symbol("k", positive=True, integer=True)
    H = sp.Symbol("H", positive=True, integer=True)
    P = (kk - 1) / 2
    p.identity("stride 1, P = (k − 1)/2 each side: out = H + 2P − k + 1 = H", H + 2 * P - kk + 1, H)
    p.step("P = (k − 1)/2 is a whole number only for odd k: k = 3, 4, 5 →", sp.Matrix([P.subs(kk, v) for v in (3, 4, 5)]))


def experiment(p):
    import warnings

    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N, C_in, C_out, H, W, k, s, P = 2, 3, 4, 7, 6, 3, 2, 1
    x = torch.randn(N, C_in, H, W, generator=gen, dtype=dt).to(dev)
    w = torch.randn(C_out, C_in, k, k, generator=gen, dtype=dt).to(dev)
    b = torch.randn(C_out, generator=gen, dtype=dt).to(dev)
    y = F.conv2d(x, w, b, stride=s, padding=P)

    xp = F.pad(x, (P, P, P, P))
    taps = w.flip(-1, -2) if p.myth else w  # the myth: the textbook convolution, kernel flipped
    hand = torch.empty_like(y)
    for n in range(N):
        for o in range(C_out):
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    hand[n, o, i, j] = b[o] + sum(
                        taps[o, c, u, v] * xp[n, c, s * i + u, s * j + v]
                        for c in range(C_in) for u in range(k) for v in range(k))
    p.allclose("F.conv2d vs the written-out sum (stride 2, padding 1, C_in = 3)", y, hand, rtol=1e-12, atol=1e-12,
               id="written_out_matches", refutes="a CNN layer flips the kernel (true convolution)")
    one = x[:, :1]
    p.greater("F.conv2d vs the sum with the kernel flipped, max |Δ|",
              (y - F.conv2d(x, w.flip(-1, -2), b, stride=s, padding=P)).abs().max(), 1e-3, id="flipped_differs")
    p.greater("dropping channels 1, 2 from the sum changes the output, max |Δ|",
              (y - F.conv2d(one, w[:, :1], b, stride=s, padding=P)).abs().max(), 1e-3, id="all_channels_summed")

    # odd kernels: a centred one-hot with symmetric padding (k − 1)/2 is the identity
    cases = []
    for kk in (1, 3, 5, 7):
        delta = torch.zeros(1, 1, kk, kk, dtype=dt, device=dev)
        delta[0, 0, kk // 2, kk // 2] = 1
        cases.append((f"k = {kk}", (F.conv2d(one, delta, padding=(kk - 1) // 2) - one).abs().max()))
    p.sweep("odd k, centred one-hot, padding (k − 1)/2: max |output − input|", cases, "<", 1e-15,
            id="odd_centre_identity")
    # even kernels: no centre tap; torch's 'same' pads (k − 1)//2 before and k//2 after
    cases = []
    for kk in (2, 4, 6):
        wk = torch.randn(1, 1, kk, kk, generator=gen, dtype=dt).to(dev)
        with warnings.catch_warnings():  # torch notes that even 'same' needs a padded copy: that is the point
            warnings.simplefilter("ignore", UserWarning)
            same = F.conv2d(one, wk, padding="same")
        manual = F.conv2d(F.pad(one, ((kk - 1) // 2, kk // 2, (kk - 1) // 2, kk // 2)), wk)
        cases.append((f"k = {kk}", (same - manual).abs().max()))
    p.sweep("even k: padding='same' vs pad ((k − 1)//2 before, k//2 after), max |Δ|", cases, "<", 1e-12,
            id="even_same_is_asymmetric")
    # the half-pixel offset accumulates: centroid of an impulse's response through L 'same' layers
    # (positive box kernels) moves by −L/2 rows for an even k, by 0 for an odd k
    def centroid_shift(kk, layers, side=31):
        z = torch.zeros(1, 1, side, side, dtype=dt, device=dev)
        z[0, 0, side // 2, side // 2] = 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for _ in range(layers):
                z = F.conv2d(z, torch.ones(1, 1, kk, kk, dtype=dt, device=dev), padding="same")
        rows = torch.arange(side, dtype=dt, device=dev)
        return float((z[0, 0].sum(1) * rows).sum() / z.sum()) - side // 2

    p.sweep("even k, L 'same' layers: |centroid shift of an impulse + L/2| (k = 2, 4; L = 1 … 4)",
            [(f"k = {kk}, L = {L}", abs(centroid_shift(kk, L) + L / 2)) for kk in (2, 4) for L in (1, 2, 3, 4)],
            "<", 1e-9, id="even_same_shift_accumulates")
    p.sweep("odd k, L 'same' layers: |centroid shift of an impulse| (k = 3, 5; L = 1 … 4)",
            [(f"k = {kk}, L = {L}", abs(centroid_shift(kk, L))) for kk in (3, 5) for L in (1, 2, 3, 4)],
            "<", 1e-9, id="odd_same_no_shift")
    wk = torch.randn(1, 1, 4, 4, generator=gen, dtype=dt).to(dev)
    sym = F.conv2d(one, wk, padding=2)
    p.equal("even k = 4 with equal padding 2 each side: output side (H = 7)", sym.shape[2], H + 1,
            id="even_symmetric_grows")
