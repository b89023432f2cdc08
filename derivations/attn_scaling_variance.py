"""Why scaled dot-product attention divides by √d_k (Vaswani et al. 2017).

Symbolic: for q, k with independent zero-mean entries of variance 1, expanding
(q·k)² = Σᵢⱼ qᵢqⱼkᵢkⱼ and taking expectations leaves only the d diagonal terms, so
Var(q·k) = d_k (only second moments enter: any distribution). Dividing by √d_k
brings it back to 1. The softmax Jacobian is diag(p) − ppᵀ; with two logits a
gap Δ apart its entry is p(1 − p) = e^{−Δ}/(1 + e^{−Δ})², which → 0 as Δ grows, and
the gap between two unscaled logits has variance 2d_k.
Numeric: for d_k from 4 to 1024, the measured variance of q·k against d_k (within
5 standard errors) and of q·k/√d_k against 1; the softmax's mean largest
probability and the Frobenius norm of its Jacobian (from autograd) with and
without the scaling: unscaled, the softmax saturates and its gradient collapses;
scaled, both stay flat.
"""

TITLE = {
    "en": "Attention: why divide q·k by √d_k",
    "zh": "注意力：为什么要把 q·k 除以 √d_k",
}
CLAIMS = [
    {
        "en": "If q and k have independent zero-mean unit-variance entries, Var(q·k) = d_k (whatever their "
              "distribution); Var(q·k/√d_k) = 1.",
        "zh": "若 q、k 的各分量独立、均值 0、方差 1，则 Var(q·k) = d_k（与分布无关）；Var(q·k/√d_k) = 1。",
    },
    {
        "en": "The softmax Jacobian is diag(p) − ppᵀ; it goes to 0 as the distribution becomes one-hot, i.e. as the "
              "logit gaps grow.",
        "zh": "softmax 的雅可比矩阵是 diag(p) − ppᵀ；当分布趋于 one-hot（logit 间差距变大）时它趋于 0。",
    },
    {
        "en": "Without the scaling, larger d_k makes the softmax saturate (largest probability → 1) and its gradient "
              "vanish; with it, both stay roughly constant in d_k.",
        "zh": "不缩放时，d_k 越大 softmax 越饱和（最大概率 → 1），梯度消失；缩放后二者基本不随 d_k 变化。",
    },
]


def derive(p):
    import sympy as sp

    d = 4
    q = sp.symbols(f"q1:{d + 1}", real=True)
    k = sp.symbols(f"k1:{d + 1}", real=True)
    sq, sk = sp.symbols("sigma_q sigma_k", positive=True)
    dot = sum(qi * ki for qi, ki in zip(q, k))
    square = sp.expand(dot**2)
    p.step(f"(q·k)² for d_k = {d}: {len(square.args)} terms qᵢqⱼkᵢkⱼ", square)

    # Independent, zero-mean entries: E[x] = 0, E[x²] = σ². Higher moments never appear.
    first = {"q": sp.Integer(0), "k": sp.Integer(0)}
    second = {"q": sq**2, "k": sk**2}

    def expect(expr):
        total = 0
        for term in sp.Add.make_args(sp.expand(expr)):
            coeff, factors = term.as_coeff_mul()
            value = coeff
            for f in factors:
                base, power = f.as_base_exp()
                kind = "q" if base in q else "k"
                value *= {1: first[kind], 2: second[kind]}[int(power)]
            total += value
        return total

    p.identity("E[q·k] = Σ E[qᵢ]E[kᵢ] = 0", expect(dot), 0)
    var = expect(square)
    p.step("E[(q·k)²]: every cross term i ≠ j has a lone E[qᵢ] = 0; the diagonal gives σ_q²σ_k² each", var)
    p.identity(f"Var(q·k) = d_k σ_q² σ_k² (d_k = {d})", var, d * sq**2 * sk**2)
    dk = sp.Symbol("d_k", positive=True, integer=True)

    def pair(kind, same):
        """E[xᵢxⱼ] for independent entries: E[x²] when i = j, E[x]² otherwise."""
        return second[kind] if same else first[kind] ** 2

    # E[(q·k)²] = Σᵢⱼ E[qᵢqⱼ]E[kᵢkⱼ]: d_k terms with i = j and d_k(d_k − 1) with i ≠ j, for any d_k.
    general = sp.expand(dk * pair("q", True) * pair("k", True) + dk * (dk - 1) * pair("q", False) * pair("k", False))
    p.step("For any d_k: d_k terms E[qᵢ²]E[kᵢ²] plus d_k(d_k − 1) terms E[qᵢ]E[qⱼ]E[kᵢ]E[kⱼ]", general)
    p.identity(f"…which at d_k = {d} is the term-by-term expectation above", general.subs(dk, d), var)
    p.identity("unit variances: Var(q·k/√d_k) = E[(q·k)²]/d_k = 1 for every d_k",
               sp.simplify(general.subs({sq: 1, sk: 1}) / dk), 1)

    # The softmax Jacobian.
    x = sp.symbols("x1:4", real=True)
    e = [sp.exp(v) for v in x]
    probs = sp.Matrix([v / sum(e) for v in e])
    J = probs.jacobian(x)
    p.identity("softmax Jacobian = diag(p) − ppᵀ (3 logits)", J, sp.diag(*probs) - probs * probs.T)
    gap = sp.Symbol("Delta", positive=True)
    p1 = 1 / (1 + sp.exp(-gap))  # two logits, the larger one ahead by Δ
    p.identity("two logits Δ apart: ∂p₁/∂x₁ = p₁(1 − p₁) = e^{−Δ}/(1 + e^{−Δ})²",
               p1 * (1 - p1), sp.exp(-gap) / (1 + sp.exp(-gap)) ** 2)
    p.identity("as Δ → ∞ the gradient → 0 (saturation)", sp.limit(p1 * (1 - p1), gap, sp.oo), 0)
    k2 = sp.symbols(f"l1:{d + 1}", real=True)  # a second key, independent of the first
    gap_expr = sp.expand((dot - sum(qi * li for qi, li in zip(q, k2))) ** 2)
    p.identity(f"Var(q·k₁ − q·k₂) = 2d_k σ_q²σ_k² (d_k = {d}): unscaled logit gaps grow like √d_k",
               expect(gap_expr), 2 * d * sq**2 * sk**2)


def experiment(p):
    import math

    import torch

    g = torch.Generator().manual_seed(p.seed)
    dt = torch.float64
    dims = [4, 16, 64, 256, 1024] if p.quick else [4, 16, 64, 256, 1024, 4096]
    n_pairs, n_q, n_k = (2000, 256, 32) if p.quick else (10000, 2048, 128)
    max_unscaled, max_scaled, jac_unscaled, jac_scaled = [], [], [], []

    def softmax_jacobian_norm(logits):
        """Mean Frobenius norm of ∂softmax/∂logits over rows, by autograd (one backward per output)."""
        logits = logits.detach().requires_grad_(True)
        P = torch.softmax(logits, -1)
        rows = [torch.autograd.grad(P[:, j].sum(), logits, retain_graph=True)[0] for j in range(P.shape[1])]
        J = torch.stack(rows, 1)  # (queries, output j, input i); rows are independent queries
        return J.pow(2).sum((1, 2)).sqrt().mean(), P.detach()

    for d in dims:
        q = torch.randn(n_pairs, d, generator=g, dtype=dt).to(p.device)
        k = torch.randn(n_pairs, d, generator=g, dtype=dt).to(p.device)
        s = (q * k).sum(1)  # independent pairs
        c = s - s.mean()
        var, se = float((c**2).mean()), math.sqrt(float((c**4).mean() - (c**2).mean() ** 2) / n_pairs)
        p.close(f"d_k = {d}: Var(q·k) vs d_k (±5 SE)", var, d, rtol=0, atol=5 * se)

        Q = torch.randn(n_q, d, generator=g, dtype=dt).to(p.device)
        K = torch.randn(n_k, d, generator=g, dtype=dt).to(p.device)
        for scale, maxes, jacs in ((1.0, max_unscaled, jac_unscaled), (d ** -0.5, max_scaled, jac_scaled)):
            jn, P = softmax_jacobian_norm(Q @ K.T * scale)
            maxes.append(float(P.max(-1).values.mean()))
            jacs.append(float(jn))

    # The closed form diag(p) − ppᵀ for one row, against autograd's Jacobian.
    row = (Q[0] @ K.T / math.sqrt(dims[-1])).detach()
    J_auto = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, -1), row)
    pr = torch.softmax(row, -1)
    p.allclose("autograd softmax Jacobian vs diag(p) − ppᵀ", J_auto, torch.diag(pr) - torch.outer(pr, pr),
               rtol=1e-10, atol=1e-15)

    p.less("unscaled, d_k = 4: mean largest softmax probability over the keys", max_unscaled[0], 0.5,
           id="unscaled_max_prob_small")
    p.greater("unscaled, d_k = 1024: mean largest softmax probability (saturated)", max_unscaled[dims.index(1024)],
              0.9, id="unscaled_max_prob_1024")
    p.sweep("scaled: mean largest softmax probability over the keys", zip((f"d_k = {d}" for d in dims), max_scaled),
            "<", 0.3, id="scaled_max_prob_worst")
    p.less("unscaled: ‖J‖ at d_k = 1024 / ‖J‖ at d_k = 4 (the gradient collapses)",
           jac_unscaled[dims.index(1024)] / jac_unscaled[0], 0.35, id="unscaled_jacobian_ratio")
    # (‖J‖ is not monotone at small spread: near-uniform p also has a small Jacobian.)
    p.holds("unscaled: ‖J‖ falls at every step from d_k = 16 on", all(
        b < a for a, b in zip(jac_unscaled[1:], jac_unscaled[2:])), " > ".join(f"{v:.3f}" for v in jac_unscaled[1:]))
    p.greater("scaled: ‖J‖ at d_k = 1024 / ‖J‖ at d_k = 4 (no collapse)", jac_scaled[dims.index(1024)] / jac_scaled[0],
              0.8, id="scaled_jacobian_ratio")
    p.plot("Softmax over q·k logits: mean largest probability vs d_k",
           {"unscaled q·k": (dims, max_unscaled), "scaled q·k/√d_k": (dims, max_scaled)},
           xlabel="d_k", ylabel="mean max probability")
    p.plot("Softmax Jacobian norm ‖∂p/∂logits‖_F (autograd) vs d_k",
           {"unscaled q·k": (dims, jac_unscaled), "scaled q·k/√d_k": (dims, jac_scaled)},
           xlabel="d_k", ylabel="‖J‖_F", logy=True)
