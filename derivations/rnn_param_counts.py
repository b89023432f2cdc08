"""Parameter counts of nn.RNN, nn.LSTM and nn.GRU: the formula, PyTorch's two bias vectors, layers, directions.

Symbolic: count the blocks of one layer and direction (G gate blocks, each with W_ih,
W_hh and PyTorch's two biases b_ih, b_hh), sum over layers and directions, and compare
with the textbook single-bias count; the sequence length T never enters. Numeric: the
formula against sum(p.numel()) of the real modules over many configurations, and which
of the two biases is redundant (all of them in an LSTM, not b_hn in a GRU).
"""

TITLE = {
    "en": "Parameter counts of RNN / LSTM / GRU, with PyTorch's two biases",
    "zh": "RNN / LSTM / GRU 的参数量（含 PyTorch 的两个偏置）",
}
CLAIMS = [
    {
        "en": "One layer and direction of torch.nn.LSTM has 4·(h(d+h) + 2h) parameters: b_ih and b_hh are both stored; the textbook single-bias count is 4·(h(d+h) + h).",
        "zh": "torch.nn.LSTM 每层每个方向有 4·(h(d+h) + 2h) 个参数：b_ih 和 b_hh 都会存；教科书单偏置的计数是 4·(h(d+h) + h)。",
    },
    {
        "en": "GRU has G = 3 blocks, vanilla RNN G = 1; layers above the first take D·h inputs (D = 2 if bidirectional), and each direction has its own weights.",
        "zh": "GRU 有 G = 3 组，普通 RNN 有 G = 1；第一层以上的输入维度是 D·h（双向时 D = 2），每个方向有各自的权重。",
    },
    {
        "en": "The count does not depend on the sequence length: the same weights are applied at every step.",
        "zh": "参数量与序列长度无关：每个时间步使用同一组权重。",
    },
    {
        "en": "A GRU has 3/4 of an LSTM's parameters (25 % fewer), not 'one third fewer'.",
        "zh": "GRU 的参数量是 LSTM 的 3/4（少 25%），而不是“少三分之一”。",
    },
    {
        "en": "In an LSTM the two biases only ever appear as the sum b_ih + b_hh; in a GRU b_hn sits inside r ⊙ (W_hn h + b_hn) and cannot be folded into b_in.",
        "zh": "LSTM 中两个偏置只以和 b_ih + b_hh 出现；GRU 的 b_hn 在 r ⊙ (W_hn h + b_hn) 之内，不能并入 b_in。",
    },
]


def _torch_count(G, d, h, L, D, bias=True):
    """The formula: per layer and direction G·(h·d_in + h·h + 2h); d_in = d, then D·h."""
    total = 0
    for layer in range(L):
        d_in = d if layer == 0 else D * h
        total += D * G * (h * d_in + h * h + (2 * h if bias else 0))
    return total


def derive(p):
    import sympy as sp

    d, h, G, L, D, T = sp.symbols("d h G L D T", positive=True, integer=True)
    one = G * (h * d + h * h + h + h)
    p.step("One layer, one direction: G blocks of W_ih (h×d), W_hh (h×h), b_ih (h), b_hh (h)", one)
    upper = G * (h * D * h + h * h + 2 * h)
    p.step("A layer above the first reads both directions of the layer below: d_in = D·h", upper)
    k = sp.Symbol("k", integer=True, positive=True)
    total = D * one + sp.summation(D * upper, (k, 2, L))
    p.step("Sum over D directions of layer 1 and of layers k = 2 … L", total)
    closed = D * G * (h * d + h * h + 2 * h) + (L - 1) * D * G * (D * h * h + h * h + 2 * h)
    p.identity("total = D·G·(h(d+h) + 2h) + (L−1)·D·G·(h(Dh+h) + 2h)", total, closed)
    p.identity("The sequence length T does not appear: ∂(count)/∂T = 0", sp.diff(total, T), 0)
    textbook = D * G * (h * d + h * h + h) + (L - 1) * D * G * (D * h * h + h * h + h)
    p.identity("torch − textbook (one bias per block) = L·D·G·h: the second bias vector",
               sp.expand(closed - textbook), L * D * G * h)
    lstm1 = one.subs({G: 4})
    p.identity("LSTM, one layer: 4·(h(d+h) + 2h) = 4h(d+h) + 8h", lstm1, 4 * h * (d + h) + 8 * h)
    ratio = sp.simplify(one.subs(G, 3) / one.subs(G, 4))
    p.identity("GRU / LSTM = 3/4 for any d, h, so a GRU has 1/4 fewer parameters", ratio, sp.Rational(3, 4), id="gru_lstm_ratio")


def experiment(p):
    import itertools

    import torch

    kinds = {"RNN": (torch.nn.RNN, 1), "LSTM": (torch.nn.LSTM, 4), "GRU": (torch.nn.GRU, 3)}
    mismatches, checked = [], 0
    for (name, (cls, G)), d, h, L, bi, bias in itertools.product(
            kinds.items(), (3, 37), (5, 64), (1, 3), (False, True), (True, False)):
        m = cls(d, h, num_layers=L, bidirectional=bi, bias=bias)
        got = sum(prm.numel() for prm in m.parameters())
        want = _torch_count(G, d, h, L, 2 if bi else 1, bias)
        checked += 1
        if got != want:
            mismatches.append(f"{name}(d={d},h={h},L={L},bi={bi},bias={bias}): {got} vs {want}")
    p.equal(f"configurations where sum(p.numel()) ≠ formula (of {checked} checked)", len(mismatches), 0)
    p.equal("nn.LSTM(37, 64) parameters", sum(q.numel() for q in torch.nn.LSTM(37, 64).parameters()),
            4 * (64 * (37 + 64) + 2 * 64))
    p.equal("nn.LSTM(37, 64) vs the textbook single-bias count: difference",
            sum(q.numel() for q in torch.nn.LSTM(37, 64).parameters()) - 4 * (64 * (37 + 64) + 64), 4 * 64, id="lstm_double_bias_difference")
    layer2 = torch.nn.GRU(10, 16, num_layers=2, bidirectional=True)
    p.equal("nn.GRU(10, 16, 2 layers, bidirectional): weight_ih_l1 shape", tuple(layer2.weight_ih_l1.shape), (48, 32))

    # Weight sharing: one module, any sequence length, same parameters.
    g = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    lstm = torch.nn.LSTM(6, 8, dtype=f64)
    with torch.no_grad():
        for prm in lstm.parameters():
            prm.copy_(0.4 * torch.randn(prm.shape, generator=g, dtype=f64))
    lstm = lstm.to(p.device)
    for T in (3, 300):
        out, _ = lstm(torch.randn(T, 1, 6, generator=g, dtype=f64).to(p.device))
        p.equal(f"output steps for T = {T} with the same {sum(q.numel() for q in lstm.parameters())} parameters",
                out.shape[0], T)

    # Redundancy of the second bias: LSTM yes (only b_ih + b_hh appears), GRU's b_hn no.
    x = torch.randn(20, 3, 6, generator=g, dtype=f64).to(p.device)
    gru = torch.nn.GRU(6, 8, dtype=f64)
    with torch.no_grad():
        for prm in gru.parameters():
            prm.copy_(0.4 * torch.randn(prm.shape, generator=g, dtype=f64))
    gru = gru.to(p.device)

    def folded(module, upto):
        """A copy with bias_hh[:upto] added into bias_ih and zeroed."""
        clone = type(module)(6, 8, dtype=f64).to(p.device)
        clone.load_state_dict(module.state_dict())
        with torch.no_grad():
            clone.bias_ih_l0[:upto] += clone.bias_hh_l0[:upto]
            clone.bias_hh_l0[:upto] = 0
        return clone

    with torch.no_grad():
        p.allclose("LSTM with all of b_hh folded into b_ih: same outputs", folded(lstm, 32)(x)[0], lstm(x)[0],
                   rtol=1e-12, atol=1e-14)
        p.allclose("GRU with b_hr, b_hz folded into b_ir, b_iz: same outputs", folded(gru, 16)(x)[0], gru(x)[0],
                   rtol=1e-12, atol=1e-14)
        gap = (folded(gru, 24)(x)[0] - gru(x)[0]).abs().max()
    p.greater("GRU with b_hn folded into b_in too: max |Δ output| (b_hn is not redundant)", gap, 1e-3, id="gru_b_hn_not_redundant")
