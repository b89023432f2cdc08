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


# The blocks each kind stacks in weight_ih / weight_hh (torch's docs): LSTM i, f, g, o; GRU r, z, n;
# RNN one. The myth counts only the sigmoid gates and forgets the candidate block: LSTM i, f, o
# against GRU r, z, which is where "a GRU has one third fewer parameters" comes from.
BLOCKS = {"LSTM": "ifgo", "GRU": "rzn", "RNN": "h"}
GATES_ONLY = {"LSTM": "ifo", "GRU": "rz", "RNN": "h"}


def _layer_count(G, d_in, h, bias=True, biases=2):
    """Parameters of one layer and direction, summed over the shapes torch stores: weight_ih
    (G·h × d_in), weight_hh (G·h × h), bias_ih and bias_hh (G·h each)."""
    shapes = [(G * h, d_in), (G * h, h)] + ([(G * h, 1)] * biases if bias else [])
    return sum(rows * cols for rows, cols in shapes)


def _total_count():
    """The total over L layers and D directions, as a sympy expression in G, d, h, L, D."""
    import sympy as sp

    d, h, G, L, D = sp.symbols("d h G L D", positive=True, integer=True)
    k = sp.Symbol("k", integer=True, positive=True)
    # Layer 1 reads d inputs; layer k ≥ 2 reads both directions of layer k − 1: D·h inputs.
    total = D * _layer_count(G, d, h) + sp.summation(D * _layer_count(G, D * h, h), (k, 2, L))
    return (d, h, G, L, D), sp.factor(total)


def derive(p):
    import sympy as sp

    (d, h, G, L, D), total = _total_count()
    p.step("One layer, one direction, from the shapes W_ih (Gh×d), W_hh (Gh×h), b_ih (Gh), b_hh (Gh)",
           _layer_count(G, d, h))
    p.step("Summed over D directions of layer 1 and of layers k = 2 … L (d_in = D·h)", total)
    closed = D * G * (h * d + h * h + 2 * h) + (L - 1) * D * G * (D * h * h + h * h + 2 * h)
    p.identity("total = D·G·(h(d+h) + 2h) + (L−1)·D·G·(h(Dh+h) + 2h)", total, closed, id="total_closed_form")
    # No row for "T does not appear": T is in none of the stored shapes, so ∂(count)/∂T = 0 could not fail.
    p.step("No stored shape involves the sequence length T, so the count is the same for every T")
    k = sp.Symbol("k", integer=True, positive=True)
    textbook = D * _layer_count(G, d, h, biases=1) + sp.summation(D * _layer_count(G, D * h, h, biases=1),
                                                                  (k, 2, L))
    p.identity("torch − textbook (one bias per block) = L·D·G·h: the second bias vector",
               sp.expand(total - textbook), L * D * G * h, id="second_bias_count")
    lstm1 = total.subs({G: 4, L: 1, D: 1})
    p.identity("LSTM, one layer: 4·(h(d+h) + 2h) = 4h(d+h) + 8h", lstm1, 4 * h * (d + h) + 8 * h)
    blocks = GATES_ONLY if p.myth else BLOCKS
    ratio = sp.simplify(total.subs(G, len(blocks["GRU"])) / total.subs(G, len(blocks["LSTM"])))
    p.identity("GRU / LSTM = 3/4 for any d, h, L, D (3 blocks r, z, n against 4: i, f, g, o): 1/4 fewer",
               ratio, sp.Rational(3, 4), id="gru_lstm_ratio", refutes="a GRU has one third fewer parameters")


def experiment(p):
    import itertools

    import sympy as sp
    import torch

    (d_s, h_s, G_s, L_s, D_s), total = _total_count()
    formula = sp.lambdify((G_s, d_s, h_s, L_s, D_s), total)
    k = sp.Symbol("k", integer=True, positive=True)
    no_bias = sp.lambdify((G_s, d_s, h_s, L_s, D_s), D_s * _layer_count(G_s, d_s, h_s, bias=False) + sp.summation(
        D_s * _layer_count(G_s, D_s * h_s, h_s, bias=False), (k, 2, L_s)))
    single_bias = sp.lambdify((G_s, d_s, h_s, L_s, D_s), D_s * _layer_count(G_s, d_s, h_s, biases=1) + sp.summation(
        D_s * _layer_count(G_s, D_s * h_s, h_s, biases=1), (k, 2, L_s)))

    def numel(module):
        """The real module's count; the single-bias myth (p.myth) counts one bias per block instead."""
        if p.myth and isinstance(module, torch.nn.LSTM):
            return single_bias(4, module.input_size, module.hidden_size, module.num_layers,
                               2 if module.bidirectional else 1)
        return sum(q.numel() for q in module.parameters())

    kinds = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
    cases = []
    for (name, cls), d, h, L, bi, bias in itertools.product(
            kinds.items(), (3, 37), (5, 64), (1, 3), (False, True), (True, False)):
        m = cls(d, h, num_layers=L, bidirectional=bi, bias=bias)
        want = (formula if bias else no_bias)(len(BLOCKS[name]), d, h, L, 2 if bi else 1)
        cases.append((f"{name}(d={d}, h={h}, L={L}, bidirectional={bi}, bias={bias})",
                      abs(sum(q.numel() for q in m.parameters()) - want)))
    p.sweep("|sum(p.numel()) − derived count| over kind × d × h × layers × directions × bias", cases, "<=", 0,
            id="formula_matches_modules")
    lstm_37_64 = torch.nn.LSTM(37, 64)
    p.equal("nn.LSTM(37, 64) parameters", sum(q.numel() for q in lstm_37_64.parameters()),
            int(formula(4, 37, 64, 1, 1)), id="lstm_37_64")
    p.equal("nn.LSTM(37, 64) minus the textbook single-bias count 4·((37 + 64)·64 + 64)",
            numel(lstm_37_64) - int(single_bias(4, 37, 64, 1, 1)), 4 * 64, id="lstm_double_bias_difference",
            refutes="nn.LSTM has one bias vector per gate")
    gru_37_64 = torch.nn.GRU(37, 64, num_layers=2, bidirectional=True)
    lstm_2_bi = torch.nn.LSTM(37, 64, num_layers=2, bidirectional=True)
    p.close("nn.GRU / nn.LSTM parameters (37, 64, 2 layers, bidirectional)",
            sum(q.numel() for q in gru_37_64.parameters()) / sum(q.numel() for q in lstm_2_bi.parameters()),
            0.75, rtol=1e-12, id="gru_lstm_ratio_modules")
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

    def run_gru(module, xs):
        """nn.GRU; or (p.myth) the misconception's GRU, whose b_hn sits outside the reset gate
        like every other bias: n = tanh(W_in x + b_in + b_hn + r ⊙ W_hn h)."""
        if not p.myth:
            return module(xs)[0]
        W_ih, W_hh, b_ih, b_hh = module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0
        h, outs = torch.zeros(xs.shape[1], 8, dtype=f64, device=p.device), []
        for x_t in xs:
            i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, -1)
            h_r, h_z, h_n = (h @ W_hh.T).chunk(3, -1)
            b_r, b_z, b_n = b_hh.chunk(3)
            r, z = torch.sigmoid(i_r + h_r + b_r), torch.sigmoid(i_z + h_z + b_z)
            h = (1 - z) * torch.tanh(i_n + b_n + r * h_n) + z * h
            outs.append(h)
        return torch.stack(outs)

    with torch.no_grad():
        p.allclose("LSTM with all of b_hh folded into b_ih: same outputs", folded(lstm, 32)(x)[0], lstm(x)[0],
                   rtol=1e-12, atol=1e-14, id="lstm_bias_fold")
        p.allclose("GRU with b_hr, b_hz folded into b_ir, b_iz: same outputs", folded(gru, 16)(x)[0], gru(x)[0],
                   rtol=1e-12, atol=1e-14, id="gru_rz_bias_fold")
        gap = (run_gru(folded(gru, 24), x) - run_gru(gru, x)).abs().max()
    p.greater("GRU with b_hn folded into b_in too: max |Δ output| (b_hn is not redundant)", gap, 1e-3,
              id="gru_b_hn_not_redundant", refutes="nn.GRU's b_hn is redundant like the other second biases")
