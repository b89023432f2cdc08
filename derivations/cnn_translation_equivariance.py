"""Weight sharing makes convolution translation-equivariant: conv(shift x) = shift(conv x).

Symbolic: a 1-D circular cross-correlation of symbolic x₀…x₅ with weights w₀…w₂; shifting
the input by one shifts the output by one, term by term; with zero padding the identity
fails exactly at the border; with stride 2 a one-step shift is not any shift of the
output. Numeric: nn.Conv2d with circular padding and torch.roll (exact), zero padding
(exact away from borders only), stride 2 (equivariant to even shifts only), and the
Jacobian of a conv layer, whose 4,096 entries take only the 9 kernel values.
"""

TITLE = {
    "en": "Weight sharing and translation equivariance of convolution",
    "zh": "权重共享与卷积的平移等变性",
}
CLAIMS = [
    {
        "en": "With circular padding and stride 1, conv(shift(x)) = shift(conv(x)) exactly; with zero "
              "padding it holds away from the borders only.",
        "zh": "循环填充、步长 1 时 conv(shift(x)) = shift(conv(x)) 严格成立；零填充时只在远离边界处成立。",
    },
    {
        "en": "Stride breaks it: with stride 2 only even shifts of the input give shifted outputs.",
        "zh": "步长会破坏等变性：步长 2 时只有偶数步的输入平移才对应输出的平移。",
    },
    {
        "en": "Weight sharing: as a matrix, a 3×3 conv with padding 1 on an 8×8 image is 64×64 with only 9 distinct "
              "non-zero values (the kernel), against 4,096 free weights for a dense layer.",
        "zh": "权重共享：8×8 图像上填充 1 的 3×3 卷积写成矩阵是 64×64，但只有 9 个不同的非零值（即卷积核），"
              "而全连接层有 4,096 个自由权重。",
    },
]


def derive(p):
    import sympy as sp

    N = 6
    x = sp.symbols(f"x0:{N}")
    w = sp.symbols("w0:3")

    def conv_circular(v):
        return sp.Matrix([sum(w[k] * v[(i + k) % N] for k in range(3)) for i in range(N)])

    def shift(v, s=1):
        return [v[(i - s) % len(v)] for i in range(len(v))]

    y = conv_circular(x)
    p.step("Circular cross-correlation y_i = ∑_k w_k x_{(i+k) mod 6}", y.T)
    p.identity("conv(shift(x)) = shift(conv(x)), entry by entry",
               conv_circular(shift(x)), sp.Matrix(shift(list(y))))

    def conv_zero(v):  # zero padding 1 on each side, output length 6
        padded = [0, *v, 0]
        return sp.Matrix([sum(w[k] * padded[i + k] for k in range(3)) for i in range(N)])

    gap = conv_zero(shift(x)) - sp.Matrix(shift(list(conv_zero(x))))
    p.step("Zero padding: conv(shift x) − shift(conv x) is non-zero next to the borders only", gap.T)
    p.identity("entries 2…4, a kernel radius away from the borders, agree", gap[2:N - 1, 0],
               sp.zeros(N - 3, 1))

    def conv_stride2(v):
        return sp.Matrix([sum(w[k] * v[(2 * i + k) % N] for k in range(3)) for i in range(N // 2)])

    y2 = conv_stride2(x)
    p.step("Stride 2, circular: y = ", y2.T)
    p.identity("shifting x by 2 shifts y by 1", conv_stride2(shift(x, 2)), sp.Matrix(shift(list(y2), 1)))
    one = conv_stride2(shift(x, 1))
    p.step("Shifting x by 1 gives outputs that read the odd positions — no shift of y", one.T)
    p.holds("(sympy) no circular shift of y equals conv(shift₁ x)",
            all(sp.expand(one - sp.Matrix(shift(list(y2), s))) != sp.zeros(3, 1) for s in range(3)),
            "no shift matches", "no shift matches")


def experiment(p):
    import torch

    dev = {"dtype": torch.float64, "device": p.device}
    gen = torch.Generator().manual_seed(p.seed)
    x = torch.randn(2, 3, 16, 16, generator=gen, dtype=torch.float64).to(p.device)
    shift = (3, -5)

    def roll(t, s=shift):
        return torch.roll(t, shifts=s, dims=(2, 3))

    with torch.no_grad():
        circ = torch.nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular", **dev)
        p.allclose("circular padding: conv(roll x) vs roll(conv x)", circ(roll(x)), roll(circ(x)),
                   rtol=1e-12, atol=1e-12)

        zero = torch.nn.Conv2d(3, 4, 3, padding=1, **dev)
        diff = (zero(roll(x)) - roll(zero(x))).abs()
        # After the roll, rows 3..15 and columns 0..10 of the output came from interior pixels
        # on both sides; stay one more pixel away from any border the roll created.
        interior = diff[:, :, 4:15, 1:10]
        p.less("zero padding, away from the borders: max |conv(roll x) − roll(conv x)|",
               interior.max(), 1e-12)
        p.greater("zero padding, at the borders: max |conv(roll x) − roll(conv x)|", diff.max(), 1e-2)

        strided = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode="circular", **dev)
        base = strided(x)
        p.allclose("stride 2, input shifted by (2, 2): output shifted by (1, 1)",
                   strided(roll(x, (2, 2))), roll(base, (1, 1)), rtol=1e-12, atol=1e-12)
        # p.myth: "a CNN layer is equivariant to every shift" — as if the stride were not there
        layer = circ if p.myth else strided
        base = layer(x)
        odd = layer(roll(x, (1, 0)))
        best = min(float((odd - roll(base, (a, b))).abs().max()) for a in range(8) for b in range(8))
        p.greater("stride 2, input shifted by (1, 0): min over all output shifts of max |Δ|", best, 1e-2,
                  id="stride_breaks_equivariance", refutes="a strided convolution is equivariant to every shift")

    # Weight sharing: the conv's Jacobian (as a 64×64 matrix) only repeats the 9 kernel values.
    conv = torch.nn.Conv2d(1, 1, 3, padding=1, bias=False, **dev)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(1, 1, 3, 3, generator=gen, dtype=torch.float64))
    J = torch.autograd.functional.jacobian(lambda v: conv(v.view(1, 1, 8, 8)).flatten(),
                                           torch.zeros(64, **dev))
    values = sorted({round(v, 12) for v in J[J != 0].tolist()})
    kernel = sorted(round(v, 12) for v in conv.weight.flatten().tolist())
    p.equal("distinct non-zero entries of the 64×64 Jacobian = the 9 kernel values", values, kernel)
    p.equal("non-zero entries (each kernel value reused ≈ 64 times, fewer at borders)",
            int((J != 0).sum()), 9 * 64 - 4 * 8 * 3 + 4)
    p.equal("free parameters: conv (no bias) vs a dense 64→64 layer (no bias)",
            [sum(t.numel() for t in conv.parameters()), 64 * 64], [9, 4096])
