"""KL(p‖q) ≥ 0, = 0 only when p = q, and KL(p‖q) ≠ KL(q‖p) in general.

Symbolic: log t ≤ t − 1 (the function t − 1 − log t has a single stationary point, t = 1,
where it is 0, and is convex), so −KL(p‖q) = Σ pᵢ log(qᵢ/pᵢ) ≤ Σ pᵢ(qᵢ/pᵢ − 1) = Σqᵢ − Σpᵢ = 0,
with equality only if every qᵢ/pᵢ = 1. For two coins, KL(Ber(½)‖Ber(1/10)) and
KL(Ber(1/10)‖Ber(½)) are evaluated exactly and differ.

Numeric: 2000 random pairs of distributions: KL ≥ 0 and asymmetric; the hand formula
against torch.distributions.kl_divergence; PyTorch's F.kl_div argument order
(input = log q, target = p gives KL(p‖q)) and why reduction='batchmean' is the KL while
'mean' divides by the number of elements; an infinite KL where q has a zero that p lacks.
"""

TITLE = {
    "en": "KL divergence: non-negative, zero only at p = q, not symmetric (and F.kl_div's argument order)",
    "zh": "KL 散度：非负、仅当 p = q 时为零、不对称（以及 F.kl_div 的参数顺序）",
}
CLAIMS = [
    {
        "en": "KL(p‖q) ≥ 0 with equality only if p = q (from log t ≤ t − 1).",
        "zh": "KL(p‖q) ≥ 0，当且仅当 p = q 时取等（由 log t ≤ t − 1 得出）。",
    },
    {
        "en": "KL is not a distance: KL(Ber(½)‖Ber(0.1)) ≈ 0.511 but KL(Ber(0.1)‖Ber(½)) ≈ 0.368, "
              "and the triangle inequality fails (via Ber(0.3)).",
        "zh": "KL 不是距离：KL(Ber(½)‖Ber(0.1)) ≈ 0.511，而 KL(Ber(0.1)‖Ber(½)) ≈ 0.368，"
              "且三角不等式不成立（经由 Ber(0.3)）。",
    },
    {
        "en": "F.kl_div(input=log q, target=p, reduction='batchmean') = KL(p‖q); 'mean' divides by N·K instead of N.",
        "zh": "F.kl_div(input=log q, target=p, reduction='batchmean') = KL(p‖q)；'mean' 除以 N·K 而非 N。",
    },
]


def derive(p):
    import sympy as sp

    t = sp.symbols("t", positive=True)
    f = t - 1 - sp.log(t)
    p.step("f(t) = t − 1 − log t; stationary points", sp.solve(sp.diff(f, t), t))
    p.identity("f(1) = 0", f.subs(t, 1), 0)
    p.identity("f″(t) = 1/t² > 0: convex, so t = 1 is the global minimum and log t ≤ t − 1", sp.diff(f, t, 2), 1 / t**2)

    P = sp.symbols("p1:4", positive=True)
    Q = sp.symbols("q1:4", positive=True)
    bound = sum(pi * (qi / pi - 1) for pi, qi in zip(P, Q))
    p.step("−KL(p‖q) = Σ pᵢ log(qᵢ/pᵢ) ≤ Σ pᵢ(qᵢ/pᵢ − 1), term by term", bound)
    p.identity("Σ pᵢ(qᵢ/pᵢ − 1) = Σqᵢ − Σpᵢ = 1 − 1 = 0 for distributions, hence KL ≥ 0",
               bound.subs({P[2]: 1 - P[0] - P[1], Q[2]: 1 - Q[0] - Q[1]}), 0)

    a, b = sp.symbols("a b", positive=True)
    kl_ber = a * sp.log(a / b) + (1 - a) * sp.log((1 - a) / (1 - b))
    forward = kl_ber.subs({a: sp.Rational(1, 2), b: sp.Rational(1, 10)})
    reverse = kl_ber.subs({a: sp.Rational(1, 10), b: sp.Rational(1, 2)})
    p.step("KL(Ber(½)‖Ber(1/10)) and KL(Ber(1/10)‖Ber(½)), exactly",
           sp.Matrix([sp.expand_log(forward, force=True), sp.expand_log(reverse, force=True)]))
    p.close("(sympy) KL(Ber(½)‖Ber(1/10))", sp.N(forward, 20), 0.5108256237659907, rtol=1e-14, id="kl_ber_half_tenth")
    p.close("(sympy) KL(Ber(1/10)‖Ber(½))", sp.N(reverse, 20), 0.3680642071684971, rtol=1e-14, id="kl_ber_tenth_half")
    kl = lambda u, w: kl_ber.subs({a: u, b: w})  # noqa: E731
    half, three, tenth = sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 10)
    excess = kl(half, tenth) - kl(half, three) - kl(three, tenth)
    p.step("No triangle inequality: KL(Ber(½)‖Ber(0.1)) − KL(Ber(½)‖Ber(0.3)) − KL(Ber(0.3)‖Ber(0.1))",
           sp.expand_log(excess, force=True))
    p.greater("(sympy) that difference (> 0 breaks the triangle inequality)", sp.N(excess, 20), 0.2)


def experiment(p):
    import warnings

    import torch
    import torch.nn.functional as F
    from torch.distributions import Categorical, kl_divergence

    g = torch.Generator().manual_seed(p.seed)
    f64, dev = torch.float64, p.device
    N, K = 2000, 5
    # Uniform random distributions on the simplex (Dirichlet(1, …, 1)): normalised −log U draws.
    P = -torch.rand(N, K, generator=g, dtype=f64).log()
    Q = -torch.rand(N, K, generator=g, dtype=f64).log()
    P, Q = (P / P.sum(1, keepdim=True)).to(dev), (Q / Q.sum(1, keepdim=True)).to(dev)

    kl_pq = (P * (P.log() - Q.log())).sum(1)
    kl_qp = (Q * (Q.log() - P.log())).sum(1)
    if p.myth:  # the misconception: KL is a symmetric distance (its symmetrised form)
        kl_pq = kl_qp = (kl_pq + kl_qp) / 2
    p.greater("min over 2000 random pairs of KL(p‖q) (≥ 0)", kl_pq.min(), 0.0)
    p.allclose("Σ p log(p/q) vs torch.distributions.kl_divergence(Categorical(p), Categorical(q))",
               kl_pq, kl_divergence(Categorical(probs=P), Categorical(probs=Q)), rtol=1e-10, atol=1e-12)
    p.greater("median |KL(p‖q) − KL(q‖p)| (asymmetry)", (kl_pq - kl_qp).abs().median(), 0.05, id="kl_asymmetry",
              refutes="KL divergence is symmetric")
    kl_pq = (P * (P.log() - Q.log())).sum(1)
    kl_qp = (Q * (Q.log() - P.log())).sum(1)

    def kl_div(inp, target, reduction):
        """torch's F.kl_div, or (p.myth) the reading "F.kl_div(input, target) = KL(input ‖ target)"."""
        if not p.myth:
            return F.kl_div(inp, target, reduction=reduction)
        terms = inp.exp() * (inp - target.log())
        return terms if reduction == "none" else terms.sum() / inp.shape[0]

    p.allclose("F.kl_div(input = log q, target = p, 'none') summed over classes vs KL(p‖q), pair by pair",
               kl_div(Q.log(), P, reduction="none").sum(1), kl_pq, rtol=1e-10, atol=1e-12,
               id="kl_div_argument_order", refutes="F.kl_div(input, target) computes KL(input ‖ target)")
    batchmean = kl_div(Q.log(), P, reduction="batchmean")
    p.close("F.kl_div(log q, p, 'batchmean') vs mean KL(p‖q)", batchmean, kl_pq.mean(), rtol=1e-12)
    p.close("… and with the arguments swapped it is KL(q‖p)", F.kl_div(P.log(), Q, reduction="batchmean"),
            kl_qp.mean(), rtol=1e-12)
    with warnings.catch_warnings(record=True) as caught:  # torch warns that 'mean' will become 'batchmean'
        warnings.simplefilter("always")
        elementwise_mean = F.kl_div(Q.log(), P, reduction="mean")
    said = " ".join(str(w.message) for w in caught)
    p.holds("F.kl_div(reduction='mean') warns that 'mean' will behave like 'batchmean' in a future release",
            "'mean' will be changed to behave the same as 'batchmean'" in said, said[-80:] or "no warning",
            "a warning naming 'batchmean'")
    p.close("reduction = 'mean' (PyTorch 2.x) gives the KL divided by K as well", elementwise_mean,
            kl_pq.mean() / K, rtol=1e-12)

    p0 = torch.tensor([0.5, 0.5, 0.0], dtype=f64, device=dev)
    q0 = torch.tensor([0.5, 0.25, 0.25], dtype=f64, device=dev)
    p.holds("KL(q‖p) = ∞ where p = 0 but q > 0 (torch.distributions)",
            bool(torch.isinf(kl_divergence(Categorical(probs=q0), Categorical(probs=p0)))),
            float(kl_divergence(Categorical(probs=q0), Categorical(probs=p0))), "inf")
    p.close("… while KL(p‖q) is finite: ½·log 2", kl_divergence(Categorical(probs=p0), Categorical(probs=q0)),
            0.5 * torch.log(torch.tensor(2.0, dtype=f64)), rtol=1e-12)
