"""The LSTM equations as PyTorch computes them, gate order i, f, g, o.

Symbolic: unroll the cell update c_t = f_t⊙c_{t−1} + i_t⊙g_t for three steps and show
the cell is a gated running sum, c_T = (∏f)c₀ + ∑_t (∏_{k>t} f_k) i_t g_t.
Numeric: a hand-written LSTM, reading the four gates out of weight_ih/weight_hh in the
order i, f, g, o, reproduces torch.nn.LSTMCell and a 2-layer torch.nn.LSTM to ~1e-15;
reading them in another order does not; and the gated-sum formula gives nn.LSTM's c_T.
"""

TITLE = {
    "en": "LSTM equations checked against torch.nn.LSTM (gate order i, f, g, o)",
    "zh": "LSTM 公式与 torch.nn.LSTM 对照（门顺序 i, f, g, o）",
}
CLAIMS = [
    {
        "en": "i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(…), g = tanh(…), o = σ(…); c′ = f⊙c + i⊙g; h′ = o⊙tanh(c′).",
        "zh": "i = σ(W_ii x + b_ii + W_hi h + b_hi)，f = σ(…)，g = tanh(…)，o = σ(…)；c′ = f⊙c + i⊙g；h′ = o⊙tanh(c′)。",
    },
    {
        "en": "torch stacks the four gates in weight_ih_l0 (4h × d) and weight_hh_l0 (4h × h) in the order i, f, g, o; any other reading gives a different network.",
        "zh": "torch 把四个门按 i, f, g, o 的顺序堆叠在 weight_ih_l0（4h × d）和 weight_hh_l0（4h × h）中；换一种顺序读取就是另一个网络。",
    },
    {
        "en": "The cell is a gated running sum: c_T = (∏_t f_t)⊙c_0 + ∑_t (∏_{k>t} f_k)⊙i_t⊙g_t.",
        "zh": "细胞状态是带门控的累加：c_T = (∏_t f_t)⊙c_0 + ∑_t (∏_{k>t} f_k)⊙i_t⊙g_t。",
    },
]


def derive(p):
    import sympy as sp

    T = 3
    f = sp.symbols(f"f1:{T + 1}")
    i = sp.symbols(f"i1:{T + 1}")
    g = sp.symbols(f"g1:{T + 1}")
    c = [sp.Symbol("c0")]
    for t in range(T):
        # p.myth: the misconception "an open forget gate erases the memory", c_t = (1 − f_t)c_{t−1} + i_t g_t.
        keep = 1 - f[t] if p.myth else f[t]
        c.append(keep * c[-1] + i[t] * g[t])
    p.step("c_t = f_t c_{t−1} + i_t g_t, unrolled three steps (per unit)", c[-1])
    p.step("Expanded", sp.expand(c[-1]))
    gated_sum = sp.Mul(*f) * c[0] + sum(sp.Mul(*f[t + 1:]) * i[t] * g[t] for t in range(T))
    p.identity("c₃ = f₁f₂f₃·c₀ + f₂f₃·i₁g₁ + f₃·i₂g₂ + i₃g₃: a running sum, each term weighted by later forget gates",
               sp.expand(c[-1]), sp.expand(gated_sum), shown=sp.Eq(sp.Symbol("c₃"), gated_sum, evaluate=False))
    keep = {**{fk: 1 for fk in f}, **{ik: 0 for ik in i}}
    p.identity("f = 1, i = 0 at every step: c₃ = c₀, the memory is held unchanged", c[-1].subs(keep), c[0], id="lstm_memory_held",
               refutes="an open forget gate (f ≈ 1) erases the memory")
    reset = {f[-1]: 0, i[-1]: 1}
    p.identity("f₃ = 0, i₃ = 1: c₃ = g₃, the old memory is erased and replaced", c[-1].subs(reset), g[-1])


def _hand_lstm(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo", chained=False):
    """One LSTM step from the stacked weights, reading the gate blocks in `order`: all four
    pre-activations come out of one matmul. `chained` is the misconception that the gates are
    related and must be computed one after another (each gate's input includes the previous gate)."""
    import torch

    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    blocks = dict(zip(order, a.chunk(4, dim=-1)))
    if chained:
        blocks["f"] = blocks["f"] + torch.sigmoid(blocks["i"])
        blocks["g"] = blocks["g"] + torch.sigmoid(blocks["f"])
        blocks["o"] = blocks["o"] + torch.tanh(blocks["g"])
    i, f, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["f"]), torch.sigmoid(blocks["o"])
    g = torch.tanh(blocks["g"])
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new, (i, f, g)


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, T, B = 5, 7, 12, 3

    def randomise(module):
        with torch.no_grad():
            for prm in module.parameters():
                prm.copy_(0.5 * torch.randn(prm.shape, generator=gen, dtype=f64))
        return module.to(p.device)

    cell = randomise(torch.nn.LSTMCell(d, n, dtype=f64))
    x = torch.randn(B, d, generator=gen, dtype=f64).to(p.device)
    h = torch.randn(B, n, generator=gen, dtype=f64).to(p.device)
    c = torch.randn(B, n, generator=gen, dtype=f64).to(p.device)
    with torch.no_grad():
        h_ref, c_ref = cell(x, (h, c))
        args = (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
        h_hand, c_hand, _ = _hand_lstm(x, h, c, *args, chained=p.myth)
        p.allclose("hand LSTM, all four gates from one stacked matmul (order i,f,g,o) vs nn.LSTMCell: h′",
                   h_hand, h_ref, rtol=1e-12, atol=1e-14, id="parallel_gates_h",
                   refutes="the four gates are related and cannot be computed in parallel")
        p.allclose("hand LSTM (order i,f,g,o) vs nn.LSTMCell: c′", c_hand, c_ref, rtol=1e-12, atol=1e-14,
                   id="parallel_gates_c")
        wrong = min((_hand_lstm(x, h, c, *args, order=o)[1] - c_ref).abs().max().item()
                    for o in ("figo", "igfo", "ifog", "gifo"))
    p.greater("smallest max |Δc′| when the blocks are read in another order (figo, igfo, ifog, gifo)", wrong, 1e-2)

    # The real cell with its forget gate open (bias +30: f ≈ 1) and its input gate closed
    # (bias −30: i ≈ 0) holds the memory: three steps leave c where it was.
    held = randomise(torch.nn.LSTMCell(d, n, dtype=f64))
    with torch.no_grad():
        held.bias_ih[n:2 * n] += 30.0   # forget gate
        held.bias_ih[:n] -= 30.0        # input gate
        c_t, h_t = c.clone(), h.clone()
        for _ in range(3):
            if p.myth:  # the misconception: an open forget gate erases, c′ = (1 − f)·c + i·g
                _, _, (i_g, f_g, g_g) = _hand_lstm(x, h_t, c_t, held.weight_ih, held.weight_hh, held.bias_ih,
                                                   held.bias_hh)
                c_t = (1 - f_g) * c_t + i_g * g_g
            else:
                h_t, c_t = held(x, (h_t, c_t))
        drift = (c_t - c).abs().max()
    p.less("nn.LSTMCell with f ≈ 1 (bias +30), i ≈ 0 (bias −30): max |c₃ − c₀| (the memory is held)", drift, 1e-9,
           id="lstmcell_memory_held", refutes="an open forget gate (f ≈ 1) erases the memory")

    # Two stacked layers over T steps: the hand cell, applied layer by layer, is nn.LSTM.
    lstm = randomise(torch.nn.LSTM(d, n, num_layers=2, dtype=f64))
    xs = torch.randn(T, B, d, generator=gen, dtype=f64).to(p.device)
    h0 = torch.randn(2, B, n, generator=gen, dtype=f64).to(p.device)
    c0 = torch.randn(2, B, n, generator=gen, dtype=f64).to(p.device)
    with torch.no_grad():
        out_ref, (hn_ref, cn_ref) = lstm(xs, (h0, c0))
        layer_in, hn, cn, gates0 = xs, [], [], []
        for layer in range(2):
            W = [getattr(lstm, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h_t, c_t, outs = h0[layer], c0[layer], []
            for t in range(T):
                h_t, c_t, gates = _hand_lstm(layer_in[t], h_t, c_t, *W)
                outs.append(h_t)
                if layer == 0:
                    gates0.append(gates)
            layer_in = torch.stack(outs)
            hn.append(h_t)
            cn.append(c_t)
        p.allclose("hand 2-layer LSTM vs nn.LSTM: output sequence", layer_in, out_ref, rtol=1e-11, atol=1e-13)
        p.allclose("hand 2-layer LSTM vs nn.LSTM: (h_n, c_n)", torch.stack(hn + cn), torch.cat([hn_ref, cn_ref]),
                   rtol=1e-11, atol=1e-13)
        # The gated running sum, from the layer-0 gates, against nn.LSTM's c_n of layer 0.
        i_s = torch.stack([gt[0] for gt in gates0])
        f_s = torch.stack([gt[1] for gt in gates0])
        g_s = torch.stack([gt[2] for gt in gates0])
        later = torch.flip(torch.cumprod(torch.flip(f_s, [0]), 0), [0])  # later[t] = ∏_{k≥t} f_k
        later_excl = torch.cat([later[1:], torch.ones_like(later[:1])])    # ∏_{k>t} f_k
        c_sum = later[0] * c0[0] + (later_excl * i_s * g_s).sum(0)
        p.allclose("(∏f)·c₀ + ∑_t (∏_{k>t} f_k)·i_t·g_t vs nn.LSTM's c_T (layer 0)", c_sum, cn_ref[0],
                   rtol=1e-11, atol=1e-13)
