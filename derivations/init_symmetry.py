"""Constant (or zero) initialisation: hidden units stay identical for ever (without dropout).

Symbolic: a net y = v₁σ(w₁·x) + v₂σ(w₂·x) with loss ½(y − t)². If w₁ = w₂ and v₁ = v₂,
sympy's gradients for the two units are equal, so one gradient step keeps them equal,
and by induction every step does. With all-zero weights and tanh, every weight's
gradient is exactly zero (tanh(0) = 0 and the output weights are 0).
Numeric: a 4-16-16-1 tanh MLP (float64) trained by SGD for 50 steps. Constant init:
the loss moves but the rows of every hidden weight matrix stay equal to rounding and
the hidden representation has rank 1. All-zero init: the hidden weights never change.
Random init: the rows differ and the representation is full rank. Constant weights with
random biases also come apart (the symmetry needs equal biases too). Logistic regression
from zero and from a random start reaches the same loss (convex, no hidden units).
"""

TITLE = {
    "en": "Zero or constant initialisation keeps hidden units symmetric for ever (without dropout)",
    "zh": "全零或常数初始化使隐藏单元永远对称（不用 dropout 时）",
}
CLAIMS = [
    {
        "en": "If two hidden units start with equal incoming weights, biases and outgoing weights, their gradients "
              "are equal, so SGD keeps them equal at every step: the layer acts as one unit (random biases "
              "alone break it, and so does dropout, whose masks differ per unit).",
        "zh": "若两个隐藏单元的输入权重、偏置与输出权重初始相同，它们的梯度也相同，SGD 每一步都保持相同："
              "整层等于一个单元（仅偏置随机就能打破对称，dropout 也能：它对各单元的掩码不同）。",
    },
    {
        "en": "With all-zero weights and a tanh net every weight gradient is exactly zero: nothing but the "
              "output bias learns.",
        "zh": "全零权重的 tanh 网络中所有权重梯度都恰为零：只有输出偏置能学习。",
    },
    {
        "en": "Random initialisation breaks the symmetry: after training the units differ and the hidden "
              "representation is full rank.",
        "zh": "随机初始化打破对称：训练后各单元不同，隐藏表示满秩。",
    },
]


def derive(p):
    import sympy as sp

    x, t, w1, w2, v1, v2, w, v = sp.symbols("x t w1 w2 v1 v2 w v", real=True)
    sigma = sp.Function("σ")
    y = v1 * sigma(w1 * x) + v2 * sigma(w2 * x)
    L = (y - t) ** 2 / 2
    p.step("Two hidden units, loss L = ½(y − t)²", sp.Eq(sp.Symbol("L"), L))
    g_w1, g_w2 = sp.diff(L, w1), sp.diff(L, w2)
    g_v1, g_v2 = sp.diff(L, v1), sp.diff(L, v2)
    p.step("∂L/∂w₁", g_w1)
    same = {w1: w, w2: w, v1: v, v2: v}
    p.identity("w₁ = w₂, v₁ = v₂ ⇒ ∂L/∂w₁ = ∂L/∂w₂", g_w1.subs(same), g_w2.subs(same))
    p.identity("w₁ = w₂, v₁ = v₂ ⇒ ∂L/∂v₁ = ∂L/∂v₂", g_v1.subs(same), g_v2.subs(same))
    lr = sp.Symbol("η", positive=True)
    p.identity("after a step w₁ − η∂L/∂w₁ = w₂ − η∂L/∂w₂ (induction: equal for ever)",
               (w1 - lr * g_w1).subs(same), (w2 - lr * g_w2).subs(same))

    zero = {w1: 0, w2: 0, v1: 0, v2: 0}
    tanh_net = (v1 * sp.tanh(w1 * x) + v2 * sp.tanh(w2 * x) - t) ** 2 / 2
    grads = sp.Matrix([sp.diff(tanh_net, q) for q in (w1, w2, v1, v2)]).subs(zero)
    p.step("tanh net, all weights 0: (∂L/∂w₁, ∂L/∂w₂, ∂L/∂v₁, ∂L/∂v₂)", grads)
    p.identity("all four gradients vanish", grads, sp.zeros(4, 1))


def _train(p, init, steps=50, lr=0.05, random_bias=False, dropout=0.0):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 1)).to(dtype=dt, device=dev)
    with torch.no_grad():
        for prm in model.parameters():
            if init == "random" or (prm.dim() == 1 and random_bias):
                prm.copy_(torch.randn(prm.shape, generator=gen, dtype=dt) * 0.5)
            else:
                prm.fill_(0.3 if init == "constant" and prm.dim() == 2 else 0.0)
    x = torch.randn(64, 4, generator=gen, dtype=dt).to(dev)
    target = torch.sin(x.sum(1, keepdim=True))
    start = [prm.detach().clone() for prm in model.parameters()]
    losses = []
    def forward(h):  # with dropout: an inverted-dropout mask (from gen) after each hidden tanh
        for module in model:
            h = module(h)
            if dropout and isinstance(module, torch.nn.Tanh):
                h = h * (torch.rand(h.shape, generator=gen, dtype=dt) >= dropout).to(dt).to(dev) / (1 - dropout)
        return h

    for _ in range(steps):
        model.zero_grad()
        loss = ((forward(x) - target) ** 2).mean()
        loss.backward()
        with torch.no_grad():  # plain SGD (torch.optim would pull in torch._dynamo: seconds of import)
            for prm in model.parameters():
                prm -= lr * prm.grad
        losses.append(loss.item())
    with torch.no_grad():
        hidden = model[:4](x)  # second hidden layer's activations
    return model, start, losses, hidden


def experiment(p):
    import torch

    def row_spread(W):  # largest difference between any row and the first row
        return (W - W[:1]).abs().max()

    model, _, losses, hidden = _train(p, "constant")
    p.less("constant init: loss after 50 steps < initial loss (it does train)", losses[-1], losses[0])
    # Equal in exact arithmetic; in floating point the units' sums may round differently (a seed sweep:
    # 1 of 12 seeds leaves one ulp, 5.6e-17, between rows), so the rows agree to rounding, not bit for bit.
    p.less("constant init: max row difference of W₁ after 50 steps (to rounding)",
           row_spread(model[0].weight.detach()).item(), 1e-12, id="constant_rows_identical")
    p.less("constant init: max row difference of W₂ after 50 steps", row_spread(model[2].weight.detach()).item(), 1e-12)
    p.equal("constant init: rank of the 16-unit hidden representation", torch.linalg.matrix_rank(hidden).item(), 1,
            id="constant_rank")

    # The symmetry needs equal biases too: constant weights with random biases do come apart.
    model, _, _, hidden = _train(p, "constant", random_bias=True)
    p.greater("constant weights, random biases: max row difference of W₁ after 50 steps",
              row_spread(model[0].weight.detach()), 1e-3, id="random_bias_rows_differ")
    # (The representation differs already at step 0 — the biases differ — so the rank alone shows
    # nothing about training; the row difference of W₁ above is what shows the weights come apart.)
    p.greater("constant weights, random biases: rank of the hidden representation",
              torch.linalg.matrix_rank(hidden).item(), 1, id="random_bias_rank")
    # …and so does dropout: each unit gets its own mask, so equal units receive different gradients.
    model, _, _, _ = _train(p, "constant", dropout=0.5)
    p.greater("constant init with dropout 0.5 after each hidden layer: max row difference of W₁ after 50 steps",
              row_spread(model[0].weight.detach()), 1e-3, id="dropout_rows_differ")

    model, start, _, _ = _train(p, "zero")
    p.equal("zero init: W₁ after 50 steps is still all zeros", model[0].weight.detach().abs().max().item(), 0.0)
    p.equal("zero init: W₂ after 50 steps is still all zeros", model[2].weight.detach().abs().max().item(), 0.0)
    p.greater("zero init: the output bias did learn", (model[4].bias.detach() - start[5]).abs().max(), 1e-4)

    model, _, _, hidden = _train(p, "random")
    p.greater("random init: max row difference of W₁", row_spread(model[0].weight.detach()), 0.1)
    p.equal("random init: rank of the hidden representation", torch.linalg.matrix_rank(hidden).item(), 16)

    # Logistic regression has no hidden units to keep equal and a convex loss: gradient descent from
    # zero and from a random start ends at the same loss.
    gen = torch.Generator().manual_seed(p.seed)
    X = torch.randn(200, 4, generator=gen, dtype=torch.float64).to(p.device)
    noisy = X @ torch.tensor([1.0, -2.0, 0.5, 0.0], dtype=torch.float64, device=p.device) \
        + 2 * torch.randn(200, generator=gen, dtype=torch.float64).to(p.device)
    y = (noisy > 0).double()  # labels with noise: not separable, so the minimum is finite

    def fit(w):
        for _ in range(500):
            w = w.detach().requires_grad_()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(X @ w, y)
            (grad,) = torch.autograd.grad(loss, w)
            w = w - 2.0 * grad
        return torch.nn.functional.binary_cross_entropy_with_logits(X @ w, y).item()

    from_zero = fit(torch.zeros(4, dtype=torch.float64, device=p.device))
    from_random = fit(torch.randn(4, generator=gen, dtype=torch.float64).to(p.device) * 3)
    p.close("logistic regression: loss after GD from zero vs from a random start", from_zero, from_random,
            rtol=1e-9, id="logreg_zero_start_same_loss")
