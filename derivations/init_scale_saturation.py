"""Weight scale and activations: N(0, 1) saturates sigmoid/tanh, N(0, 0.01²) collapses them.

Symbolic: with zero-mean weights of variance s² and n inputs, Var(z) = n·s²·E[a²].
Large s: σ(z) ∉ [0.01, 0.99] exactly when |z| > ln 99, so the saturated fraction is
2Φ(−ln 99 / √(n·E[a²])). Small s: σ(z) ≈ ½ + z/4 (Taylor), so v = Var(a) obeys
v = n s²(¼ + v)/16 with fixed point v* = n s²/(4(16 − n s²)): for n = 100, s = 0.01,
std(a) ≈ 0.0125 — every unit outputs ≈ ½. For tanh ≈ z, the std shrinks by √n·s = 0.1
per layer.
Numeric: the seed note's setup — 1000 inputs N(0, 1), 5 layers of 100 units, no bias.
Per-layer activation std (plotted) and saturated fraction are measured for s = 1,
s = 0.1 (variance 0.01, which is Xavier's 1/n for n = 100) and s = 0.01, and compared
with the predictions above.
"""

TITLE = {
    "en": "Init scale: N(0,1) saturates, N(0,0.01²) collapses, 1/√n keeps activations spread",
    "zh": "初始化尺度：N(0,1) 导致饱和，N(0,0.01²) 导致塌缩，1/√n 保持激活值分布",
}
CLAIMS = [
    {
        "en": "With N(0, 1) weights and 100 inputs, about half the sigmoid outputs sit outside [0.01, 0.99] "
              "(predicted 2Φ(−ln 99/√(n·E[a²]))): saturated, with σ′ ≈ 0.",
        "zh": "权重为 N(0, 1)、100 个输入时，约一半 sigmoid 输出落在 [0.01, 0.99] 之外"
              "（预测值 2Φ(−ln 99/√(n·E[a²]))）：饱和，σ′ ≈ 0。",
    },
    {
        "en": "With N(0, 0.01²) weights every sigmoid output is ≈ ½ (std ≈ 0.0125, the fixed point "
              "n s²/(4(16 − n s²))); tanh activations shrink by 10× per layer.",
        "zh": "权重为 N(0, 0.01²) 时所有 sigmoid 输出都 ≈ ½（标准差 ≈ 0.0125，即不动点 n s²/(4(16 − n s²))）；"
              "tanh 激活每层缩小 10 倍。",
    },
    {
        "en": "Variance 0.01 (std 0.1) is not the collapsing case: for n = 100 it is exactly Xavier's 1/n, "
              "and activations stay spread (sigmoid std ≈ 0.12).",
        "zh": "方差 0.01（标准差 0.1）并不是塌缩的情形：n = 100 时它恰好就是 Xavier 的 1/n，激活值保持分散"
              "（sigmoid 标准差 ≈ 0.12）。",
    },
]


def derive(p):
    import sympy as sp

    z = sp.Symbol("z", real=True)
    sig = 1 / (1 + sp.exp(-z))
    u = sp.Symbol("u", positive=True)  # u = e^(−z)
    u_edge = sp.solve(sp.Eq(1 / (1 + u), sp.Rational(99, 100)), u)[0]
    edge = -sp.log(u_edge)
    p.step("σ(z) = 1/(1 + e^(−z)) = 0.99 ⇒ e^(−z) = 1/99, z =", edge)
    p.identity("saturation threshold |z| > ln 99", edge, sp.log(99))
    taylor = sum(sp.diff(sig, z, k).subs(z, 0) / sp.factorial(k) * z ** k for k in range(3))
    p.step("σ(z) near 0 (Taylor)", taylor)
    p.identity("σ(z) ≈ ½ + z/4 (no z² term)", taylor, sp.Rational(1, 2) + z / 4)

    n, s, v = sp.symbols("n s v", positive=True)
    # Var(z) = n·s²·E[a²] with E[a²] = ¼ + v (mean ½); Var(a) = Var(z)/16 from the slope ¼.
    fixed = sp.solve(sp.Eq(v, n * s ** 2 * (sp.Rational(1, 4) + v) / 16), v)[0]
    p.step("Fixed point of v = n s²(¼ + v)/16", fixed)
    p.identity("v* = n s² / (4(16 − n s²))", fixed, n * s ** 2 / (4 * (16 - n * s ** 2)))
    std_star = sp.sqrt(fixed.subs({n: 100, s: sp.Rational(1, 100)}))
    p.step("std(a) at n = 100, s = 0.01", sp.N(std_star, 4))
    p.step("tanh(z) ≈ z: std multiplies by √n·s per layer; n = 100, s = 0.01:",
           sp.sqrt(n * s ** 2).subs({n: 100, s: sp.Rational(1, 100)}))
    p.identity("variance 0.01 = Xavier's 1/n for n = 100", sp.Rational(1, 100), 1 / n.subs(n, 100))


def experiment(p):
    import math

    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    n, layers = 100, 5
    x0 = torch.randn(1000, n, generator=gen, dtype=dt).to(dev)
    stats = {}
    for name, act in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
        for s in (1.0, 0.1, 0.01):
            x, stds, saturated, predicted = x0, [], [], []
            for _ in range(layers):
                second_moment = (x ** 2).mean().item()
                x = act(x @ (torch.randn(n, n, generator=gen, dtype=dt).to(dev) * s))
                stds.append(x.std().item())
                sat = (x < 0.01) | (x > 0.99) if name == "sigmoid" else x.abs() > 0.99
                saturated.append(sat.double().mean().item())
                # Mean field: z ~ N(0, n s² E[a²]); P(|z| > ln 99) for sigmoid.
                predicted.append(math.erfc(math.log(99) / math.sqrt(2 * n * s * s * second_moment)))
            stats[name, s] = (stds, saturated, predicted)
    xs = list(range(1, layers + 1))
    p.plot("Activation std per layer (5 layers × 100 units, 1000 samples)",
           {f"{a}, s = {s:g}": (xs, stats[a, s][0]) for a in ("sigmoid", "tanh") for s in (1.0, 0.1, 0.01)},
           xlabel="layer", ylabel="std of activations", logy=True)

    stds, sat, pred = stats["sigmoid", 1.0]
    p.greater("sigmoid, s = 1: saturated fraction in layers 2–5 (min)", min(sat[1:]), 0.4)
    p.close("sigmoid, s = 1: saturated fraction vs 2Φ(−ln 99/√(n·E[a²])) (mean over layers 2–5)",
            sum(sat[1:]) / 4, sum(pred[1:]) / 4, atol=0.05)
    p.greater("tanh, s = 1: fraction with |a| > 0.99 (layer 5)", stats["tanh", 1.0][1][-1], 0.7)
    p.close("sigmoid, s = 0.01: std at layer 5 vs fixed point √v* = 0.0125", stats["sigmoid", 0.01][0][-1],
            math.sqrt(100 * 1e-4 / (4 * (16 - 100 * 1e-4))), rtol=0.1)
    tanh_small = stats["tanh", 0.01][0]
    p.close("tanh, s = 0.01: std ratio per layer (layers 2→5, geometric mean) vs √n·s = 0.1",
            (tanh_small[-1] / tanh_small[1]) ** (1 / 3), 0.1, rtol=0.1)
    p.greater("sigmoid, s = 0.1 (variance 0.01 = Xavier): std at layer 5", stats["sigmoid", 0.1][0][-1], 0.08)
    p.less("sigmoid, s = 0.1: saturated fraction (layer 5)", stats["sigmoid", 0.1][1][-1], 0.01, id="small_scale_sigmoid_saturation")
