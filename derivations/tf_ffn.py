"""The position-wise feed-forward block: 4d hidden, 8d² + 5d parameters; GELU and SwiGLU.

Symbolic: FFN(x) = W₂·act(W₁x + b₁) + b₂ with W₁ (4d × d), W₂ (d × 4d) has 8d² + 5d parameters.
SwiGLU uses three matrices, (Swish(xW) ⊙ xV)W₂: 3·d·h_f weights equal the 8d² of the GELU block
when h_f = 8d/3 (LLaMA rounds it up to a multiple of 256: d = 4096 → 11008). GELU(x) = x·Φ(x)
= ½x(1 + erf(x/√2)); matching the Taylor series of ½x(1 + tanh(a(x + bx³))) to x⁴ gives a = √(2/π)
and b = 2/(3π) − 1/6 ≈ 0.0455 — the published 0.044715 is not the series value (the GELU paper gives
it without derivation); on [−6, 6] it has the smaller maximum error, as a numerical fit would.
Numeric: linear1 + linear2 of nn.TransformerEncoderLayer(d, h, 4d) hold 8d² + 5d parameters;
the block is position-wise: its Jacobian across tokens is block-diagonal and it equals a Conv1d
with kernel size 1; F.gelu equals the derived x·Φ(x), and its tanh approximation differs by a
small measured amount.
"""

TITLE = {
    "en": "Position-wise FFN: 4d hidden, 8d² + 5d parameters; GELU and SwiGLU",
    "zh": "逐位置前馈网络：隐藏层 4d，参数 8d² + 5d；GELU 与 SwiGLU",
}
CLAIMS = [
    {
        "en": "The FFN applies the same two-layer MLP to every position separately (a 1×1 convolution); with a 4d "
              "hidden layer it has 8d² + 5d parameters, twice the attention block's 4d² + 4d.",
        "zh": "FFN 对每个位置独立地施加同一个两层 MLP（相当于 1×1 卷积）；隐藏层 4d 时有 8d² + 5d 个参数，是注意力块 4d² + 4d 的两倍。",
    },
    {
        "en": "GELU(x) = x·Φ(x); SwiGLU needs three matrices, so its hidden width 8d/3 keeps the parameter count of a 4d GELU FFN.",
        "zh": "GELU(x) = x·Φ(x)；SwiGLU 需要三个矩阵，所以隐藏宽度取 8d/3 才与 4d 的 GELU FFN 参数量相同。",
    },
]


def _ffn_counts():
    import sympy as sp

    d, hf = sp.symbols("d h_f", positive=True)
    gelu_ffn = (4 * d) * d + 4 * d + d * (4 * d) + d
    swiglu = 3 * d * hf
    return (d, hf), gelu_ffn, swiglu


def _tanh_series():
    """Match the Taylor series of ½x(1 + tanh(a(x + bx³))) to GELU's up to x⁴: the series values of a and b."""
    import sympy as sp

    x, a, b = sp.symbols("x a b", real=True)
    gelu = x * (1 + sp.erf(x / sp.sqrt(2))) / 2
    exact = sp.series(gelu, x, 0, 5).removeO()
    approx = sp.series(x * (1 + sp.tanh(a * (x + b * x ** 3))) / 2, x, 0, 5).removeO()
    sol = sp.solve([sp.Eq(exact.coeff(x, 2), approx.coeff(x, 2)), sp.Eq(exact.coeff(x, 4), approx.coeff(x, 4))],
                   [a, b], dict=True)
    return (a, b), next(s for s in sol if s[a].is_positive)


def derive(p):
    import sympy as sp

    (d, hf), gelu_ffn, swiglu = _ffn_counts()
    p.identity("W₁ (4d×d) + b₁ + W₂ (d×4d) + b₂ = 8d² + 5d", gelu_ffn, 8 * d ** 2 + 5 * d, id="ffn_params")
    width = sp.solve(sp.Eq(swiglu, 8 * d ** 2), hf)[0]
    p.identity("3·d·h_f = 8d² ⇒ h_f = 8d/3", width, sp.Rational(8, 3) * d, id="swiglu_width")
    x = sp.Symbol("x", real=True)
    gelu = x * (1 + sp.erf(x / sp.sqrt(2))) / 2
    Phi = (1 + sp.erf(x / sp.sqrt(2))) / 2
    p.identity("GELU′(x) = Φ(x) + x·φ(x), φ the normal density", sp.diff(gelu, x),
               Phi + x * sp.exp(-x ** 2 / 2) / sp.sqrt(2 * sp.pi))
    (a, b), sol = _tanh_series()
    p.identity("series match to x⁴: a = √(2/π)", sol[a], sp.sqrt(2 / sp.pi))
    p.identity("series match to x⁴: b = 2/(3π) − 1/6", sp.simplify(sol[b]), 2 / (3 * sp.pi) - sp.Rational(1, 6),
               id="tanh_series_b")
    p.step("b ≈", sp.N(sol[b], 4))


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F

    (d_s, hf_s), gelu_ffn, swiglu = _ffn_counts()
    ffn_f = sp.lambdify(d_s, gelu_ffn)
    cases = []
    for d in (32, 64, 256):
        layer = torch.nn.TransformerEncoderLayer(d, 4, 4 * d, device="meta")
        got = sum(q.numel() for m in (layer.linear1, layer.linear2) for q in m.parameters())
        cases.append((f"d={d}", abs(got - ffn_f(d))))
    p.sweep("|linear1 + linear2 of nn.TransformerEncoderLayer(d, 4, 4d) − (8d² + 5d)|", cases, "<=", 0,
            id="ffn_matches_layer")
    f64 = torch.float64
    torch.manual_seed(p.seed)
    d, n = 8, 5
    layer = torch.nn.TransformerEncoderLayer(d, 2, 4 * d, dropout=0.0, activation="gelu", batch_first=True,
                                             dtype=f64).to(p.device)

    def ffn(x):
        return layer.linear2(layer.activation(layer.linear1(x)))

    x = torch.randn(n, d, dtype=f64, device=p.device)
    J = torch.autograd.functional.jacobian(ffn, x)              # (n, d, n, d)
    cross = J.clone()
    for i in range(n):
        cross[i, :, i, :] = 0
    p.less("max |∂FFN(x)_i/∂x_j| for tokens i ≠ j (position-wise)", cross.abs().max(), 1e-300, id="position_wise")
    conv1 = torch.nn.Conv1d(d, 4 * d, 1, dtype=f64).to(p.device)
    conv2 = torch.nn.Conv1d(4 * d, d, 1, dtype=f64).to(p.device)
    with torch.no_grad():
        conv1.weight.copy_(layer.linear1.weight[:, :, None])
        conv1.bias.copy_(layer.linear1.bias)
        conv2.weight.copy_(layer.linear2.weight[:, :, None])
        conv2.bias.copy_(layer.linear2.bias)
        as_conv = conv2(F.gelu(conv1(x.T[None])))[0].T
        p.allclose("FFN = Conv1d(kernel 1) → GELU → Conv1d(kernel 1)", as_conv, ffn(x), rtol=1e-12, atol=1e-14,
                   id="ffn_is_conv1x1")
    xs = torch.linspace(-6, 6, 2001, dtype=f64, device=p.device)
    x_s = sp.Symbol("x")
    derived = sp.lambdify(x_s, x_s * (1 + sp.erf(x_s / sp.sqrt(2))) / 2, modules=[{"erf": torch.erf}, "math"])
    p.allclose("F.gelu (exact) = derived x·Φ(x)", F.gelu(xs), derived(xs), rtol=1e-14, atol=1e-15, id="gelu_exact")
    p.less("max |F.gelu(approximate='tanh') − F.gelu| on [−6, 6]", (F.gelu(xs, approximate="tanh") - F.gelu(xs)).abs().max(),
           1e-3, id="gelu_tanh_gap")
    (a_s, b_s), sol = _tanh_series()
    a_val, b_series = float(sol[a_s]), float(sol[b_s])

    def tanh_gap(b_val):
        return (0.5 * xs * (1 + torch.tanh(a_val * (xs + b_val * xs ** 3))) - F.gelu(xs)).abs().max().item()

    p.less("max error on [−6, 6] with the published 0.044715 / with the series value 2/(3π) − 1/6",
           tanh_gap(0.044715) / tanh_gap(b_series), 1.0, id="published_b_beats_series")
    d = 48
    width = int(sp.solve(sp.Eq(swiglu.subs(d_s, d), 8 * d * d), hf_s)[0])
    three = sum(torch.nn.Linear(d, width, bias=False, device="meta").weight.numel() for _ in range(2)) + \
        torch.nn.Linear(width, d, bias=False, device="meta").weight.numel()
    two = torch.nn.Linear(d, 4 * d, bias=False, device="meta").weight.numel() + \
        torch.nn.Linear(4 * d, d, bias=False, device="meta").weight.numel()
    p.equal(f"SwiGLU at h_f = 8d/3 = {width} vs GELU at 4d (d = {d}, no biases): weights", three, two,
            id="swiglu_same_params")
    multiple_of, d_llama = 256, 4096
    hidden = int(2 * (4 * d_llama) / 3)
    hidden = multiple_of * ((hidden + multiple_of - 1) // multiple_of)
    p.equal("LLaMA's rule: 8d/3 rounded up to a multiple of 256, d = 4096 (published intermediate size 11008)",
            hidden, 11008, id="llama_hidden")
