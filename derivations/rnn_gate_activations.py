"""Why LSTM gates use the sigmoid and the candidate uses tanh.

Symbolic: σ maps onto (0, 1), so a gate is a fraction to let through, and it saturates
(σ′ = σ(1−σ) ≤ ¼); tanh maps onto (−1, 1) and is zero-centred with tanh′(0) = 1, and
tanh(x) = 2σ(2x) − 1 is only a shifted, rescaled sigmoid. Numeric: torch.nn.LSTM's cell
state takes both signs; sympy proves that a sigmoid candidate only ever writes positive
amounts (c ≥ 0 ⇒ c′ > 0), and the same cell with a sigmoid candidate (the hand cell is
checked equal to nn.LSTM when the candidate is tanh) builds up above its first step and stays positive.
"""

TITLE = {
    "en": "Why sigmoid for the gates and tanh for the candidate",
    "zh": "为什么门用 sigmoid、候选值用 tanh",
}
CLAIMS = [
    {
        "en": "σ(a) ∈ (0, 1) with limits 0 and 1: a gate value is the fraction of a signal let through; σ′ = σ(1 − σ) ≤ 1/4, largest at a = 0.",
        "zh": "σ(a) ∈ (0, 1)，极限为 0 和 1：门的取值就是放行信号的比例；σ′ = σ(1 − σ) ≤ 1/4，在 a = 0 处最大。",
    },
    {
        "en": "tanh ∈ (−1, 1) is zero-centred with tanh′(0) = 1, and tanh(x) = 2σ(2x) − 1.",
        "zh": "tanh ∈ (−1, 1)，以 0 为中心，tanh′(0) = 1，且 tanh(x) = 2σ(2x) − 1。",
    },
    {
        "en": "A signed candidate lets the cell move up or down: nn.LSTM's cell state takes both signs, while a sigmoid candidate writes only positive amounts and, from c₀ = 0, never goes negative.",
        "zh": "有符号的候选值让细胞状态可增可减：nn.LSTM 的细胞状态正负都有；而 sigmoid 候选值只写入正数，从 c₀ = 0 出发永远不会变负。",
    },
]


def derive(p):
    import sympy as sp

    a = sp.Symbol("a", real=True)
    s = 1 / (1 + sp.exp(-a))
    p.step("σ(a) → 0 and 1 at −∞ and +∞", sp.Tuple(sp.limit(s, a, -sp.oo), sp.limit(s, a, sp.oo)))
    ds = sp.diff(s, a)
    p.identity("σ′(a) = σ(a)(1 − σ(a))", ds, s * (1 - s))
    crit = sp.solve(sp.Eq(sp.diff(ds, a), 0), a)
    p.step("σ″(a) = 0 at a =", sp.Tuple(*crit))
    p.identity("max σ′ = σ′(0) = 1/4", ds.subs(a, 0), sp.Rational(1, 4))
    p.step("tanh(a) → −1 and 1", sp.Tuple(sp.limit(sp.tanh(a), a, -sp.oo), sp.limit(sp.tanh(a), a, sp.oo)))
    p.identity("tanh(a) = 2σ(2a) − 1", sp.tanh(a).rewrite(sp.exp), 2 * s.subs(a, 2 * a) - 1)
    p.identity("tanh′(0) = 1 (four times σ′(0))", sp.diff(sp.tanh(a), a).subs(a, 0), 1)
    f, i = sp.symbols("f i", positive=True)
    c = sp.Symbol("c", nonnegative=True)
    step_sigma = f * c + i * s
    p.step("One cell update with a σ candidate: c′ = f·c + i·σ(a)", step_sigma)
    p.holds("(sympy) c ≥ 0 and f, i > 0 ⇒ c′ = f·c + i·σ(a) > 0 for every real a: from c₀ = 0, by induction, "
            "the cell is positive at every step", step_sigma.is_positive is True, str(step_sigma.is_positive),
            "True", id="sigmoid_candidate_positive")
    p.holds("(sympy) with the tanh candidate, f·c + i·tanh(a) has no fixed sign",
            (f * c + i * sp.tanh(a)).is_positive is None and (f * c + i * sp.tanh(a)).subs(
                {c: 0, a: -1}).is_negative is True, "negative at c = 0, a = −1", "either sign")


def _cell_states(lstm, xs, candidate):
    """Cell states of a one-layer LSTM with torch's gate order, the candidate squashed by `candidate`."""
    import torch

    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
    b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    B, n = xs.shape[1], W_hh.shape[1]
    h = torch.zeros(B, n, dtype=xs.dtype, device=xs.device)
    c = torch.zeros_like(h)
    cs = []
    for x in xs:
        i, f, g, o = (x @ W_ih.T + h @ W_hh.T + b).chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * candidate(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        cs.append(c)
    return torch.stack(cs)


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, T, B = 4, 16, 60, 8
    lstm = torch.nn.LSTM(d, n, dtype=f64)
    with torch.no_grad():
        for prm in lstm.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=gen, dtype=f64))
    lstm = lstm.to(p.device)
    xs = torch.randn(T, B, d, generator=gen, dtype=f64).to(p.device)
    with torch.no_grad():
        c_torch = []
        h = torch.zeros(1, B, n, dtype=f64, device=p.device)
        c = torch.zeros_like(h)
        for x in xs:  # step the real module one step at a time to see every c_t
            _, (h, c) = lstm(x.unsqueeze(0), (h, c))
            c_torch.append(c[0])
        c_torch = torch.stack(c_torch)
        c_tanh = _cell_states(lstm, xs, torch.tanh)
        c_sigm = _cell_states(lstm, xs, torch.sigmoid)
    p.allclose("hand cell with tanh candidate vs nn.LSTM cell states", c_tanh, c_torch, rtol=1e-11, atol=1e-13)
    neg = (c_torch < 0).double().mean()
    p.greater("nn.LSTM (tanh candidate): fraction of negative cell-state entries (60 steps × 8 sequences × 16 units)",
              neg, 0.2, id="tanh_cell_negative_fraction")
    # From c₀ = 0 a positive-only write builds the cell up within a few steps (time constant ≈ 1/(1 − f)); after
    # that it sits near its level and step-to-step changes have either sign (step 60 vs step 10 does not rise in
    # about one draw in six), so the build-up is measured against the first step.
    p.greater("sigmoid candidate: mean cell state over steps 31–60 minus at step 1 (builds up from c₀ = 0)",
              c_sigm[30:].mean() - c_sigm[0].mean(), 0.0, id="sigmoid_cell_drift")
    p.greater("sigmoid candidate: smallest cell-state entry over the 60 steps (never negative)", c_sigm.min(), 0.0,
              id="sigmoid_cell_positive")
    p.greater("sigmoid candidate: mean cell state minus nn.LSTM's", c_sigm.mean() - c_torch.mean(), 0.1,
              id="sigmoid_minus_tanh_mean")
