"""Bidirectional RNNs: two independent RNNs, one reading the sequence backwards, outputs concatenated.

Symbolic: in a 3-step scalar bidirectional RNN the forward state at t = 1 does not
depend on x₃ (∂h→₁/∂x₃ = 0) while the backward state does, through the product of
the backward chain. Numeric: torch.nn.LSTM(bidirectional=True) equals a forward
nn.LSTM on x concatenated with a second nn.LSTM (the *_reverse weights) run on the
reversed sequence and reversed back; autograd shows output step 0 depends on the last
input only through its backward half.
"""

TITLE = {
    "en": "Bidirectional RNN = forward RNN ⊕ RNN on the reversed sequence",
    "zh": "双向 RNN = 正向 RNN ⊕ 在反转序列上运行的 RNN",
}
CLAIMS = [
    {
        "en": "The output at step t is [h→_t ; h←_t]: h→_t summarises x_1…x_t, h←_t summarises x_t…x_T, so every output sees the whole sequence.",
        "zh": "第 t 步的输出是 [h→_t ; h←_t]：h→_t 概括 x_1…x_t，h←_t 概括 x_t…x_T，因此每个输出都看到整个序列。",
    },
    {
        "en": "torch.nn.LSTM(bidirectional=True) is exactly a forward LSTM plus an LSTM with its own (*_reverse) weights on the reversed input; output size 2h, h_n stacks [forward, backward].",
        "zh": "torch.nn.LSTM(bidirectional=True) 恰好等于一个正向 LSTM 加上一个用独立（*_reverse）权重、在反转输入上运行的 LSTM；输出维度 2h，h_n 按 [正向, 反向] 堆叠。",
    },
    {
        "en": "It needs the whole sequence before producing any output, so it is not usable for step-by-step (causal) prediction.",
        "zh": "它必须先拿到整个序列才能给出输出，因此不能用于逐步（因果）预测。",
    },
]


def derive(p):
    import sympy as sp

    f = sp.Function("f")
    w, u, v, q = sp.symbols("w u v q")  # forward (w, u) and backward (v, q) weights
    x = sp.symbols("x1:4")
    fwd, h = [], sp.Integer(0)
    for t in range(3):
        h = f(w * h + u * x[t])
        fwd.append(h)
    bwd, h = [None] * 3, sp.Integer(0)
    for t in reversed(range(3)):
        h = f(v * h + q * x[t])
        bwd[t] = h
    p.step("Backward chain: h←₁ = f(v·h←₂ + q·x₁), h←₂ = f(v·h←₃ + q·x₂), h←₃ = f(q·x₃)", bwd[0])
    p.identity("∂h→₁/∂x₃ = 0: the forward state cannot see the future", sp.diff(fwd[0], x[2]), 0)
    d = sp.symbols("d1:4")  # f′ at the backward pre-activations
    pre = [bwd[t].args[0] for t in range(3)]
    got = sp.diff(bwd[0], x[2])
    got = got.xreplace({s: d[pre.index(s.point[0])] for s in got.atoms(sp.Subs)})
    got = got.xreplace({dv: d[pre.index(dv.expr.args[0])] for dv in got.atoms(sp.Derivative)})
    p.identity("∂h←₁/∂x₃ = f′(a←₁)·v·f′(a←₂)·v·f′(a←₃)·q", sp.expand(got), d[0] * v * d[1] * v * d[2] * q)


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, T, B = 4, 6, 9, 3
    bi = torch.nn.LSTM(d, n, bidirectional=True, dtype=f64)
    with torch.no_grad():
        for prm in bi.parameters():
            prm.copy_(0.5 * torch.randn(prm.shape, generator=gen, dtype=f64))
    fwd, bwd = torch.nn.LSTM(d, n, dtype=f64), torch.nn.LSTM(d, n, dtype=f64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(fwd, f"{name}_l0").copy_(getattr(bi, f"{name}_l0"))
            getattr(bwd, f"{name}_l0").copy_(getattr(bi, f"{name}_l0_reverse"))
    bi, fwd, bwd = bi.to(p.device), fwd.to(p.device), bwd.to(p.device)
    xs = torch.randn(T, B, d, generator=gen, dtype=f64).to(p.device).requires_grad_()
    out, (hn, cn) = bi(xs)
    with torch.no_grad():
        out_f, (hn_f, _) = fwd(xs)
        out_b, (hn_b, _) = bwd(torch.flip(xs, [0]))
        rebuilt = torch.cat([out_f, torch.flip(out_b, [0])], dim=-1)
    p.equal("bidirectional output shape (T, B, 2h)", tuple(out.shape), (T, B, 2 * n))
    p.allclose("nn.LSTM(bidirectional) vs [forward LSTM(x) ; flip(LSTM_reverse(flip(x)))]", out, rebuilt,
               rtol=1e-12, atol=1e-14)
    p.allclose("h_n = [forward final state ; backward final state (at t = 0)]", hn, torch.cat([hn_f, hn_b]),
               rtol=1e-12, atol=1e-14)
    if p.myth:
        # The misconception: the second direction is another left-to-right pass (no reversal).
        out = torch.cat([fwd(xs)[0], bwd(xs)[0]], dim=-1)
    (g_fwd,) = torch.autograd.grad(out[0, :, :n].sum(), xs, retain_graph=True)
    (g_bwd,) = torch.autograd.grad(out[0, :, n:].sum(), xs)
    p.equal("∂(forward half of output 0)/∂x_T: non-zero entries", int(g_fwd[-1].ne(0).sum()), 0)
    p.greater("|∂(backward half of output 0)/∂x_T|, largest entry", g_bwd[-1].abs().max(), 1e-6, id="backward_half_sees_future")
