"""He/Kaiming initialisation for ReLU: Var(w) = 2/n_in, the ½ coming from E[relu(z)²] = Var(z)/2.

Symbolic: for z ~ N(0, s²), sympy integrates E[relu(z)²] = ∫₀^∞ z²φ(z) dz = s²/2 (and
E[relu(z)] = s/√(2π) ≠ 0, so the second moment, not the variance, is what enters
Var(w·a) = Var(w)·E[a²] for zero-mean w). Then Var(z_{l+1}) = n_in·Var(w)·Var(z_l)/2:
it stays constant for Var(w) = 2/n_in and halves every layer for Xavier's 1/n_in.
Leaky ReLU with slope a gives E = (1 + a²)s²/2, hence PyTorch's gain √(2/(1 + a²)).
Numeric: the std of the pre-activations through a 30-layer ReLU MLP (plotted): of the same
order with torch.nn.init.kaiming_normal_ (over 8 seeds at width 128 the std at layer 30 is
within a small factor of layer 1's: the variance is kept in expectation, one net drifts),
shrinking by 1/√2 per layer with xavier_normal_.
Monte Carlo of kaiming_normal_ / kaiming_uniform_ variances (fan_in and fan_out modes)
with standard errors, and torch.nn.init.calculate_gain against the formula.
"""

TITLE = {
    "en": "He/Kaiming init: Var(w) = 2/n_in because E[relu(z)²] = Var(z)/2",
    "zh": "He/Kaiming 初始化：Var(w) = 2/n_in，因为 E[relu(z)²] = Var(z)/2",
}
CLAIMS = [
    {
        "en": "For z ~ N(0, s²): E[relu(z)²] = s²/2, so Var(z_{l+1}) = n_in·Var(w)·Var(z_l)/2 and "
              "Var(w) = 2/n_in keeps the pre-activation variance constant through depth.",
        "zh": "对 z ~ N(0, s²)：E[relu(z)²] = s²/2，因此 Var(z_{l+1}) = n_in·Var(w)·Var(z_l)/2，"
              "Var(w) = 2/n_in 使预激活方差随深度保持不变。",
    },
    {
        "en": "With Xavier's 1/n_in in a ReLU net the variance halves every layer (std × 1/√2): after 30 "
              "layers it is 2⁻³⁰ of the input's.",
        "zh": "ReLU 网络若用 Xavier 的 1/n_in，方差每层减半（标准差乘 1/√2）：30 层后只剩输入的 2⁻³⁰。",
    },
    {
        "en": "kaiming_normal_(mode='fan_in', nonlinearity='relu') has Var = 2/fan_in ('fan_out': 2/fan_out); "
              "kaiming_uniform_ uses the bound √(6/fan_in); leaky ReLU's gain is √(2/(1 + a²)).",
        "zh": "kaiming_normal_(mode='fan_in', nonlinearity='relu') 的方差为 2/fan_in（'fan_out' 时为 2/fan_out）；"
              "kaiming_uniform_ 的边界为 √(6/fan_in)；leaky ReLU 的增益为 √(2/(1 + a²))。",
    },
]


def derive(p):
    import sympy as sp

    z = sp.Symbol("z", real=True)
    s = sp.Symbol("s", positive=True)
    phi = sp.exp(-z ** 2 / (2 * s ** 2)) / (sp.sqrt(2 * sp.pi) * s)
    second = sp.integrate(z ** 2 * phi, (z, 0, sp.oo))  # relu(z) = 0 for z < 0
    p.step("E[relu(z)²] = ∫₀^∞ z²·φ(z) dz, z ~ N(0, s²)", second)
    p.identity("E[relu(z)²] = s²/2 = Var(z)/2", second, s ** 2 / 2)
    mean = sp.integrate(z * phi, (z, 0, sp.oo))
    p.step("E[relu(z)] (not zero: ReLU outputs are not centred)", mean)
    p.identity("E[relu(z)] = s/√(2π)", mean, s / sp.sqrt(2 * sp.pi))

    n, vw, v = sp.symbols("n_in v_w v", positive=True)
    step_var = _variance_factor(sp, n, vw) * v  # Var(w·a) = v_w·E[a²] for zero-mean w, summed over n_in inputs
    p.step("Var(z_{l+1}) = n_in·v_w·E[a_l²] = n_in·v_w·Var(z_l)/2", step_var)
    he = sp.solve(sp.Eq(step_var, v), vw)[0]
    p.identity("keep the variance: v_w = 2/n_in", he, 2 / n)
    L = sp.Symbol("L", positive=True, integer=True)
    p.identity("with Xavier's v_w = 1/n_in: Var(z_L) = Var(z_0)·2^(−L)",
               (step_var.subs(vw, 1 / n) / v) ** L, sp.Rational(1, 2) ** L)

    a = sp.Symbol("a", positive=True)
    leaky = sp.integrate(z ** 2 * phi, (z, 0, sp.oo)) + sp.integrate((a * z) ** 2 * phi, (z, -sp.oo, 0))
    p.identity("leaky ReLU (slope a): E[f(z)²] = (1 + a²)s²/2", leaky, (1 + a ** 2) * s ** 2 / 2)
    g = sp.Symbol("g", positive=True)
    gain = sp.solve(sp.Eq(g ** 2 * leaky / s ** 2, 1), g)[0]  # output second moment = input variance
    p.identity("gain g with g²·E[f(z)²]/s² = 1: g = √(2/(1 + a²))", gain, sp.sqrt(2 / (1 + a ** 2)))


def _variance_factor(sp, n, vw):
    """Var(z_{l+1}) / Var(z_l) for a ReLU layer: n_in·v_w·E[relu(z)²]/Var(z), the second moment integrated."""
    z = sp.Symbol("z", real=True)
    s = sp.Symbol("s", positive=True)
    phi = sp.exp(-z ** 2 / (2 * s ** 2)) / (sp.sqrt(2 * sp.pi) * s)
    return sp.simplify(n * vw * sp.integrate(z ** 2 * phi, (z, 0, sp.oo)) / s ** 2)


def _var_and_se(sample):
    dev2 = (sample - sample.mean()) ** 2
    return dev2.mean().item(), (dev2.std() / dev2.numel() ** 0.5).item()


def experiment(p):
    import math

    import torch
    from torch.nn import init

    dt, dev = torch.float64, p.device
    width, depth, batch = (128, 30, 256) if p.quick else (1024, 50, 2048)

    def cpu_init(initialise, shape):
        """torch.nn.init draws from the global generator of the tensor's device; drawing on the CPU
        (seeded) and moving the result keeps every device's draw, and so every verdict, the same."""
        return initialise(torch.empty(*shape, dtype=dt)).to(dev)

    def pre_activation_stds(initialise, seed):
        torch.manual_seed(seed)
        h = torch.randn(batch, width, generator=torch.Generator().manual_seed(seed - 1), dtype=dt).to(dev)
        stds = []
        for _ in range(depth):
            z = h @ cpu_init(initialise, (width, width)).T
            stds.append(z.std().item())
            h = torch.relu(z)
        return stds

    def kaiming(W):
        return init.kaiming_normal_(W, mode="fan_in", nonlinearity="relu")

    # One finite-width net is a random walk in log std (a seed sweep of 200 nets: |log2(std₃₀/std₁)|
    # exceeds 1 in a fifth of them, and the Xavier per-layer factor misses √½ by more than 3 % in
    # a tenth), so the rows average over 8 seeds and the sweep bounds the worst one.
    seeds = range(p.seed + 1, p.seed + 9)
    he_runs = [pre_activation_stds(kaiming, k) for k in seeds]
    xavier_runs = [pre_activation_stds(init.xavier_normal_, k) for k in seeds]  # square layer: 2/(n + n) = 1/n
    he, xavier = he_runs[0], xavier_runs[0]
    layers = list(range(1, depth + 1))
    p.plot(f"ReLU MLP ({depth} layers × {width}): std of pre-activations per layer",
           {"kaiming_normal_ (2/n_in)": (layers, he), "xavier_normal_ (1/n_in)": (layers, xavier)},
           xlabel="layer", ylabel="std(z_l)", logy=True)
    he_log2 = [math.log2(r[-1] / r[0]) for r in he_runs]
    p.close(f"He: log2(std at layer {depth} / layer 1), mean over 8 seeds ≈ 0", sum(he_log2) / len(he_log2), 0.0,
            atol=1.0, id="he_mean_log2_ratio")
    per_layer = math.exp(sum(math.log(r[-1] / r[0]) for r in xavier_runs) / len(xavier_runs) / (depth - 1))
    # The derived variance factor per layer n_in·v_w/2 at Xavier's v_w = 1/n_in; the std factor is its root.
    import sympy as sp

    n, vw = sp.symbols("n_in v_w", positive=True)
    factor = float(sp.sqrt(_variance_factor(sp, n, vw).subs(vw, 1 / n)))
    p.close("Xavier in a ReLU net: std factor per layer (geometric mean over 8 seeds) vs the derived "
            "√(n_in·(1/n_in)/2)", per_layer, factor, rtol=0.03, id="xavier_relu_std_factor")
    # He preserves the variance in expectation; one finite-width net drifts. Over seeds, the worst factor
    # between layer 30 and layer 1 (200 seeds: at most 2^2.1), against Xavier's 2^(−14.5).
    p.sweep(f"He: std at layer {depth} vs layer 1, as a factor max(r, 1/r), over 8 seeds",
            [(f"seed {k}", 2 ** abs(v)) for k, v in zip(seeds, he_log2)], "<=", 8.0, id="he_drift_sweep")

    fan_out, fan_in = 300, 500
    torch.manual_seed(p.seed + 20)
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        W = init.kaiming_normal_(torch.empty(fan_out, fan_in, dtype=dt), mode=mode, nonlinearity="relu").to(dev)
        var, se = _var_and_se(W)
        p.close(f"kaiming_normal_(mode='{mode}') [300, 500]: Var vs 2/{fan} (tolerance 4 SE)", var, 2 / fan,
                atol=4 * se)
    W = cpu_init(lambda t: init.kaiming_uniform_(t, nonlinearity="relu"), (fan_out, fan_in))
    var, se = _var_and_se(W)
    p.close("kaiming_uniform_ [300, 500]: Var vs 2/fan_in (tolerance 4 SE)", var, 2 / fan_in, atol=4 * se)
    p.close("kaiming_uniform_: max |w| vs √(6/fan_in)", W.abs().max(), math.sqrt(6 / fan_in), rtol=1e-3)
    p.close("calculate_gain('relu') = √2", init.calculate_gain("relu"), math.sqrt(2), rtol=1e-15)
    p.close("calculate_gain('leaky_relu', 0.2) = √(2/(1 + 0.2²))", init.calculate_gain("leaky_relu", 0.2),
            math.sqrt(2 / 1.04), rtol=1e-15)
