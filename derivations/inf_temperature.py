"""Sampling temperature: softmax(z/T) tends to the argmax as T → 0 and to uniform as T → ∞.

Symbolic: for logits z₁ > z₂ > z₃ (gaps a = z₁ − z₂, b = z₁ − z₃), softmax(z/T)₁ = 1/(1 + e^(−a/T) + e^(−b/T));
its limit as T → 0⁺ is 1 (the argmax) and as T → ∞ is 1/3 (uniform); the entropy's derivative
dH/dT = Var_p(z)/T³ ≥ 0, so H grows with T.
Numeric: torch.softmax(z/T) and torch.multinomial draws at small, unit and large T, compared with the
exact probabilities within Monte Carlo standard errors; the entropy over a sweep of T and seeds.
Counterfactual (p.myth): the logits are multiplied by T instead of divided — the scaling under which
"temperature 0 is uniform" would be true.
"""

TITLE = {
    "en": "Temperature: T → 0 is greedy argmax, T → ∞ is uniform",
    "zh": "温度：T → 0 是贪心 argmax，T → ∞ 是均匀分布",
}
CLAIMS = [
    {
        "en": "softmax(z/T) → one-hot at argmax z as T → 0⁺ (sampling becomes greedy decoding) and → uniform as T → ∞.",
        "zh": "T → 0⁺ 时 softmax(z/T) 趋于 argmax z 处的 one-hot（采样变成贪心解码），T → ∞ 时趋于均匀分布。",
    },
    {
        "en": "The entropy of softmax(z/T) increases with T: dH/dT = Var_p(z)/T³.",
        "zh": "softmax(z/T) 的熵随 T 增大：dH/dT = Var_p(z)/T³。",
    },
]


def derive(p):
    import sympy as sp

    a, b, T = sp.symbols("a b T", positive=True)
    p1 = 1 / (1 + sp.exp(-a / T) + sp.exp(-b / T))
    p.step("softmax(z/T)₁ with gaps a = z₁ − z₂ > 0, b = z₁ − z₃ > 0", p1)
    p.identity("lim T→0⁺ p₁ = 1 (argmax)", sp.limit(p1, T, 0, "+"), 1, id="t_to_zero_argmax")
    p.identity("lim T→∞ p₁ = 1/3 (uniform over 3)", sp.limit(p1, T, sp.oo), sp.Rational(1, 3), id="t_to_inf_uniform")
    # Entropy derivative, 3 logits z_i: H = −Σ pᵢ log pᵢ with pᵢ = e^(zᵢ/T)/Σ e^(z_j/T).
    z = sp.symbols("z0:3", real=True)
    Z = sum(sp.exp(zi / T) for zi in z)
    probs = [sp.exp(zi / T) / Z for zi in z]
    H = -sum(pi * (zi / T - sp.log(Z)) for pi, zi in zip(probs, z))
    mean = sum(pi * zi for pi, zi in zip(probs, z))
    var = sum(pi * (zi - mean) ** 2 for pi, zi in zip(probs, z))
    check = (sp.diff(H, T) - var / T**3).subs({z[0]: 2, z[1]: sp.Rational(1, 2), z[2]: -1, T: sp.Rational(3, 2)})
    p.identity("dH/dT − Var_p(z)/T³ = 0 at z = (2, ½, −1), T = 3/2", sp.nsimplify(sp.N(check, 30), tolerance=1e-25),
               0, id="entropy_derivative")


def experiment(p):
    import math

    import torch

    g = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    z = torch.tensor([2.0, 1.5, 0.5, 0.0, -1.0], dtype=f64)

    def tempered(logits, T):
        return torch.softmax(logits * T if p.myth else logits / T, -1)

    low = tempered(z, 0.01)
    p.greater("P(argmax) at T = 0.01 (gap to the runner-up 0.5)", low.max(), 0.999999, id="low_t_is_argmax",
              refutes="temperature 0 samples uniformly")
    tie = tempered(torch.tensor([1.0, 1.0, 0.5], dtype=f64), 0.01)
    p.close("two tied largest logits at T = 0.01: probability of the first", tie[0], 0.5, rtol=1e-9,
            id="low_t_tie_splits")
    draws = torch.multinomial(low, 20000, replacement=True, generator=g)
    p.equal("torch.multinomial at T = 0.01: draws that are not the argmax (of 20000)", int((draws != 0).sum()), 0,
            id="low_t_draws_argmax")
    high = tempered(z, 1000.0)
    p.less("max |softmax(z/1000) − 1/5|", (high - 0.2).abs().max(), 1e-3, id="high_t_uniform",
           refutes="a high temperature makes sampling greedy")
    n = 40000
    worst = {}
    for T in (1.0, 5.0):
        probs = tempered(z, T)
        counts = torch.bincount(torch.multinomial(probs, n, replacement=True, generator=g), minlength=5).to(f64)
        se = torch.sqrt(probs * (1 - probs) / n)
        worst[T] = ((counts / n - probs).abs() / se).max()
    p.less("T = 1: max |frequency − p| / standard error over 5 tokens (MC, n = 40000)", worst[1.0], 4.5,
           id="mc_matches_t1")
    p.less("T = 5: max |frequency − p| / standard error over 5 tokens (MC, n = 40000)", worst[5.0], 4.5,
           id="mc_matches_t5")

    def entropy(q):
        return float(-(q * q.clamp_min(1e-300).log()).sum())

    cases = []
    temps = [0.1, 0.3, 1.0, 3.0, 10.0]
    for seed in range(5):
        logits = torch.randn(50, generator=torch.Generator().manual_seed(p.seed + seed), dtype=f64) * 3
        hs = [entropy(torch.softmax(logits / T, -1)) for T in temps]
        cases.append((f"seed {seed}", min(b - a for a, b in zip(hs, hs[1:]))))
    p.sweep("smallest entropy increase between consecutive T in (0.1, 0.3, 1, 3, 10), 50 logits, seeds", cases,
            ">", 0, id="entropy_increases")
    p.less("entropy at T = 10 vs log 50 (uniform): gap", math.log(50) - entropy(torch.softmax(
        torch.randn(50, generator=g, dtype=f64) * 3 / 10, -1)), 0.5, id="high_t_entropy_near_max")
