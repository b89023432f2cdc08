"""The bias is a threshold: it moves each unit's decision boundary off the origin.

Symbolic: a unit w·x + b switches on where w·x > −b; the closest point of the hyperplane
w·x + b = 0 to the origin (by Lagrange multipliers) lies at distance |b|/‖w‖, so with
b = 0 every boundary passes through 0. ReLU(αz) = α·ReLU(z) for α > 0, so a bias-free
ReLU network is positively homogeneous: f(αx) = α·f(x) and f(0) = 0.

Numeric: a bias-free torch MLP gives f(0) = 0 exactly and f(2.5x) = 2.5·f(x); the same
net with biases does not. A 1-D logistic regression with a threshold at 2.5 reaches
100 % accuracy with a bias and is stuck at the majority-class rate without one.
"""

TITLE = {
    "en": "The bias sets the threshold; without it boundaries pass through the origin",
    "zh": "偏置决定阈值；没有偏置时决策边界必过原点",
}
CLAIMS = [
    {
        "en": "The boundary w·x + b = 0 lies at distance |b|/‖w‖ from the origin; b = 0 pins it to the origin.",
        "zh": "边界 w·x + b = 0 到原点的距离为 |b|/‖w‖；b = 0 时边界必过原点。",
    },
    {
        "en": "A ReLU network without biases satisfies f(0) = 0 and f(αx) = α·f(x) for every α > 0.",
        "zh": "没有偏置的 ReLU 网络满足 f(0) = 0，且对任意 α > 0 有 f(αx) = α·f(x)。",
    },
    {
        "en": "Logistic regression on x ≥ 0 with the class boundary at 2.5 needs the bias: "
              "without it the best accuracy is the majority-class rate.",
        "zh": "在 x ≥ 0 上、类别边界位于 2.5 的逻辑回归需要偏置：没有偏置时最好只能达到多数类比例。",
    },
]


def derive(p):
    import sympy as sp

    w1, w2, b, x1, x2, lam = sp.symbols("w1 w2 b x1 x2 lambda", real=True)
    p.step("A unit fires when its pre-activation is positive, i.e. above the threshold −b",
           sp.StrictGreaterThan(w1 * x1 + w2 * x2, -b))
    lagrangian = x1**2 + x2**2 - lam * (w1 * x1 + w2 * x2 + b)
    p.step("Closest boundary point to the origin: minimise ‖x‖² subject to w·x + b = 0", lagrangian)
    sol = sp.solve([sp.diff(lagrangian, v) for v in (x1, x2, lam)], [x1, x2, lam], dict=True)[0]
    p.step("Stationary point", sp.Matrix([sol[x1], sol[x2]]))
    p.identity("squared distance ‖x*‖² = b²/‖w‖² (so b = 0 ⇒ the boundary contains 0)",
               sp.cancel(sol[x1] ** 2 + sol[x2] ** 2), b**2 / (w1**2 + w2**2))

    alpha, u = sp.symbols("alpha u", positive=True)
    relu = lambda z: sp.Max(0, z)  # noqa: E731
    p.identity("ReLU(αz) = α·ReLU(z) for z = u > 0", relu(alpha * u), alpha * relu(u))
    p.identity("ReLU(αz) = α·ReLU(z) for z = −u < 0", relu(-alpha * u), alpha * relu(-u))
    p.step("Layer by layer, W₂·ReLU(W₁·αx) = α·W₂·ReLU(W₁x): a bias-free ReLU net is positively homogeneous")
    W1, W2 = sp.MatrixSymbol("W1", 3, 2), sp.MatrixSymbol("W2", 1, 3)
    hidden_at_zero = (W1 * sp.zeros(2, 1)).as_explicit().applyfunc(relu)
    p.identity("f(0) = W₂·ReLU(W₁·0) = 0 whatever the weights", (W2.as_explicit() * hidden_at_zero)[0], 0)
    p.step("With a bias it breaks: ReLU(2·1 − 1) = 1 but 2·ReLU(1 − 1) = 0")


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)

    def mlp(bias):
        net = torch.nn.Sequential(torch.nn.Linear(4, 32, bias=bias), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 32, bias=bias), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 1, bias=bias)).to(dtype=torch.float64)
        with torch.no_grad():
            for param in net.parameters():
                param.copy_(torch.randn(param.shape, generator=g, dtype=torch.float64) * 0.5)
        return net.to(p.device)

    x = torch.randn(200, 4, generator=g, dtype=torch.float64).to(p.device)
    free, biased = mlp(False), mlp(True)
    with torch.no_grad():
        zero = torch.zeros(1, 4, dtype=torch.float64, device=p.device)
        p.equal("bias-free net: f(0)", float(free(zero)), 0.0)
        p.allclose("bias-free net: f(2.5x) vs 2.5·f(x)", free(2.5 * x), 2.5 * free(x), rtol=1e-12, atol=1e-12)
        gap = (biased(2.5 * x) - 2.5 * biased(x)).abs().max()
        p.greater("same architecture with biases: max |f(2.5x) − 2.5·f(x)|", gap, 1e-2)

    # 1-D logistic regression: labels switch at x = 2.5, inputs all ≥ 0.
    xs = torch.linspace(0, 4, 401, dtype=torch.float64, device=p.device).unsqueeze(1)
    ys = (xs > 2.5).to(torch.float64)
    accuracy = {}
    for bias in (True, False):
        model = torch.nn.Linear(1, 1, bias=bias).to(dtype=torch.float64, device=p.device)
        with torch.no_grad():
            model.weight.fill_(0.1)
            if bias:
                model.bias.zero_()
        for _ in range(1000):  # plain full-batch gradient descent on the binary cross-entropy
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xs), ys)
            grads = torch.autograd.grad(loss, list(model.parameters()))
            with torch.no_grad():
                for param, grad in zip(model.parameters(), grads):
                    param -= 1.0 * grad
        with torch.no_grad():
            accuracy[bias] = float(((model(xs) > 0) == (ys > 0.5)).double().mean())
            if bias:
                threshold = float(-model.bias / model.weight)
    p.greater("with a bias: accuracy after 1000 GD steps", accuracy[True], 0.99)
    p.close("with a bias: learned threshold −b/w", threshold, 2.5, atol=0.05, rtol=0, id="learned_threshold")
    # Without a bias the boundary is x = 0: every w > 0 says "1" and every w < 0 says "0" for x > 0.
    # (p.myth: the misconception that the bias only speeds convergence up, so a bias-free unit can
    # still put its boundary at 2.5 — its score is taken as w·(x − 2.5).)
    with torch.no_grad():
        ws = torch.linspace(-5, 5, 1001, dtype=torch.float64, device=p.device)
        inputs = xs - 2.5 if p.myth else xs
        best = float((((inputs * ws) > 0) == (ys > 0.5)).double().mean(0).max())
    majority = float(max(ys.mean(), 1 - ys.mean()))
    p.less("without a bias: best accuracy over 1001 values of w", best, 0.99, id="no_bias_best_accuracy",
           refutes="the bias only speeds up convergence; without it the same threshold is learnable")
    p.close("without a bias: best accuracy over 1001 values of w vs the majority-class rate", best, majority,
            rtol=1e-12)
    p.less("without a bias: accuracy GD reaches (it minimises BCE, not errors)", accuracy[False], majority)
