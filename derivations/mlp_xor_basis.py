"""XOR is not linearly separable; one hidden layer fixes it — and the output bias matters.

Symbolic: for any affine score a(x) = w0 + w1·x1 + w2·x2 the four XOR corners obey
a(0,1) + a(1,0) = a(0,0) + a(1,1), so the two positives cannot both score above zero
while the two negatives both score below it. Then a widely quoted hidden layer
φ(x) = (σ(5 + x1 + x2), σ(5 − x1 − x2)): it depends on x only through s = x1 + x2, it
maps the corners to three points that are not collinear (so w0 + w·φ separates them),
but the ratio φ2/φ1 is strictly decreasing in s, so *without* an output bias no
w1·φ1 + w2·φ2 can separate them — and the often-copied matrix form σ1([w0 w1]·φ) has none.

Numeric: those weights in an nn.Linear against σ computed with math.exp; a
brute-force search over output directions (with and without a bias) against the
geometric closed form of the margin; and an exact ReLU solution built from nn modules.
"""

TITLE = {
    "en": "XOR needs a hidden layer (and the features σ(5 ± (x1 + x2)) need an output bias)",
    "zh": "XOR 需要隐层（特征 σ(5 ± (x1 + x2)) 还需要输出偏置）",
}
CLAIMS = [
    {
        "en": "No affine function of (x1, x2) separates XOR: a(0,1) + a(1,0) = a(0,0) + a(1,1) for every w.",
        "zh": "没有 (x1, x2) 的仿射函数能分开 XOR：对任意 w 都有 a(0,1) + a(1,0) = a(0,0) + a(1,1)。",
    },
    {
        "en": "With the features φ = (σ(5 + x1 + x2), σ(5 − x1 − x2)) and an output bias, XOR becomes separable, "
              "but only with a margin of about 0.0013 in feature space.",
        "zh": "用特征 φ = (σ(5 + x1 + x2), σ(5 − x1 − x2)) 并带输出偏置时 XOR 可分，"
              "但特征空间中的间隔只有约 0.0013。",
    },
    {
        "en": "Without the output bias (the two-weight form σ1([w0 w1]·φ)) no weights separate XOR: φ2/φ1 is monotone in x1 + x2.",
        "zh": "去掉输出偏置（只有两个权重的形式 σ1([w0 w1]·φ)）则任何权重都分不开 XOR：φ2/φ1 关于 x1 + x2 单调。",
    },
    {
        "en": "One hidden ReLU layer solves XOR exactly: ReLU(x1 + x2) − 2·ReLU(x1 + x2 − 1).",
        "zh": "一个 ReLU 隐层即可精确表示 XOR：ReLU(x1 + x2) − 2·ReLU(x1 + x2 − 1)。",
    },
]


def derive(p):
    import sympy as sp

    w0, w1, w2 = sp.symbols("w0 w1 w2", real=True)
    x1, x2 = sp.symbols("x1 x2", real=True)
    a = sp.Lambda((x1, x2), w0 + w1 * x1 + w2 * x2)
    p.step("An affine score on the input", a(x1, x2))
    positives = a(0, 1) + a(1, 0)
    negatives = a(0, 0) + a(1, 1)
    p.step("Scores of the XOR-positive corners (0,1) and (1,0), summed", positives)
    p.step("Scores of the XOR-negative corners (0,0) and (1,1), summed", negatives)
    p.identity("the two sums are equal for every w, so '> 0 twice' and '< 0 twice' contradict",
               positives, negatives)

    sig = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    phi = sp.Matrix([sig(5 + x1 + x2), sig(5 - x1 - x2)])
    p.step("The hidden layer φ(x) = σ([[5, 1, 1], [5, −1, −1]]·(1, x1, x2))", phi)
    p.identity("φ depends on x only through s = x1 + x2, so (0,1) and (1,0) land on the same point",
               phi.subs({x1: 0, x2: 1}), phi.subs({x1: 1, x2: 0}))
    # Keep σ unevaluated for display (σ(5), σ(6), …) and substitute the real sigmoid to evaluate.
    S = sp.Function("σ")
    real = lambda e: e.replace(S, lambda t: sig(t))  # noqa: E731
    A, B, C = sp.Matrix([S(5), S(5)]), sp.Matrix([S(6), S(4)]), sp.Matrix([S(7), S(3)])
    p.identity("images of the corners: A = φ(0,0), B = φ(0,1) = φ(1,0), C = φ(1,1)",
               real(sp.Matrix.hstack(A, B, C)),
               sp.Matrix.hstack(*(phi.subs({x1: u, x2: v}) for u, v in ((0, 0), (0, 1), (1, 1)))),
               shown=sp.Eq(sp.Symbol("(A B C)"), sp.Matrix.hstack(A, B, C), evaluate=False))
    g = lambda v: w0 + w1 * v[0] + w2 * v[1]  # noqa: E731
    gap = sp.collect(sp.expand(2 * g(B) - g(A) - g(C)), [w1, w2])
    p.step("With an output bias the sum test 2·g(B) − g(A) − g(C) no longer vanishes identically", gap)
    cross = (B - A)[0] * (C - A)[1] - (B - A)[1] * (C - A)[0]
    p.step("Cross product (B − A) × (C − A)", cross)
    p.less("(sympy, 30 digits) (B − A) × (C − A): nonzero, so A, B, C are not collinear",
           sp.N(real(cross), 30), 0)

    # No output bias: sign(w1 φ1 + w2 φ2) = sign(w1 + w2 r(s)) with r = φ2/φ1 > 0 … and r is monotone.
    # Write k = e^(−5) and u = e^s (both > 0) so that r is a rational function and sympy stays fast.
    k, u = sp.symbols("k u", positive=True)
    r = (1 / (1 + k * u)) / (1 / (1 + k / u))
    p.step("Without a bias: sign(w1φ1 + w2φ2) = sign(w1 + w2·r), r = φ2/φ1, with k = e^(−5), u = e^s",
           sp.cancel(r))
    dr_ds = sp.cancel(sp.diff(r, u) * u)  # chain rule: d/ds = u·d/du
    p.step("dr/ds = u·dr/du", dr_ds)
    p.identity("dr/ds = −k(u² + 2ku + 1) / (u(ku + 1)²) < 0 for k, u > 0: r strictly decreasing",
               dr_ds, -k * (u**2 + 2 * k * u + 1) / (u * (k * u + 1) ** 2))
    p.step("So w1 + w2·r(s) is monotone in s and cannot be > 0 at s = 1 yet < 0 at s = 0 and s = 2")


def experiment(p):
    import math

    import numpy as np
    import torch

    corners = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64, device=p.device)
    labels = [0, 1, 1, 0]
    hidden = torch.nn.Linear(2, 2, dtype=torch.float64).to(p.device)
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[1.0, 1.0], [-1.0, -1.0]]))
        hidden.bias.copy_(torch.tensor([5.0, 5.0]))
        phi = torch.sigmoid(hidden(corners)).cpu().numpy()
    by_hand = np.array([[1 / (1 + math.exp(-(5 + u + v))), 1 / (1 + math.exp(-(5 - u - v)))]
                        for u, v in ((0, 0), (0, 1), (1, 0), (1, 1))])
    p.allclose("φ from nn.Linear([[1,1],[−1,−1]], b=5) + sigmoid vs math.exp", phi, by_hand, rtol=1e-15)

    # Closed form: A and C on one side, B on the other; the best line is parallel to AC,
    # halfway to B (B projects inside the segment AC), so the margin is dist(B, AC) / 2.
    A, B, C = phi[0], phi[1], phi[3]
    d = C - A
    t = float((B - A) @ d / (d @ d))
    dist = abs((B - A)[0] * d[1] - (B - A)[1] * d[0]) / math.hypot(*d)
    p.holds("B projects inside segment AC (so the margin is dist(B, AC)/2)", 0 < t < 1, f"t = {t:.3f}", "0 < t < 1")

    # Brute force over unit normals n at angle θ: the best offset gives margin (min_B − max_AC)/2.
    theta = np.linspace(0, 2 * np.pi, 200_001)
    normals = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    proj = phi @ normals.T  # 4 × angles
    y = np.array(labels, dtype=bool)
    margin = (proj[y].min(axis=0) - proj[~y].max(axis=0)) / 2
    best = float(margin.max())
    p.close("max margin with an output bias: brute force over 200 001 directions vs dist(B, AC)/2",
            best, dist / 2, rtol=1e-4, id="margin_with_bias")
    p.less("that margin in feature space (the corners themselves are 1 apart)", best, 0.002)
    p.greater("output weight norm needed for p ≥ 0.9 on all four points, log(9)/margin", math.log(9) / best, 1000,
              id="weight_norm_needed")

    # No bias: the classifier is sign(n·φ); check every direction on the grid. Against the
    # misconception (p.myth: "two output weights are enough", i.e. the bias changes nothing) the
    # same count is made with the bias folded back in: the origin moved halfway between B and AC.
    if p.myth:
        proj = (phi - (A + t * d + B) / 2) @ normals.T
    correct = ((proj[y] > 0).all(axis=0) & (proj[~y] < 0).all(axis=0)) | \
              ((proj[y] < 0).all(axis=0) & (proj[~y] > 0).all(axis=0))
    p.equal("directions (w1, w2) without a bias that classify all four corners", int(correct.sum()), 0,
            id="no_bias_directions", refutes="two output weights without a bias separate XOR on these features")

    # The exact one-hidden-layer solution with real modules.
    relu_net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    relu_net = relu_net.to(dtype=torch.float64, device=p.device)
    with torch.no_grad():
        relu_net[0].weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 1.0]]))
        relu_net[0].bias.copy_(torch.tensor([0.0, -1.0]))
        relu_net[2].weight.copy_(torch.tensor([[1.0, -2.0]]))
        relu_net[2].bias.zero_()
        out = relu_net(corners).squeeze(1).cpu()
        linear = torch.linalg.lstsq(torch.cat([torch.ones(4, 1, dtype=torch.float64), corners.cpu()], 1),
                                    torch.tensor(labels, dtype=torch.float64)).solution
        linear_fit = torch.cat([torch.ones(4, 1, dtype=torch.float64), corners.cpu()], 1) @ linear
    p.allclose("ReLU(x1+x2) − 2·ReLU(x1+x2−1) on the corners vs XOR", out, labels, atol=0)
    p.allclose("best least-squares affine fit to XOR predicts ½ everywhere", linear_fit, [0.5] * 4, atol=1e-12)
