"""Where nn.LSTM(dropout=p) drops: on the outputs of every layer but the last, never on the recurrence.

Symbolic: a two-layer scalar tanh RNN whose layer-2 input is m_t·h¹_t/(1 − p): the layer-1 state
does not depend on any mask (∂h¹_t/∂m = 0) and E[m/(1 − p)] = 1. Numeric: the real nn.LSTM in
train mode with dropout = 1: layer 1's final state equals the eval-mode one (the recurrence is
untouched), layer 2 sees only zeros, and the returned output is not zeroed; with num_layers = 1
the dropout argument changes nothing (PyTorch warns). Counterfactual (p.myth): an LSTM that
drops its recurrent state h_{t−1} as well, and one that drops its output.
"""

TITLE = {
    "en": "nn.LSTM(dropout=p) drops between layers only, never the recurrent state or the last output",
    "zh": "nn.LSTM(dropout=p) 只在层与层之间做 dropout，不作用于循环状态和最后一层输出",
}
CLAIMS = [
    {
        "en": "nn.LSTM / nn.GRU / nn.RNN apply dropout to the outputs of each layer except the last, as the next layer's input; h_{t−1} → h_t is never dropped.",
        "zh": "nn.LSTM / nn.GRU / nn.RNN 在除最后一层外每一层的输出上做 dropout（作为下一层的输入）；h_{t−1} → h_t 从不被 dropout。",
    },
    {
        "en": "With num_layers = 1 the dropout argument has no effect at all.",
        "zh": "num_layers = 1 时 dropout 参数完全不起作用。",
    },
]


def derive(p):
    import sympy as sp

    w1, u1, w2, u2, q = sp.symbols("w1 u1 w2 u2 p", real=True)
    x1, x2 = sp.symbols("x1 x2", real=True)
    m1, m2 = sp.symbols("m1 m2", real=True)          # Bernoulli(1 − p) masks between the layers
    h1_1 = sp.tanh(u1 * x1)
    h1_2 = sp.tanh(w1 * h1_1 + u1 * x2)               # layer 1: its recurrence sees no mask
    h2_1 = sp.tanh(u2 * m1 * h1_1 / (1 - q))
    h2_2 = sp.tanh(w2 * h2_1 + u2 * m2 * h1_2 / (1 - q))
    p.step("Layer 1, step 2 (no mask on h¹₁ → h¹₂)", h1_2)
    p.step("Layer 2, step 2: its input is the masked, rescaled m₂·h¹₂/(1 − p)", h2_2)
    p.identity("∂h¹₂/∂m₁ = ∂h¹₂/∂m₂ = 0: the masks never reach the layer-1 recurrence",
               sp.Matrix([sp.diff(h1_2, m1), sp.diff(h1_2, m2)]), sp.zeros(2, 1), id="layer1_mask_free")
    at = {w1: sp.Rational(1, 2), u1: 1, w2: sp.Rational(1, 2), u2: 1, q: sp.Rational(1, 2), x1: 1, x2: 1, m1: 1, m2: 1}
    slope = sp.diff(h2_2, m1).subs(at)
    p.holds("(sympy) ∂h²₂/∂m₁ ≠ 0 (at w = ½, u = x = m = 1, p = ½): layer 2 does see the masks",
            bool(sp.N(slope) != 0), sp.N(slope, 4), "≠ 0")
    keep = 1 - q
    p.identity("E[m/(1 − p)] = (1 − p)·1/(1 − p) + p·0 = 1 (inverted dropout keeps the mean)",
               keep * (1 / (1 - q)) + q * 0, 1)


def _lstm(p, layers, dropout):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    m = torch.nn.LSTM(5, 6, num_layers=layers, dropout=dropout, dtype=torch.float64)
    with torch.no_grad():
        for prm in m.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=g, dtype=torch.float64))
    x = torch.randn(12, 3, 5, generator=g, dtype=torch.float64)
    return m.to(p.device), x.to(p.device)


def _myth_layer1(m, x, drop_state):
    """A hand-made layer 1 that (myth) also drops h_{t−1} with p = 1 at every step."""
    import torch

    cell = torch.nn.LSTMCell(5, 6, dtype=torch.float64).to(x.device)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(m, name + "_l0"))
    h = c = torch.zeros(x.shape[1], 6, dtype=torch.float64, device=x.device)
    for x_t in x:
        h, c = cell(x_t, (torch.zeros_like(h) if drop_state else h, c))
    return h


def experiment(p):
    import warnings

    import torch

    m, x = _lstm(p, 2, 1.0)
    m.eval()
    with torch.no_grad():
        _, (h_eval, _) = m(x)
        m.train()
        y, (h_train, _) = m(x)
        h1_train = _myth_layer1(m, x, True) if p.myth else h_train[0]
    p.allclose("train mode, dropout = 1: layer-1 final state vs eval mode", h1_train, h_eval[0], rtol=1e-12,
               atol=1e-14, id="recurrence_not_dropped", refutes="nn.LSTM's dropout masks the recurrent state h_{t−1}")
    gaps = []
    for cls in (torch.nn.GRU, torch.nn.RNN):
        other = cls(5, 6, num_layers=2, dropout=1.0, dtype=torch.float64).to(p.device)
        with torch.no_grad():
            other.eval()
            h_e = other(x)[1]
            other.train()
            h_t = other(x)[1]
        gaps.append((cls.__name__, (h_t[0] - h_e[0]).abs().max()))
    p.sweep("nn.GRU, nn.RNN (2 layers, dropout = 1): layer-1 final state, train vs eval", gaps, "<=", 0.0,
            id="gru_rnn_recurrence_not_dropped")
    top = torch.nn.LSTM(6, 6, dtype=torch.float64).to(p.device)
    top.load_state_dict({k.replace("_l1", "_l0"): v for k, v in m.state_dict().items() if k.endswith("_l1")})
    with torch.no_grad():
        zero_in = top(torch.zeros(12, 3, 6, dtype=torch.float64, device=p.device))[0]
    p.allclose("train mode, dropout = 1: output vs a 1-layer LSTM (layer 2's weights) fed zeros", y, zero_in,
               rtol=1e-12, atol=1e-14, id="layer2_input_dropped")
    out = torch.nn.functional.dropout(y, 1.0) if p.myth else y
    p.equal("train mode, dropout = 1: zero entries in the returned output (of 216)", int((out == 0).sum()), 0,
            id="last_output_not_dropped", refutes="nn.LSTM's dropout also drops the last layer's output")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        single, xs = _lstm(p, 1, 0.5)
    p.holds("nn.LSTM(num_layers=1, dropout=0.5) warns that dropout needs num_layers > 1",
            any("num_layers greater than 1" in str(w.message) for w in caught), "warning", "warning")
    gaps = []
    with torch.no_grad():
        for seed in range(5):
            torch.manual_seed(p.seed + seed)
            single.train()
            out = single(xs)[0]
            if p.myth:
                out = torch.nn.functional.dropout(out, 0.5)
            single.eval()
            gaps.append((f"seed {seed}", (out - single(xs)[0]).abs().max()))
    p.sweep("num_layers = 1, dropout = 0.5: max |train − eval output| over 5 seeds", gaps, "<=", 0.0,
            id="single_layer_no_dropout", refutes="nn.LSTM(…, dropout=0.5) with one layer is regularised")
