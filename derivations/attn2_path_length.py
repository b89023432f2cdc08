"""Why self-attention instead of recurrence or convolution: path length, sequential steps, FLOPs.

Symbolic: for a signal to travel from input position 1 to output position n, an RNN needs n − 1
recurrent steps (done one after another); a stack of causal convolutions with kernel k needs
⌈(n − 1)/(k − 1)⌉ layers (the receptive field grows by k − 1 per layer), with dilations k^l only
⌈log_k n⌉; one self-attention layer connects every pair directly (path 1, all positions in
parallel). Per layer, from the matmul shapes: the attention op QKᵀ and AV costs 4n²d FLOPs,
the four projections 8nd²; an Elman RNN layer 4nd², an LSTM 16nd². Numeric: autograd on stacks
of real causal nn.Conv1d finds the first layer count at which ∂y_n/∂x_1 ≠ 0 equal to the
formula over sizes; one nn.MultiheadAttention layer already has ∂y_n/∂x_1 ≠ 0;
torch.utils.flop_counter counts the layers and matches the formulas, and shows that the
projections make a self-attention layer cost more than an Elman RNN layer of the same width at
every n tried, also n < d. Counterfactual (p.myth): the attention layer is costed without its
projections (only the n²d op of the usual table).
"""

TITLE = {
    "en": "Self-attention vs RNN vs CNN: path length 1, no sequential steps, and what it costs",
    "zh": "自注意力 vs RNN vs CNN：路径长度 1、无需顺序计算，以及它的代价",
}
CLAIMS = [
    {
        "en": "Maximum path length: RNN n − 1, causal CNN ⌈(n − 1)/(k − 1)⌉ layers (⌈log_k n⌉ dilated), self-attention 1.",
        "zh": "最长路径：RNN 为 n − 1，因果 CNN 为 ⌈(n − 1)/(k − 1)⌉ 层（空洞卷积为 ⌈log_k n⌉），自注意力为 1。",
    },
    {
        "en": "Per layer: attention op 4n²d FLOPs plus projections 8nd²; Elman RNN 4nd², LSTM 16nd². The n²d vs nd² comparison ignores the projections.",
        "zh": "每层：注意力运算 4n²d FLOPs，加投影 8nd²；Elman RNN 为 4nd²，LSTM 为 16nd²。n²d 对 nd² 的比较忽略了投影。",
    },
]


def _formulas():
    import sympy as sp

    n, d, k = sp.symbols("n d k", positive=True, integer=True)
    return n, d, k, {
        "attention_op": 2 * n * n * d + 2 * n * n * d,     # QKᵀ (n×d·d×n) and AV (n×n·n×d)
        "projections": 4 * (2 * n * d * d),                # W_Q, W_K, W_V, W_O
        "elman": n * (2 * d * d + 2 * d * d),              # per step W_ih x and W_hh h
        "lstm": n * 4 * (2 * d * d + 2 * d * d),           # four gate blocks
        "conv_layers": sp.ceiling((n - 1) / (k - 1)),
    }


def derive(p):
    import sympy as sp

    n, d, k, f = _formulas()
    L = sp.Symbol("L", positive=True, integer=True)
    field = 1 + L * (k - 1)
    p.step("receptive field of L causal convolutions with kernel k", field)
    p.identity("smallest L with 1 + L(k − 1) ≥ n solves L = (n − 1)/(k − 1) (then rounded up)",
               sp.solve(sp.Eq(field, n), L)[0], (n - 1) / (k - 1))
    p.identity("dilations 1, k, k², …: receptive field k^L, so L = log_k n", sp.solve(sp.Eq(k ** L, n), L)[0],
               sp.log(n) / sp.log(k))
    p.step("attention op (QKᵀ, AV) from the shapes", f["attention_op"])
    p.identity("attention op ≤ Elman recurrence (4n²d ≤ 4nd²) exactly when n ≤ d",
               sp.factor(f["attention_op"] - f["elman"]), 4 * d * n * (n - d))
    p.identity("with projections: attention − Elman = 4nd² + 4n²d > 0 for all n, d",
               sp.expand(f["attention_op"] + f["projections"] - f["elman"]), 4 * n * d**2 + 4 * n**2 * d,
               id="attention_minus_elman")
    p.identity("with projections vs LSTM: 4n²d + 8nd² − 16nd² = 4nd(n − 2d): cheaper only for n < 2d",
               sp.factor(f["attention_op"] + f["projections"] - f["lstm"]), 4 * d * n * (n - 2 * d))


def _first_connected(p, n, k, dilated):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(1, 1, n, generator=g, dtype=torch.float64).to(p.device).requires_grad_()
    h, layers = x, 0
    while True:
        dilation = k ** layers if dilated else 1
        conv = torch.nn.Conv1d(1, 1, k, dilation=dilation, bias=False, dtype=torch.float64).to(p.device)
        with torch.no_grad():
            conv.weight.copy_(0.5 + torch.rand(conv.weight.shape, generator=g, dtype=torch.float64))
        h = conv(torch.nn.functional.pad(h, ((k - 1) * dilation, 0)))   # causal: pad on the left
        layers += 1
        (grad,) = torch.autograd.grad(h[0, 0, n - 1], x, retain_graph=True)
        if grad[0, 0, 0] != 0:
            return layers


def _lstm_loop(cell, xs):
    """One LSTM layer step by step. On a GPU nn.LSTM runs as one fused cuDNN kernel (aten._cudnn_rnn), for which
    flop_counter has no formula; a cell loop is counted through its matmuls on every device."""
    import torch

    h = c = torch.zeros(1, cell.hidden_size, dtype=xs.dtype, device=xs.device)
    for x_t in xs:
        h, c = cell(x_t[None], (h, c))
    return h


def _elman_loop(cell, xs):
    """One Elman layer (nn.RNN's computation) step by step, for the same reason."""
    import torch

    h = torch.zeros(1, cell.hidden_size, dtype=xs.dtype, device=xs.device)
    for x_t in xs:
        h = cell(x_t[None], h)
    return h


def experiment(p):
    import math

    import sympy as sp
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    n_s, d_s, k_s, f = _formulas()
    layers = sp.lambdify((n_s, k_s), f["conv_layers"])
    mismatch = [(f"n = {n}, k = {k}", abs(_first_connected(p, n, k, False) - layers(n, k)))
                for n in (5, 16, 33) for k in (2, 3, 5)]
    p.sweep("|layers of causal nn.Conv1d until ∂y_n/∂x_1 ≠ 0 − ⌈(n − 1)/(k − 1)⌉|", mismatch, "<=", 0,
            id="conv_layers_formula")
    dil = [(f"n = {n}, k = {k}", abs(_first_connected(p, n, k, True) - math.ceil(math.log(n) / math.log(k) - 1e-12)))
           for n in (8, 16, 27, 64) for k in (2, 3)]
    p.sweep("dilated (k^l): |layers until connected − ⌈log_k n⌉|", dil, "<=", 0, id="dilated_layers_formula")
    p.equal("causal convs, k = 3: layers for n = 33", _first_connected(p, 33, 3, False), layers(33, 3),
            id="conv_layers_n33_k3")

    g = torch.Generator().manual_seed(p.seed)
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64).to(p.device)
    x = torch.randn(1, 33, 8, generator=g, dtype=torch.float64).to(p.device).requires_grad_()
    y = mha(x, x, x, need_weights=False)[0]
    (grad,) = torch.autograd.grad(y[0, -1].sum(), x)
    p.greater("one nn.MultiheadAttention layer: ‖∂y_33/∂x_1‖ (path length 1)", grad[0, 0].norm(), 0.0,
              id="attention_one_layer")

    def flops(fn, *args):
        with FlopCounterMode(display=False) as counter:
            fn(*args)
        return counter.get_total_flops()

    def attention_op(q, k_, v):
        return torch.softmax(q @ k_.transpose(1, 2) / math.sqrt(q.shape[-1]), -1) @ v

    def attention_layer(xs, lin):
        q, k_, v = (m(xs) for m in lin[:3])
        return lin[3](attention_op(q, k_, v))

    d = 64
    ratios, checks, lstm_sides, layer_vs_cells = [], [], [], []
    for n in (8, 32, 96, 160):
        xs = torch.randn(1, n, d, dtype=torch.float64, device=p.device)
        lin = [torch.nn.Linear(d, d, dtype=torch.float64).to(p.device) for _ in range(4)]
        with torch.no_grad():
            qkv = [m(xs) for m in lin[:3]]
        rnn = torch.nn.RNN(d, d, dtype=torch.float64)
        lstm_layer = torch.nn.LSTM(d, d, dtype=torch.float64)
        elman_cell = torch.nn.RNNCell(d, d, dtype=torch.float64)
        cell = torch.nn.LSTMCell(d, d, dtype=torch.float64)
        elman_cell.load_state_dict({k[:-3]: v for k, v in rnn.state_dict().items()})     # nn.RNN's own weights
        cell.load_state_dict({k[:-3]: v for k, v in lstm_layer.state_dict().items()})
        # On the CPU the full nn.RNN / nn.LSTM layers decompose into matmuls the counter sees: they must cost
        # what their cell loops cost. (Counted on CPU tensors on every device: a GPU fuses them into cuDNN.)
        x_cpu = xs[0].cpu()
        elman_cpu, lstm_cpu = flops(_elman_loop, elman_cell, x_cpu), flops(_lstm_loop, cell, x_cpu)
        layer_vs_cells.append((f"n = {n}", abs(flops(rnn, x_cpu[:, None]) - elman_cpu)
                               + abs(flops(lstm_layer, x_cpu[:, None]) - lstm_cpu)))
        op, layer = flops(attention_op, *qkv), flops(attention_layer, xs, lin)
        if xs.device.type == "cpu":     # the cell loops were just counted on these very tensors
            elman, lstm = elman_cpu, lstm_cpu
        else:
            elman_cell, cell = elman_cell.to(p.device), cell.to(p.device)
            elman, lstm = flops(_elman_loop, elman_cell, xs[0]), flops(_lstm_loop, cell, xs[0])
        at = {n_s: n, d_s: d}
        checks += [(f"n = {n}, attention op", abs(op - int(f["attention_op"].subs(at)))),
                   (f"n = {n}, attention layer", abs(layer - int((f["attention_op"] + f["projections"]).subs(at)))),
                   (f"n = {n}, nn.RNN (as an RNNCell loop)", abs(elman - int(f["elman"].subs(at)))),
                   (f"n = {n}, nn.LSTMCell loop", abs(lstm - int(f["lstm"].subs(at))))]
        lstm_sides.append((f"n = {n}", (layer - lstm) * (n - 2 * d)))
        # p.myth: cost the layer as its n²d op only, as the usual complexity table does.
        ratios.append((f"n = {n}, d = 64", (op if p.myth else layer) / elman))
    p.sweep("|flop_counter − formula| for the attention op, the attention layer, nn.RNN and an LSTMCell loop", checks, "<=", 0,
            id="flops_match")
    p.sweep("CPU: |FLOPs(nn.RNN) − FLOPs(its RNNCell loop)| + |FLOPs(nn.LSTM) − FLOPs(its LSTMCell loop)|",
            layer_vs_cells, "<=", 0, id="layers_count_as_cells_cpu")
    p.sweep("(FLOPs(attention layer) − FLOPs(LSTM)) · (n − 2d): attention is cheaper exactly when n < 2d", lstm_sides,
            ">=", 0, id="lstm_crossover_2d")
    p.sweep("FLOPs(self-attention layer) / FLOPs(nn.RNN layer), d = 64, n = 8 … 160", ratios, ">", 1.0,
            id="attention_costs_more_than_elman", refutes="self-attention is cheaper than a recurrent layer when n < d")
