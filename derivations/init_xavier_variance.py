"""Xavier/Glorot initialisation from the variance of a sum of products.

Symbolic: for independent w and x, Var(w·x) = E[w²]E[x²] − (E[w]E[x])²
= Var w·Var x + Var w·(E x)² + (E w)²·Var x; sympy expands E[(∑ wᵢxᵢ)²] − (E ∑ wᵢxᵢ)²
moment by moment for n = 3 terms and gets n times that. With zero means,
Var(z) = n_in·Var(w)·Var(x): keeping the forward variance needs Var(w) = 1/n_in, keeping
the backward variance (δ = Wᵀδ′) needs 1/n_out; Glorot's compromise is
Var(w) = 2/(n_in + n_out). U(−a, a) has variance a²/3, so a = √(6/(n_in + n_out)).
Numeric: Monte Carlo of Var(w·x) with non-zero means against the derived formula (and
against the zero-mean shortcut, which it rejects; the counterfactual run predicts with the
shortcut and fails); torch.nn.init.xavier_uniform_ and
xavier_normal_ on a [600, 400] weight have variance 2/(n_in + n_out) within 4 standard
errors, and the uniform one fills ±a; kaiming_normal_(mode='fan_in') on the same shape shows
PyTorch reads fan_in = size(1) (Xavier's symmetric variance cannot show it).
"""

TITLE = {
    "en": "Xavier/Glorot init: Var(w) = 1/n_in, 1/n_out, or 2/(n_in + n_out); bound √(6/(n_in + n_out))",
    "zh": "Xavier/Glorot 初始化：Var(w) = 1/n_in、1/n_out 或 2/(n_in + n_out)；均匀分布边界 √(6/(n_in + n_out))",
}
CLAIMS = [
    {
        "en": "For independent w, x: Var(wx) = Var w·Var x + Var w·(E x)² + (E w)²·Var x, and a sum of n "
              "independent such products has n times that variance.",
        "zh": "对独立的 w、x：Var(wx) = Var w·Var x + Var w·(E x)² + (E w)²·Var x；n 个独立乘积之和的方差是它的 n 倍。",
    },
    {
        "en": "With zero means, forward variance is kept by Var(w) = 1/n_in, backward by 1/n_out; Xavier uses "
              "2/(n_in + n_out), i.e. U(±√(6/(n_in + n_out))) or N(0, 2/(n_in + n_out)).",
        "zh": "均值为零时，保持前向方差需要 Var(w) = 1/n_in，保持反向方差需要 1/n_out；Xavier 取 "
              "2/(n_in + n_out)，即 U(±√(6/(n_in + n_out))) 或 N(0, 2/(n_in + n_out))。",
    },
    {
        "en": "torch.nn.init.xavier_uniform_/xavier_normal_ produce exactly that variance (fan_in = size(1), "
              "fan_out = size(0) for a Linear weight); calculate_gain is 1 for sigmoid and 5/3 for tanh.",
        "zh": "torch.nn.init.xavier_uniform_/xavier_normal_ 给出的正是这个方差（对 Linear 权重，fan_in = size(1)，"
              "fan_out = size(0)）；calculate_gain 对 sigmoid 为 1，对 tanh 为 5/3。",
    },
    {
        "en": "The cross terms that zero means remove are (E w)²·Var x and Var w·(E x)², not E[w²] or E[x²]: those "
              "are the non-zero second moments, and (E x)² ≠ 0 for sigmoid or ReLU outputs.",
        "zh": "被消去的交叉项是 (E w)²·Var x 与 Var w·(E x)²，而不是 E[w²] 或 E[x²]：后两者是非零的二阶矩；"
              "而 sigmoid 或 ReLU 的输出 (E x)² ≠ 0。",
    },
]


def _product_variance(sp, n_terms=1):
    """Var(∑ᵢ wᵢxᵢ) for n independent pairs, from moments alone: E[w] = μ_w, E[w²] = v_w + μ_w²,
    likewise for x, and E of a monomial in independent variables is the product of the moments."""
    mw, mx = sp.symbols("μ_w μ_x", real=True)
    vw, vx = sp.symbols("v_w v_x", positive=True)
    w = sp.symbols(f"w1:{n_terms + 1}")
    x = sp.symbols(f"x1:{n_terms + 1}")
    moments = {1: (mw, mx), 2: (vw + mw ** 2, vx + mx ** 2)}  # E[w], E[x]; E[w²], E[x²]

    def expectation(expr):
        poly = sp.Poly(sp.expand(expr), *w, *x)
        total = 0
        for powers, coeff in poly.terms():
            term = coeff
            for k, power in enumerate(powers):
                if power:
                    term *= moments[power][0 if k < n_terms else 1]
            total += term
        return sp.expand(total)

    total = sum(wi * xi for wi, xi in zip(w, x))
    return sp.expand(expectation(total ** 2) - expectation(total) ** 2), (mw, mx, vw, vx)


def derive(p):
    import sympy as sp

    n_terms = 3
    single, (mw, mx, vw, vx) = _product_variance(sp)
    p.step("Var(w·x) = E[w²x²] − (E[wx])², independent w and x", single)
    p.identity("Var(wx) = v_w·v_x + v_w·μ_x² + μ_w²·v_x", single, vw * vx + vw * mx ** 2 + mw ** 2 * vx)
    var_sum, _ = _product_variance(sp, n_terms)
    p.identity("Var(∑ᵢ₌₁³ wᵢxᵢ) = 3·Var(wx): the cross-covariances vanish", var_sum, n_terms * single)
    p.step("Zero-mean weights (μ_w = 0): Var(wx) = v_w·E[x²]", sp.factor(single.subs(mw, 0)))
    zero_mean = single.subs({mw: 0, mx: 0})
    p.identity("both means zero: Var(wx) = v_w·v_x", zero_mean, vw * vx)

    g = _glorot(sp)
    n_in, n_out = g["n_in"], g["n_out"]
    p.step("Forward: n_in·v_w·v_x = v_x ⇒ v_w", g["forward"])
    p.step("Backward (δ = Wᵀδ′ sums n_out terms): n_out·v_w = 1 ⇒ v_w", g["backward"])
    p.identity("Glorot: average the two fans, v_w = 2/(n_in + n_out)", g["variance"], 2 / (n_in + n_out))
    p.step("Var of U(−a, a)", g["var_uniform"])
    p.identity("a = √(6/(n_in + n_out))", g["bound"], sp.sqrt(6 / (n_in + n_out)))


def _glorot(sp):
    """Glorot's variance and uniform bound, solved from the forward and backward conditions."""
    n_in, n_out, a, vw = sp.symbols("n_in n_out a v_w", positive=True)
    forward = sp.solve(sp.Eq(n_in * vw, 1), vw)[0]
    backward = sp.solve(sp.Eq(n_out * vw, 1), vw)[0]
    variance = sp.solve(sp.Eq((n_in + n_out) / 2 * vw, 1), vw)[0]
    t = sp.Symbol("t", real=True)
    var_uniform = sp.integrate(t ** 2 / (2 * a), (t, -a, a))
    bound = sp.solve(sp.Eq(var_uniform, variance), a)[0]
    return {"n_in": n_in, "n_out": n_out, "forward": forward, "backward": backward, "variance": variance,
            "var_uniform": var_uniform, "bound": bound}


def _var_and_se(sample):
    """Sample variance and its standard error (from the spread of the squared deviations)."""
    dev2 = (sample - sample.mean()) ** 2
    return dev2.mean().item(), (dev2.std() / dev2.numel() ** 0.5).item()


def experiment(p):

    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N = 200_000
    mw, sw, mx, half_width = 0.3, 0.5, 0.5, 0.5  # w ~ N(0.3, 0.5²), x ~ U(0, 1): mean ½ like a sigmoid output
    w = (mw + sw * torch.randn(N, generator=gen, dtype=dt)).to(dev)
    x = (mx + half_width * (2 * torch.rand(N, generator=gen, dtype=dt) - 1)).to(dev)
    vw, vx = sw ** 2, half_width ** 2 / 3
    var, se = _var_and_se(w * x)
    import sympy as sp

    single, symbols = _product_variance(sp)
    if p.myth:  # the copied derivation: cross terms dropped as if E(w²) = E(x²) = 0, leaving v_w·v_x
        single = symbols[2] * symbols[3]
    predicted = float(single.subs(dict(zip(symbols, (mw, mx, vw, vx)))))
    p.close("MC Var(w·x), non-zero means, vs the derived v_w v_x + v_w μ_x² + μ_w² v_x (tolerance 4 SE)", var,
            predicted, atol=4 * se, id="mc_product_variance",
            refutes="Var(wx) = Var w·Var x, the other terms dropping because E(w²) = E(x²) = 0")
    p.greater("… and the zero-mean shortcut v_w·v_x is off by (in SE)", abs(var - vw * vx) / se, 50,
              id="shortcut_off_in_se")

    fan_out, fan_in = 600, 400
    g = _glorot(sp)
    at = {g["n_in"]: fan_in, g["n_out"]: fan_out}
    bound, target = float(g["bound"].subs(at)), float(g["variance"].subs(at))
    # torch.nn.init draws from the global generator of the tensor's device: draw on the CPU (seeded
    # apart from `gen`) and move, so every device measures the same weights.
    torch.manual_seed(p.seed + 1)
    W = torch.nn.init.xavier_uniform_(torch.empty(fan_out, fan_in, dtype=dt)).to(dev)
    var, se = _var_and_se(W)
    p.close("xavier_uniform_ [600, 400]: Var vs 2/(n_in + n_out) (tolerance 4 SE)", var, target, atol=4 * se)
    p.less("xavier_uniform_: max |w| ≤ √(6/(n_in + n_out))", W.abs().max() / bound, 1.0 + 1e-12)
    p.greater("xavier_uniform_: max |w| reaches the bound (> 0.999·a)", W.abs().max() / bound, 0.999)
    W = torch.nn.init.xavier_normal_(torch.empty(fan_out, fan_in, dtype=dt)).to(dev)
    var, se = _var_and_se(W)
    p.close("xavier_normal_ [600, 400]: Var vs 2/(n_in + n_out) (tolerance 4 SE)", var, target, atol=4 * se)
    # Xavier's variance is symmetric in the two fans, so it cannot show which size is fan_in; a
    # fan_in-only rule can: kaiming_normal_(mode='fan_in', nonlinearity='linear') has Var = 1/fan_in.
    Wk = torch.nn.init.kaiming_normal_(torch.empty(fan_out, fan_in, dtype=dt), nonlinearity="linear").to(dev)
    var_k, se_k = _var_and_se(Wk)
    p.close("kaiming_normal_(mode='fan_in', 'linear') on [600, 400]: Var vs 1/size(1) = 1/400 (tolerance 4 SE)",
            var_k, 1 / fan_in, atol=4 * se_k)
    p.greater("… and not 1/size(0) = 1/600: off by (in SE)", abs(var_k - 1 / fan_out) / se_k, 10)

    p.close("calculate_gain('sigmoid') = 1", torch.nn.init.calculate_gain("sigmoid"), 1.0, rtol=1e-15)
    p.close("calculate_gain('tanh') = 5/3", torch.nn.init.calculate_gain("tanh"), 5 / 3, rtol=1e-15)

    # Forward pass of unit-variance, zero-mean inputs through the Xavier layer: Var(z) = n_in·Var(w).
    xb = torch.randn(2048, fan_in, generator=gen, dtype=dt).to(dev)
    z = xb @ W.T
    p.close("Var(z) of W·x for unit-variance x vs n_in·Var(w) = 2n_in/(n_in + n_out)", z.var().item(),
            fan_in * W.pow(2).mean().item(), rtol=0.02)
