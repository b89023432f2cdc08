"""The error-surface cliff: one weight used 999 times, y = w⁹⁹⁹.

Symbolic: solve the recurrence y_t = w·y_{t−1} + x_t with input (1, 0, …, 0) to get
y_1000 = w⁹⁹⁹ and dy/dw = 999·w⁹⁹⁸; evaluate exactly at w = 1.01, 1 and 0.99.
Numeric: a real torch.nn.RNN (ReLU, so linear on positive values) with one unit per
value of w, run for 1000 steps; its outputs and autograd gradients match the closed
form, and the gradient changes by more than 10⁸ between w = 0.99 and w = 1.01. The
counterfactual (the tests' myth run) uses w at one step only: then nothing explodes, which
shows the cliff comes from reusing the weight.
"""

TITLE = {
    "en": "The RNN error-surface cliff: w⁹⁹⁹ at w = 1.01 vs 0.99",
    "zh": "RNN 误差曲面的悬崖：w = 1.01 与 0.99 时的 w⁹⁹⁹",
}
CLAIMS = [
    {
        "en": "A linear one-unit RNN with recurrent weight w and input (1, 0, …, 0) outputs y_1000 = w⁹⁹⁹.",
        "zh": "循环权重为 w、输入为 (1, 0, …, 0) 的单单元线性 RNN 输出 y_1000 = w⁹⁹⁹。",
    },
    {
        "en": "1.01⁹⁹⁹ ≈ 2.1·10⁴ and 0.99⁹⁹⁹ ≈ 4.4·10⁻⁵; dy/dw = 999·w⁹⁹⁸ is ≈ 2.1·10⁷ at w = 1.01 and ≈ 0.044 at 0.99.",
        "zh": "1.01⁹⁹⁹ ≈ 2.1·10⁴，0.99⁹⁹⁹ ≈ 4.4·10⁻⁵；dy/dw = 999·w⁹⁹⁸ 在 w = 1.01 时约 2.1·10⁷，在 0.99 时约 0.044。",
    },
    {
        "en": "A 2 % change of w changes the gradient ~5·10⁸-fold: no single learning rate suits both sides of the cliff.",
        "zh": "w 改变 2%，梯度变化约 5·10⁸ 倍：悬崖两侧没有一个统一合适的学习率。",
    },
]


def derive(p):
    import sympy as sp

    w = sp.Symbol("w", positive=True)
    t = sp.Symbol("t", integer=True, positive=True)
    y = sp.Function("y")
    # y_1 = 1 (the single input), afterwards y_t = w·y_{t−1} (inputs are 0).
    sol = sp.rsolve(y(t + 1) - w * y(t), y(t), {y(1): 1})
    p.step("rsolve: y_{t+1} = w·y_t, y_1 = 1  ⇒  y_t =", sol)
    y1000 = sp.powsimp(sp.expand_power_base(sol.subs(t, 1000)), force=True)
    p.identity("y_1000 = w⁹⁹⁹", y1000, w**999)
    grad = sp.diff(y1000, w)
    p.identity("dy_1000/dw = 999·w⁹⁹⁸", grad, 999 * w**998)
    for value in (sp.Rational(101, 100), sp.Integer(1), sp.Rational(99, 100)):
        p.step(f"w = {float(value):g}:  y = {sp.N(y1000.subs(w, value), 6)},  dy/dw = {sp.N(grad.subs(w, value), 6)}")
    ratio = grad.subs(w, sp.Rational(101, 100)) / grad.subs(w, sp.Rational(99, 100))
    p.identity("gradient ratio (1.01/0.99)⁹⁹⁸, exactly", ratio, (sp.Rational(101, 99))**998)
    p.step("which is ≈", sp.N(ratio, 4))


def experiment(p):
    import torch

    f64 = torch.float64
    T = 1000
    ws = torch.linspace(0.98, 1.02, 41, dtype=f64)
    K = ws.numel()
    # One unit per w: diagonal recurrent matrix, input weight 1, ReLU (identity on positive values).
    rnn = torch.nn.RNN(1, K, nonlinearity="relu", bias=False, dtype=f64)
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(1.0)
        rnn.weight_hh_l0.copy_(torch.diag(ws))
    rnn = rnn.to(p.device)
    x = torch.zeros(T, 1, 1, dtype=f64, device=p.device)
    x[0] = 1.0
    if p.myth:
        # Counterfactual "the weight is not shared": w is used at one step only, every other
        # step has its own weight 1; the same 1000-step chain then gives y = w, dy/dw = 1.
        w = ws.clone().to(p.device).requires_grad_()
        y = torch.ones_like(w)
        for t in range(1, T):
            y = torch.relu((w if t == 1 else torch.ones_like(w)) * y)
        (dy,) = torch.autograd.grad(y.sum(), w)
        dy = dy.detach().cpu()
    else:
        out, _ = rnn(x)
        y = out[-1, 0]
        (g,) = torch.autograd.grad(y.sum(), rnn.weight_hh_l0)
        dy = torch.diagonal(g).detach().cpu()
    y = y.detach().cpu()
    p.allclose("nn.RNN y_1000 vs w⁹⁹⁹ over 41 values of w in [0.98, 1.02]", y, ws**999, rtol=1e-10)
    p.allclose("autograd dy/dw vs 999·w⁹⁹⁸", dy, 999 * ws**998, rtol=1e-10)
    i_hi, i_lo = int(torch.argmin((ws - 1.01).abs())), int(torch.argmin((ws - 0.99).abs()))
    p.close("y at w = 1.01 vs 1.01⁹⁹⁹", y[i_hi], 1.01**999, rtol=1e-10)
    p.greater("y at w = 1.01", y[i_hi], 2e4, id="y_at_1p01")
    p.less("y at w = 0.99", y[i_lo], 1e-4, id="y_at_0p99")
    p.greater("dy/dw at w = 1.01", dy[i_hi], 1e7, id="dy_at_1p01")
    p.less("dy/dw at w = 0.99", dy[i_lo], 0.1, id="dy_at_0p99")
    p.greater("dy/dw at 1.01 ÷ dy/dw at 0.99", dy[i_hi] / dy[i_lo], 1e8, id="error_cliff_ratio")
    p.plot("y_1000 = w⁹⁹⁹ and its gradient, from nn.RNN + autograd",
           {"y_1000": (ws.tolist(), y.tolist()), "dy/dw": (ws.tolist(), dy.tolist())},
           xlabel="recurrent weight w", ylabel="value", logy=True)
