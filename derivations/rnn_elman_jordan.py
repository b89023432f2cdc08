"""Elman vs Jordan networks: what is fed back, the hidden state or the output.

Elman (1990): h_t = f(W_x x_t + W_h h_{t−1} + b), y_t = g(V h_t + c) — torch.nn.RNN is
this recurrence. Jordan (1986): h_t = f(W_x x_t + W_y y_{t−1} + b) — the output is fed
back. Symbolic: in a Jordan network ∂h_t/∂h_{t−1} = diag(f′)·W_y·diag(g′)·V, a product
through the m-dimensional output, so its rank is at most m. Numeric: a hand Elman loop
equals nn.RNN + nn.Linear; autograd's ∂h_t/∂h_{t−1} has full rank n for Elman and
rank m for Jordan.
"""

TITLE = {
    "en": "Elman vs Jordan networks: feeding back the hidden state or the output",
    "zh": "Elman 与 Jordan 网络：反馈隐藏状态还是输出",
}
CLAIMS = [
    {
        "en": "Elman: h_t = f(W_x x_t + W_h h_{t−1} + b); this is torch.nn.RNN (followed by an output layer y_t = g(V h_t + c)).",
        "zh": "Elman：h_t = f(W_x x_t + W_h h_{t−1} + b)；这就是 torch.nn.RNN（后接输出层 y_t = g(V h_t + c)）。",
    },
    {
        "en": "Jordan: h_t = f(W_x x_t + W_y y_{t−1} + b); the memory passes through the output, so ∂h_t/∂h_{t−1} = diag(f′)·W_y·diag(g′)·V has rank ≤ m = dim y.",
        "zh": "Jordan：h_t = f(W_x x_t + W_y y_{t−1} + b)；记忆必须经过输出，因此 ∂h_t/∂h_{t−1} = diag(f′)·W_y·diag(g′)·V 的秩 ≤ m = dim y。",
    },
]


def derive(p):
    import sympy as sp

    n, m = 3, 1
    V = sp.Matrix(m, n, sp.symbols("v1:4"))
    Wy = sp.Matrix(n, m, sp.symbols("q1:4"))
    Wx = sp.Matrix(n, 1, sp.symbols("p1:4"))
    hp = sp.Matrix(sp.symbols("h1:4"))  # h_{t−1}
    x = sp.Symbol("x")
    f, g = sp.Function("f"), sp.Function("g")
    y_prev = sp.Matrix([g(e) for e in V * hp])
    pre = Wx * x + Wy * y_prev
    h = sp.Matrix([f(e) for e in pre])
    p.step("Jordan step with n = 3 hidden units and m = 1 output: h_t = f(W_x x + W_y g(V h_{t−1}))", h[0])
    J = h.jacobian(hp)
    F = sp.symbols("F1:4")  # f′ at the three hidden pre-activations
    G = sp.Symbol("G")       # g′ at the output pre-activation
    out_pre = (V * hp)[0]
    names = {out_pre: G, **dict(zip(list(pre), F))}

    def named(e):
        e = e.xreplace({s: names[s.point[0]] for s in e.atoms(sp.Subs)})
        return e.xreplace({dv: names[dv.expr.args[0]] for dv in e.atoms(sp.Derivative)})

    J = J.applyfunc(named)
    p.identity("∂h_t/∂h_{t−1} = diag(f′)·W_y·g′·V (a column times a row)", J, sp.diag(*F) * Wy * G * V)
    p.identity("so det(∂h_t/∂h_{t−1}) = 0 for any weights: rank ≤ m = 1", sp.expand(J.det()), 0)


def experiment(p):
    import torch

    f64 = torch.float64
    gen = torch.Generator().manual_seed(p.seed)
    d, n, m, T, B = 3, 8, 2, 15, 2

    def rand(*shape):
        return (0.6 * torch.randn(*shape, generator=gen, dtype=f64)).to(p.device)

    # Elman = nn.RNN + an output layer.
    rnn = torch.nn.RNN(d, n, dtype=f64)
    head = torch.nn.Linear(n, m, dtype=f64)
    with torch.no_grad():
        for prm in list(rnn.parameters()) + list(head.parameters()):
            prm.copy_(0.6 * torch.randn(prm.shape, generator=gen, dtype=f64))
    rnn, head = rnn.to(p.device), head.to(p.device)
    xs = rand(T, B, d)
    with torch.no_grad():
        y_ref = head(rnn(xs)[0])
        h, ys = torch.zeros(B, n, dtype=f64, device=p.device), []
        for x in xs:
            h = torch.tanh(x @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0)
            ys.append(h @ head.weight.T + head.bias)
    p.allclose("hand Elman loop vs nn.RNN + nn.Linear", torch.stack(ys), y_ref, rtol=1e-12, atol=1e-14)

    # One step of each, as a function of h_{t−1}: the Jacobian's rank.
    x = xs[0, 0]
    W_y, b_j = rand(n, m), rand(n)

    def elman_step(h_prev):
        return torch.tanh(rnn.weight_ih_l0 @ x + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h_prev + rnn.bias_hh_l0)

    def jordan_step(h_prev):
        y_prev = head(h_prev)  # g = identity output layer
        return torch.tanh(rnn.weight_ih_l0 @ x + W_y @ y_prev + b_j)

    h_prev = rand(n)
    J_elman = torch.autograd.functional.jacobian(elman_step, h_prev)
    J_jordan = torch.autograd.functional.jacobian(jordan_step, h_prev)
    p.equal("rank of ∂h_t/∂h_{t−1}, Elman (n = 8)", int(torch.linalg.matrix_rank(J_elman)), n)
    p.equal("rank of ∂h_t/∂h_{t−1}, Jordan (m = 2 outputs)", int(torch.linalg.matrix_rank(J_jordan)), m)
    with torch.no_grad():
        formula = torch.diag(1 - jordan_step(h_prev) ** 2) @ W_y @ head.weight
    p.allclose("Jordan: autograd Jacobian vs diag(f′)·W_y·V", J_jordan, formula, rtol=1e-12, atol=1e-14)
