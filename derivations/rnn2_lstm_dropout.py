"""Where nn.LSTM(dropout=p) drops: on the outputs of every layer but the last, never on the recurrence.

Symbolic: a two-layer, one-unit LSTM written in sympy with symbolic masks m_t/(1 − p), placed either
between the layers (layer 2's input) or on layer 1's recurrence h¹_{t−1}; evaluated at the masks the real
nn.LSTM(dropout=½) drew in train mode (the RNG stream replayed), only the between-layers placement
reproduces the module's output, and in that model ∂h¹_T/∂m_t = 0: no mask reaches the recurrence;
E[m/(1 − p)] = 1 from the Bernoulli law. Numeric: the real nn.LSTM in
train mode with dropout = 1: layer 1's final state equals the eval-mode one (the recurrence is
untouched), layer 2 sees only zeros, and the returned output is not zeroed; with num_layers = 1
the dropout argument changes nothing (PyTorch warns). Counterfactual (p.myth): an LSTM that
drops its recurrent state h_{t−1} (in the sympy part: with the masks nn.LSTM drew,
instead of between the layers), and one that drops its output.
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


_T = 6          # steps of the symbolic stacked LSTM
_P = 0.5        # dropout probability of the symbolic check


def _lstm_step(x, h, c, w):
    """One step of a one-unit LSTM layer (PyTorch's gate order i, f, g, o) as sympy expressions;
    ``w`` holds the rows weight_ih, weight_hh, bias_ih, bias_hh."""
    import sympy as sp

    z = [w[0][k] * x + w[1][k] * h + w[2][k] + w[3][k] for k in range(4)]
    i, f, o = (1 / (1 + sp.exp(-z[k])) for k in (0, 1, 3))
    c_new = f * c + i * sp.tanh(z[2])
    return o * sp.tanh(c_new), c_new


def _step_maps(place):
    """The step maps of two stacked one-unit LSTM layers with a dropout mask m (kept with
    probability 1 − p, scaled by 1/(1 − p)) either between the layers (layer 2's input
    m·h¹_t/(1 − p)) or on layer 1's recurrent state (h¹_t = LSTM(x_t, m·h¹_{t−1}/(1 − p)))."""
    import sympy as sp

    x, m, q = sp.symbols("x m p", real=True)
    h1, c1, h2, c2 = sp.symbols("h1 c1 h2 c2", real=True)  # the states at t − 1
    w = [[[sp.Symbol(f"{n}{k}_{g}", real=True) for g in "ifgo"] for n in ("W", "U", "b", "d")] for k in (1, 2)]
    keep = m / (1 - q)
    h1_new, c1_new = _lstm_step(x, keep * h1 if place == "recurrent" else h1, c1, w[0])
    h2_new, c2_new = _lstm_step(keep * h1_new if place == "between" else h1_new, h2, c2, w[1])
    return (x, m, q, h1, c1, h2, c2, w), (h1_new, c1_new, h2_new, c2_new)


def _module_run(p):
    """A 2-layer, one-unit nn.LSTM(dropout=p) in train mode on CPU, and the masks it drew (the same
    RNG stream replayed through F.dropout). Under p.myth the module is a hand-made LSTM that drops
    layer 1's recurrent state h_{t−1} with those masks instead."""
    import torch

    g = torch.Generator().manual_seed(p.seed)
    m = torch.nn.LSTM(1, 1, num_layers=2, dropout=_P, dtype=torch.float64)
    with torch.no_grad():
        for prm in m.parameters():
            prm.copy_(torch.randn(prm.shape, generator=g, dtype=torch.float64))
    x = torch.randn(_T, 1, 1, generator=g, dtype=torch.float64)
    with torch.random.fork_rng(devices=[]):
        for offset in range(1, 100):     # the first seed whose masks both keep and drop
            torch.manual_seed(p.seed + offset)
            masks = torch.nn.functional.dropout(torch.ones(_T, 1, 1, dtype=torch.float64), _P) * (1 - _P)
            if 0 < masks.sum() < _T:
                break
        torch.manual_seed(p.seed + offset)
        m.train()
        with torch.no_grad():
            if not p.myth:
                y = m(x)[0]
            else:
                cells = [torch.nn.LSTMCell(1, 1, dtype=torch.float64) for _ in range(2)]
                for k, cell in enumerate(cells):
                    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                        getattr(cell, name).data.copy_(getattr(m, f"{name}_l{k}"))
                state = [(torch.zeros(1, 1, dtype=torch.float64),) * 2 for _ in cells]
                out = []
                for t in range(_T):
                    h, c = state[0]
                    state[0] = cells[0](x[t], (h * masks[t] / (1 - _P), c))
                    state[1] = cells[1](state[0][0], state[1])
                    out.append(state[1][0])
                y = torch.stack(out)
    weights = [[[float(v) for v in getattr(m, f"{name}_l{k}").detach().flatten()]
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] for k in range(2)]
    return weights, x.flatten().tolist(), masks.flatten().tolist(), y.flatten().tolist()


def derive(p):
    import sympy as sp

    weights, xs, drawn, y = _module_run(p)
    models = {}
    for place in ("between", "recurrent"):
        (x, m, q, h1, c1, h2, c2, w), new = _step_maps(place)
        flat = [s for layer in w for row in layer for s in row]
        step = sp.lambdify([x, m, q, h1, c1, h2, c2, *flat], new, "math")
        values = [v for layer in weights for row in layer for v in row]
        state = (0.0, 0.0, 0.0, 0.0)
        out = []
        for x_t, m_t in zip(xs, drawn):
            state = step(x_t, m_t, _P, *state, *values)
            out.append(state[2])
        models[place] = (max(abs(a - b) for a, b in zip(out, y)), m, new)
    p.step("Two candidate placements of the mask m (Bernoulli(1 − p), scaled by 1/(1 − p)) in a 2-layer "
           "LSTM: between the layers (layer 2's input m·h¹_t/(1 − p)) or on layer 1's recurrence "
           "(h¹_t = LSTM(x_t, m·h¹_{t−1}/(1 − p))). Each is iterated at the masks nn.LSTM(dropout=½) drew")
    p.close(f"(sympy) between-layers model at the drawn masks {[int(v) for v in drawn]} vs the module's "
            "train-mode output (max |Δ| over the steps)", models["between"][0], 0.0, atol=1e-12,
            id="masks_between_layers", refutes="nn.LSTM's dropout masks act on the recurrent connection")
    p.greater("(sympy) recurrent-mask model at the same masks vs that output (max |Δ|)",
              models["recurrent"][0], 1e-6, id="masks_not_recurrent")
    found = min(models, key=lambda k: models[k][0])
    _, m, (h1_new, c1_new, h2_new, _) = models[found]
    p.step(f"The placement that reproduces the module: {found}")
    reach = [name for name, e in (("h¹_t", h1_new), ("c¹_t", c1_new)) if sp.diff(e, m) != 0]
    p.holds("(sympy) ∂h¹_t/∂m = ∂c¹_t/∂m = 0 in that model's layer-1 step map, so by the chain rule "
            "∂h¹_T/∂m_t = 0 for every t: no mask reaches the layer-1 recurrence",
            not reach, "depends on m: " + ", ".join(reach) if reach else "0", "0",
            id="layer1_mask_free", refutes="nn.LSTM's dropout masks act on the recurrent connection")
    p.holds("(sympy) ∂h²_t/∂m ≠ 0 in that model: layer 2 does see the masks",
            sp.diff(h2_new, m) != 0, "depends on m" if sp.diff(h2_new, m) != 0 else "0", "≠ 0")
    q, k = sp.symbols("p k")
    pmf = {0: q, 1: 1 - q}                               # Bernoulli(1 − p): keep with probability 1 − p
    terms = [sp.Mul(pmf[v], sp.Integer(v) / (1 - q), evaluate=False) for v in pmf]
    p.identity("E[m/(1 − p)] = Σ_m P(m)·m/(1 − p) = 1: inverted dropout keeps the mean",
               sum(pmf[v] * (k / (1 - q)).subs(k, v) for v in pmf), 1,
               sp.Eq(sp.Add(*terms, evaluate=False), 1, evaluate=False))


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
