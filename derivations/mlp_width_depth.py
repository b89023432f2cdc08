"""Width vs depth: one wide hidden layer can approximate, but depth buys pieces exponentially.

Symbolic: the tent map t(x) = 2·ReLU(x) − 4·ReLU(x − ½) is 2x on [0, ½] and 2 − 2x on
[½, 1]; composing it L times (a ReLU net of width 2 and depth L) gives a sawtooth whose
value alternates 0, 1, 0, 1 … at the points k/2^L — 2^L linear pieces. A one-hidden-layer
ReLU net on a scalar input, c + Σᵢ aᵢ·ReLU(wᵢx + bᵢ), can only bend at the n points −bᵢ/wᵢ,
so it has at most n + 1 pieces and needs n ≥ 2^L − 1 units for the same function.

Numeric: count the linear pieces of the depth-L net (built from nn.Linear and nn.ReLU)
and of random shallow nets on a fine dyadic grid; then fit a smooth target with one
hidden layer of growing width (random hidden weights, least-squares output layer; median
of 5 draws per width) and watch the worst-case error fall — the universal-approximation picture.
"""

TITLE = {
    "en": "Width vs depth: sawtooth pieces and one-hidden-layer approximation",
    "zh": "宽度与深度：锯齿函数的分段数与单隐层逼近",
}
CLAIMS = [
    {
        "en": "A width-2, depth-L ReLU net (the tent map composed L times) has 2^L linear pieces.",
        "zh": "宽 2、深 L 的 ReLU 网络（帐篷映射复合 L 次）有 2^L 个线性段。",
    },
    {
        "en": "A one-hidden-layer ReLU net with n units on a scalar input has at most n + 1 linear pieces.",
        "zh": "标量输入、n 个隐单元的单隐层 ReLU 网络至多有 n + 1 个线性段。",
    },
    {
        "en": "With enough hidden units one layer approximates a continuous function on an interval: "
              "the worst-case error (median of 5 random-feature draws) falls from width 2 to 8 to 32, and at width 128 "
              "it is more than 10× below width 2's.",
        "zh": "隐单元足够多时，单隐层即可逼近区间上的连续函数：最大误差（5 次随机特征抽取的中位数）从宽度 2 到 8 到 32 "
              "依次下降，宽度 128 时比宽度 2 小 10 倍以上。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x", real=True)
    relu = lambda z: sp.Max(0, z)  # noqa: E731
    half = sp.Rational(1, 2)
    tent = lambda z: 2 * relu(z) - 4 * relu(z - half)  # noqa: E731
    p.step("Tent map from two ReLU units", tent(x))
    # A point strictly inside (0, ½) is τ/2 and one inside (½, 1) is ½ + τ/2, with τ = 1/(1 + v) ∈ (0, 1).
    v = sp.symbols("v", positive=True)
    tau = 1 / (1 + v)
    p.identity("on (0, ½): t(x) = 2x", tent(tau / 2), 2 * (tau / 2))
    p.identity("on (½, 1): t(x) = 2 − 2x", tent(half + tau / 2), 2 - 2 * (half + tau / 2))
    p.step("|t′| = 2 on both pieces, so by the chain rule |(t∘…∘t)′| = 2^L wherever it is defined")

    L = 3
    knots = [sp.Rational(k, 2**L) for k in range(2**L + 1)]
    values = []
    for k in knots:
        y = k
        for _ in range(L):
            y = tent(y)
        values.append(y)
    p.step(f"t^{L} at the points k/2^{L}, k = 0 … {2**L} (exact rationals)", sp.Matrix([values]))
    slopes = [(values[i + 1] - values[i]) / (knots[i + 1] - knots[i]) for i in range(2**L)]
    p.identity(f"slopes between neighbours are ±2^{L}: {2**L} pieces, each rising or falling over [0, 1]",
               sp.Matrix([abs(s) for s in slopes]), sp.Matrix([2**L] * 2**L))

    a, w, b = sp.symbols("a w b", real=True)
    unit = a * relu(w * x + b)
    p.step("One hidden unit; its only kink is where wx + b = 0", unit)
    p.identity("the kink sits at x = −b/w, so n units give at most n kinks, n + 1 pieces",
               sp.solve(sp.Eq(w * x + b, 0), x)[0], -b / w)


def _pieces(xs, ys):
    """Linear pieces of a piecewise-linear sampled function: kinks are runs of slope changes."""
    import numpy as np

    slope = np.diff(ys) / np.diff(xs)
    change = np.abs(np.diff(slope)) > 1e-6 * (1 + np.abs(slope[:-1]))
    # A kink between grid points shows up as two neighbouring changes; count runs, not changes.
    starts = change & ~np.concatenate([[False], change[:-1]])
    return int(starts.sum()) + 1


def experiment(p):
    import numpy as np
    import torch

    # Dyadic grid: the sawtooth's kinks k/2^L lie exactly on it and float64 evaluates it exactly.
    xs = torch.linspace(0, 1, 2**12 + 1, dtype=torch.float64, device=p.device).unsqueeze(1)
    tent = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    tent = tent.to(dtype=torch.float64, device=p.device)
    with torch.no_grad():
        tent[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
        tent[0].bias.copy_(torch.tensor([0.0, -0.5]))
        tent[2].weight.copy_(torch.tensor([[2.0, -4.0]]))
        tent[2].bias.zero_()
    depths, deep_pieces = list(range(1, 9)), []
    with torch.no_grad():
        for L in depths:
            ys = torch.nn.Sequential(*[tent] * L)(xs).squeeze(1).cpu().numpy()
            deep_pieces.append(_pieces(xs.squeeze(1).cpu().numpy(), ys))
    p.equal("pieces of the depth-L width-2 ReLU net, L = 1…8", deep_pieces, [2**L for L in depths])

    g = torch.Generator().manual_seed(p.seed)
    grid = torch.linspace(-3, 3, 6001, dtype=torch.float64).unsqueeze(1)
    worst = 0
    for n in (4, 16, 64):
        for _ in range(5):
            shallow = torch.nn.Sequential(torch.nn.Linear(1, n), torch.nn.ReLU(), torch.nn.Linear(n, 1))
            shallow = shallow.to(torch.float64)
            with torch.no_grad():
                for param in shallow.parameters():
                    param.copy_(torch.randn(param.shape, generator=g, dtype=torch.float64))
                ys = shallow(grid).squeeze(1).numpy()
            worst = max(worst, _pieces(grid.squeeze(1).numpy(), ys) - (n + 1))
    p.less("max over 15 random shallow nets (n = 4, 16, 64) of pieces − (n + 1)", worst, 1)

    # Universal approximation, one hidden layer: random ReLU features, least-squares output layer.
    target = lambda t: np.sin(3 * t) + 0.5 * np.abs(t) - 0.3 * t**2  # noqa: E731
    rng = np.random.default_rng(p.seed)
    train = np.linspace(-1, 1, 400)
    test = np.linspace(-1, 1, 2001)
    widths, errors = [2, 8, 32, 128], []
    # One draw of random features is a lottery (over 40 seeds a single draw's error rose from one width to the
    # next in 7): each width's error is the median over 5 draws.
    for n in widths:
        draws = []
        for _ in range(5):
            w = rng.normal(size=n)
            b = rng.uniform(-1, 1, size=n) * np.abs(w)  # kinks −b/w spread over [−1, 1]

            def features(t, w=w, b=b):
                return np.column_stack([np.ones_like(t), np.maximum(0, np.outer(t, w) + b)])

            # torch's solver, not numpy's: it honours torch's thread count on a shared CPU.
            coef = torch.linalg.lstsq(torch.from_numpy(features(train)),
                                      torch.from_numpy(target(train)).unsqueeze(1), driver="gelsd").solution
            draws.append(float(np.max(np.abs(features(test) @ coef.squeeze(1).numpy() - target(test)))))
        errors.append(float(np.median(draws)))
    p.less("worst-case error (median of 5 draws), width 128 vs width 2 (÷ 10)", errors[-1], errors[0] / 10)
    p.holds("worst-case error (median of 5 draws) falls at each step 2 → 8 → 32",
            all(e2 < e1 for e1, e2 in zip(errors[:3], errors[1:3])), " > ".join(f"{e:.2g}" for e in errors[:3]))
    p.plot("One hidden layer: worst-case error against width",
           {"max |f − net|": (widths, errors)}, xlabel="hidden units", ylabel="max error", logy=True)
    p.plot("Pieces against depth (width 2) vs a single layer with the same units",
           {"deep, 2 units/layer": (depths, deep_pieces),
            "shallow bound n + 1, n = 2L": (depths, [2 * L + 1 for L in depths])},
           xlabel="depth L", ylabel="linear pieces", logy=True)
