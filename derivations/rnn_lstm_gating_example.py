"""A widely copied hand-set LSTM memory cell (gate weights 100, biases ∓10), reproduced.

One memory cell reads x = (x₁, x₂, x₃): the value to store is x₁; x₂ = 1 opens the
input gate, x₂ = −1 closes the forget gate (erases the memory), x₃ = 1 opens the
output gate. Gate pre-activations are 100·x₂ − 10 (input), 100·x₂ + 10 (forget) and
100·x₃ − 10 (output). Symbolic: in the limit of large weights each sigmoid becomes a
0/1 switch and the cell outputs exactly 0,0,0,0,0,7,0,0,6. Numeric: with the actual
weights, a hand cell and the real torch.nn.LSTMCell (gate rows i, f, g, o; candidate
scaled by ε so that its tanh is linear) give the same numbers to within the e⁻¹⁰ leak.
torch.nn.LSTMCell squashes candidate and output with tanh, so with candidate weight 1 it
stores tanh(x₁), not x₁: the linear example is reproduced only through the ε scaling.
"""

TITLE = {
    "en": "The hand-set LSTM gating example (weights 100, bias −10), reproduced",
    "zh": "手工设定的 LSTM 门控例子（权重 100，偏置 −10）复现",
}
CLAIMS = [
    {
        "en": "With input gate σ(100x₂ − 10), forget gate σ(100x₂ + 10) and output gate σ(100x₃ − 10), the sequence (1,0,0), (3,1,0), (2,0,0), (4,1,0), (2,0,0), (1,0,1), (3,−1,0), (6,1,0), (1,0,1) stores 0,3,3,7,7,7,0,6,6 and outputs 0,0,0,0,0,7,0,0,6.",
        "zh": "输入门 σ(100x₂ − 10)、遗忘门 σ(100x₂ + 10)、输出门 σ(100x₃ − 10) 时，序列 (1,0,0), (3,1,0), (2,0,0), (4,1,0), (2,0,0), (1,0,1), (3,−1,0), (6,1,0), (1,0,1) 的记忆为 0,3,3,7,7,7,0,6,6，输出为 0,0,0,0,0,7,0,0,6。",
    },
    {
        "en": "A forget gate near 1 (the 'open' gate) keeps the memory; a forget gate near 0 erases it.",
        "zh": "遗忘门接近 1（“打开”）时保留记忆；接近 0 时清除记忆。",
    },
    {
        "en": "σ(−10) < e⁻¹⁰ ≈ 4.5·10⁻⁵: a 'closed' gate leaks that fraction, so large weights make the sigmoid gates nearly binary.",
        "zh": "σ(−10) < e⁻¹⁰ ≈ 4.5·10⁻⁵：“关闭”的门仍会漏过这个比例，因此大权重让 sigmoid 门近似二值。",
    },
]

SEQUENCE = [(1, 0, 0), (3, 1, 0), (2, 0, 0), (4, 1, 0), (2, 0, 0), (1, 0, 1), (3, -1, 0), (6, 1, 0), (1, 0, 1)]
MEMORY = [0, 3, 3, 7, 7, 7, 0, 6, 6]
OUTPUT = [0, 0, 0, 0, 0, 7, 0, 0, 6]


def derive(p):
    import sympy as sp

    k, a = sp.symbols("k a", positive=True)
    sigma = lambda v: 1 / (1 + sp.exp(-v))  # noqa: E731
    # The example's weights are k = 10 times (10·x₂ − 1) etc.; let k → ∞ to get ideal switches.
    on, off = sp.limit(sigma(k * a), k, sp.oo), sp.limit(sigma(-k * a), k, sp.oo)
    p.step("lim_{k→∞} σ(k·a) for a > 0 and σ(−k·a): an ideal open and closed gate", sp.Tuple(on, off))

    def gate(pre):  # pre = (10·x − 1)-style coefficient; only its sign matters in the limit
        return on if pre > 0 else off

    c, mem, out = sp.Integer(0), [], []
    for x1, x2, x3 in SEQUENCE:
        i, f, o = gate(10 * x2 - 1), gate(10 * x2 + 1), gate(10 * x3 - 1)
        c = f * c + i * x1       # candidate g(z) = z = x₁ (linear), as in the example
        mem.append(c)
        out.append(o * c)        # output activation linear as well
    p.identity("memory with ideal gates = 0,3,3,7,7,7,0,6,6", sp.Matrix(mem), sp.Matrix(MEMORY))
    p.identity("output with ideal gates = 0,0,0,0,0,7,0,0,6", sp.Matrix(out), sp.Matrix(OUTPUT))
    leak = sigma(-10)
    p.identity("a 'closed' gate with bias −10 leaks σ(−10) = 1 − σ(10)", leak, 1 - sigma(10))
    p.step("σ(−10) = 1/(1 + e¹⁰) < e⁻¹⁰ ≈", sp.N(sp.exp(-10), 3))


def _hand_cell(seq, scale=1.0):
    """The example's cell, float64; gate weights multiplied by `scale` (scale 1 = weights 100, bias ∓10)."""
    import torch

    c, mem, out = torch.tensor(0.0, dtype=torch.float64), [], []
    for x1, x2, x3 in seq.tolist():
        i = torch.sigmoid(torch.tensor(scale * (100 * x2 - 10), dtype=torch.float64))
        f = torch.sigmoid(torch.tensor(scale * (100 * x2 + 10), dtype=torch.float64))
        o = torch.sigmoid(torch.tensor(scale * (100 * x3 - 10), dtype=torch.float64))
        c = f * c + i * x1
        mem.append(c)
        out.append(o * c)
    return torch.stack(mem), torch.stack(out)


def experiment(p):
    import math

    import torch

    f64 = torch.float64
    seq = torch.tensor(SEQUENCE, dtype=f64)
    memory, output = torch.tensor(MEMORY, dtype=f64), torch.tensor(OUTPUT, dtype=f64)
    # Error bound: each of the 9 steps can leak ≤ e⁻¹⁰ of |c| + |x₁| (≤ 7 + 6) through a closed gate.
    tol = 9 * math.exp(-10) * 13 * 2

    mem, out = _hand_cell(seq)
    p.allclose("hand cell (linear g, h), weights 100 / ∓10: memory", mem, memory, rtol=0, atol=tol)
    p.allclose("hand cell: output", out, output, rtol=0, atol=tol)

    # The real nn.LSTMCell: rows of weight_ih in the order i, f, g, o; the gates read only x.
    # LSTMCell squashes the candidate and the output with tanh, so the example's linear cell is
    # not literally an LSTMCell: scale the candidate by ε (tanh(ε·x₁) ≈ ε·x₁, tanh(c) ≈ c) and
    # read c/ε and h/ε; with candidate weight 1 the tanh shows.
    def lstm_cell(eps):
        cell = torch.nn.LSTMCell(3, 1, dtype=f64)
        with torch.no_grad():
            cell.weight_ih.copy_(torch.tensor([[0, 100, 0], [0, 100, 0], [eps, 0, 0], [0, 0, 100]], dtype=f64))
            cell.bias_ih.copy_(torch.tensor([-10, 10, 0, -10], dtype=f64))
            cell.weight_hh.zero_()
            cell.bias_hh.zero_()
        cell = cell.to(p.device)
        h = torch.zeros(1, 1, dtype=f64, device=p.device)
        c = torch.zeros(1, 1, dtype=f64, device=p.device)
        hs, cs = [], []
        with torch.no_grad():
            for x in seq.to(p.device):
                if p.myth:
                    # The misconception "an open forget gate deletes the memory": c′ = (1 − f)·c + i·g.
                    i, f, g, o = torch.sigmoid(x @ cell.weight_ih.T + cell.bias_ih).squeeze(0).tolist()
                    g = math.tanh(eps * x[0].item())
                    c = (1 - f) * c + i * g
                    h = o * torch.tanh(c)
                else:
                    h, c = cell(x.view(1, 3), (h, c))
                hs.append(h.item() / eps)
                cs.append(c.item() / eps)
        return torch.tensor(cs, dtype=f64), torch.tensor(hs, dtype=f64)

    eps = 1e-4
    cs, hs = lstm_cell(eps)
    p.allclose("nn.LSTMCell, candidate weight ε = 1e-4: memory c/ε", cs, memory, rtol=0, atol=tol,
               id="lstmcell_memory", refutes="an open forget gate deletes the previous memory")
    p.allclose("nn.LSTMCell, candidate weight ε = 1e-4: output h/ε", hs, output, rtol=0, atol=tol, id="lstmcell_output")
    cs_1, _ = lstm_cell(1.0)
    p.greater("nn.LSTMCell with candidate weight 1 (no ε): max |c − table| (tanh(x₁) is stored, not x₁)",
              (cs_1 - memory).abs().max(), 1.0, id="lstmcell_unscaled_gap")
    p.close("a closed gate's leak: torch.sigmoid(−10) vs 1/(1 + e¹⁰)", torch.sigmoid(torch.tensor(-10.0, dtype=f64)),
            1 / (1 + math.exp(10)), rtol=1e-12, id="closed_gate_leak")
    err_100 = (out - output).abs().max()
    err_1000 = (_hand_cell(seq, scale=10.0)[1] - output).abs().max()
    p.greater("max |output − ideal| with weights 100 (the e⁻¹⁰ leak is visible)", err_100, 1e-6, id="leak_error")
    p.less("max |output − ideal| with weights 1000, bias ∓100 (gates even closer to 0/1)", err_1000, 1e-12)
