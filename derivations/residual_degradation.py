"""Degradation: a deeper plain net trains worse than a shallower one; the residual net does not.

Symbolic: He et al.'s construction. A deeper net can always copy a shallower one
by making its extra layers the identity. For a plain linear layer Wx = x for all x
has exactly one solution, W = I; for a residual block x + W₂W₁x it holds on a whole
family of weights (W₂ = 0 with any W₁, or W₁ = 0 with any W₂), including the point
all weights shrink towards. Numeric: the paper's experiment in miniature. Plain
BatchNorm–ReLU nets of depth 4 and 32, and the 32-layer net with identity
shortcuts (the original post-addition-ReLU block), trained with the same Adam
settings on the same regression task; the TRAINING loss is compared (median
over several initialisations, trained side by side as one batched model).
"""

TITLE = {
    "en": "Degradation: deeper plain nets train worse, residual nets do not",
    "zh": "退化问题：更深的普通网络训练误差更高，残差网络不会",
}
CLAIMS = [
    {
        "en": "Identity layers: a plain linear layer is the identity only at W = I; a residual block x + W₂W₁x is the "
              "identity whenever W₂W₁ = 0, e.g. at W₂ = 0 for any W₁.",
        "zh": "恒等层：普通线性层只有在 W = I 时才是恒等映射；残差块 x + W₂W₁x 只要 W₂W₁ = 0（例如 W₂ = 0，W₁ 任意）"
              "就是恒等映射。",
    },
    {
        "en": "With the same optimizer and steps, a 32-layer plain BN–ReLU net ends with a training loss ≥ 10× that "
              "of a 4-layer one: the deeper net trains worse although it could represent the shallower one.",
        "zh": "在相同优化器和步数下，32 层普通 BN–ReLU 网络的最终训练损失至少是 4 层网络的 10 倍："
              "更深的网络能表示更浅的网络，却训练得更差。",
    },
    {
        "en": "The same 32 layers with identity shortcuts reach a training loss ≥ 10× lower than the plain 32-layer "
              "net, within a factor 10 of the 4-layer net.",
        "zh": "同样 32 层加上恒等捷径后，训练损失比 32 层普通网络低至少 10 倍，且与 4 层网络相差不到 10 倍。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22", real=True))
    # "Wx = x for every x": the coefficients of x1 and x2 must match on both sides.
    plain_eqs = [sp.expand(e).coeff(xi) for e in (W * x - x) for xi in x]
    p.step("Plain layer as identity: the coefficients of Wx − x must all vanish", sp.Matrix(plain_eqs))
    plain_sol = sp.solve(plain_eqs, list(W), dict=True)
    p.step("sympy solves for W: exactly one solution", plain_sol[0])
    p.equal("number of plain weight settings that give the identity", len(plain_sol), 1)
    p.identity("that solution is W = I", W.subs(plain_sol[0]), sp.eye(2))

    # Residual block with a linear branch: x + W2·W1·x. Identity ⇔ the branch map W2·W1 vanishes.
    W1 = sp.Matrix(2, 2, sp.symbols("a11 a12 a21 a22", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("c11 c12 c21 c22", real=True))
    block = x + W2 * W1 * x
    res_eqs = [sp.expand(e).coeff(xi) for e in (block - x) for xi in x]
    p.step("Residual block as identity: the coefficients of (x + W₂W₁x) − x must vanish", sp.Matrix(res_eqs))
    at_zero = [e.subs({c: 0 for c in W2}) for e in res_eqs]
    p.identity("W₂ = 0 solves them for every W₁ (a 4-dimensional family, not a point)",
               sp.Matrix(at_zero), sp.zeros(4, 1))
    p.holds("W₁ stays free in that family", not any(e.free_symbols for e in at_zero),
            measured="no condition left on a11…a22", expected="no condition on W₁")


def _train(torch, depth, residual, X, y, nets, steps, lr, seed, device):
    """Train `nets` independent BN–ReLU MLPs of one depth side by side; returns the loss history."""
    dt = torch.float32
    g = torch.Generator().manual_seed(seed)
    width, n_in = 16, X.shape[1]

    def uniform(shape, fan_in):  # nn.Linear's default init: U(−1/√fan_in, 1/√fan_in)
        return ((torch.rand(shape, generator=g, dtype=dt) * 2 - 1) / fan_in**0.5).to(device)

    w_in, b_in = uniform((nets, width, n_in), n_in), uniform((nets, 1, width), n_in)
    w_hid = uniform((nets, depth, width, width), width)
    gamma = torch.ones(nets, depth, 1, width, dtype=dt, device=device)
    beta = torch.zeros(nets, depth, 1, width, dtype=dt, device=device)
    w_out, b_out = uniform((nets, 1, width), width), torch.zeros(nets, 1, 1, dtype=dt, device=device)
    params = [w_in, b_in, w_hid, gamma, beta, w_out, b_out]
    for t in params:
        t.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr)
    xs = X.expand(nets, *X.shape)

    def forward():
        h = xs @ w_in.transpose(1, 2) + b_in
        for layer in range(depth):
            u = h @ w_hid[:, layer].transpose(1, 2)
            # BatchNorm in training mode (batch statistics, biased variance), then ReLU.
            mean, var = u.mean(1, keepdim=True), u.var(1, unbiased=False, keepdim=True)
            z = (u - mean) / torch.sqrt(var + 1e-5) * gamma[:, layer] + beta[:, layer]
            h = torch.relu(h + z) if residual else torch.relu(z)
        return h @ w_out.transpose(1, 2) + b_out

    history, first_grad = [], 0.0
    for step in range(steps):
        per_net = ((forward() - y) ** 2).mean((1, 2))
        opt.zero_grad()
        per_net.sum().backward()  # the nets share no parameters: the sum trains each one on its own loss
        if step == 0:
            first_grad = w_in.grad.norm().item()  # the gradient reaching the first layer, at init
        opt.step()
        history.append(per_net.detach().median().item())
    with torch.no_grad():
        final = ((forward() - y) ** 2).mean((1, 2)).median().item()
    return history, final, first_grad


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    n_points = 64
    X = (torch.rand(n_points, 2, generator=g) * 4 - 2).to(p.device)
    y = torch.sin(3 * X[:, :1]) * torch.cos(2 * X[:, 1:])
    nets, steps = (6, 60) if p.quick else (48, 60)  # full: the same runs, a median over more nets
    deep = 32
    settings = {"plain, 4 layers": (4, False), f"plain, {deep} layers": (deep, False),
                f"residual, {deep} layers": (deep, True)}
    # Thousands of tiny batched matmuls: on a CPU, intra-op threads only add synchronisation.
    threads = torch.get_num_threads()
    if p.device == "cpu":
        torch.set_num_threads(1)
    try:
        runs = {name: _train(torch, d, res, X, y, nets, steps, 1e-2, p.seed + 1 + i, p.device)
                for i, (name, (d, res)) in enumerate(settings.items())}
    finally:
        torch.set_num_threads(threads)
    p.plot("Training loss (median over nets) against step", {
        name: (list(range(1, steps + 1)), hist) for name, (hist, _, _) in runs.items()
    }, xlabel="step", ylabel="training MSE", logy=True)

    variance = y.var(unbiased=False).item()  # the loss of predicting the mean: normalised MSE 1
    (shallow, _, grad_shallow), (plain_deep, _, grad_deep), (res_deep, _, _) = (
        (runs[name][1] / variance, None, runs[name][2]) for name in settings)
    p.greater(f"training loss ratio: plain {deep} layers / plain 4 layers (degradation)", plain_deep / shallow, 10.0)
    p.greater(f"normalised training MSE, plain {deep} layers (barely fits)", plain_deep, 0.3)
    p.less("normalised training MSE, plain 4 layers (fits)", shallow, 0.1)
    p.less(f"normalised training MSE, residual {deep} layers (fits: no degradation)", res_deep, 0.1)
    # He et al.: with BN the plain nets' gradients do not vanish. Here they are larger, not smaller.
    p.greater(f"‖∂L/∂W_first‖ at init, plain {deep} / plain 4 (> 1: not vanishing gradients)",
              grad_deep / grad_shallow, 1.0)
