"""Dead ReLU units: one large step can switch a unit off for every input, and then its weights stop learning.

Symbolic: ReLU′(z) is the step function, so ∂L/∂wⱼ = Σₙ δₙ·aⱼ·H(zₙⱼ)·xₙ. If zₙⱼ < 0 on every
training example, every term vanishes: the unit's weights and bias receive exactly zero
gradient and plain SGD does not move them while that lasts — the unit is dead. Leaky ReLU's derivative is
the slope s > 0 for z < 0, so the same unit still receives gradient (s times smaller).

Numeric: a 10 → 128 → 1 ReLU net on non-negative inputs (pixels, or the outputs of an
earlier ReLU layer). The share of dead units after one gradient step grows with the
learning rate. After a step that kills many units, 200 further SGD steps leave the dead
units' weights bit-for-bit unchanged under ReLU, while under Leaky ReLU the same units
keep receiving gradient and move (most of them without leaving the negative region).
A first-layer unit's inputs are fixed, so it stays dead; in a second hidden layer the layer
below keeps learning, and barely-dead units there come back under the same plain SGD.
"""

TITLE = {
    "en": "Dead ReLU units: zero gradient for their weights, and Leaky ReLU's non-zero slope",
    "zh": "ReLU 神经元死亡：权重梯度为零，以及 Leaky ReLU 的非零斜率",
}
CLAIMS = [
    {
        "en": "A ReLU unit whose pre-activation is ≤ 0 on every training input gets exactly zero gradient "
              "for its weights and bias, so plain SGD (no momentum, no weight decay) leaves its weights unchanged while that lasts; "
              "in the first layer its inputs are fixed too, so it stays dead, while deeper the layers below can "
              "change its inputs and bring it back.",
        "zh": "若某个 ReLU 单元在所有训练输入上的预激活都 ≤ 0，其权重和偏置的梯度恰为零，只要这种状态持续，朴素 SGD（无动量、无权重衰减）就不会移动它的权重；"
              "在第一层它的输入也固定不变，所以一直是死的，而在更深的层，下面各层的学习会改变它的输入，可能让它复活。",
    },
    {
        "en": "The share of dead units after one step grows with the learning rate (inputs ≥ 0).",
        "zh": "（输入非负时）一步更新后死亡单元的比例随学习率增大而增加。",
    },
    {
        "en": "Under Leaky ReLU the same units still receive gradient and their weights move — "
              "but most of them stay in the negative region: a non-zero gradient is not a guaranteed revival.",
        "zh": "换成 Leaky ReLU，同样的单元仍能收到梯度、权重继续更新——"
              "但其中多数仍停留在负区间：梯度非零并不保证单元会“复活”。",
    },
]


def derive(p):
    import sympy as sp

    z, s = sp.symbols("z s", real=True)
    relu_prime = sp.diff(sp.Max(0, z), z)
    p.step("ReLU′(z) — a step function (PyTorch uses 0 at z = 0)", relu_prime)
    u = sp.symbols("u", positive=True)
    p.identity("ReLU′(−u) = 0 for u > 0", relu_prime.subs(z, -u), 0)
    x1, x2, w1, w2, b, a, delta = sp.symbols("x1 x2 w1 w2 b a delta", real=True)
    pre = w1 * x1 + w2 * x2 + b
    out = a * sp.Max(0, pre)
    grads = sp.Matrix([sp.diff(out, v) for v in (w1, w2, b)]) * delta
    p.step("Gradient reaching the unit's weights (w1, w2, b) from upstream δ", grads)
    p.identity("… is zero whenever the pre-activation is negative",
               grads.subs(b, -u - w1 * x1 - w2 * x2), sp.zeros(3, 1))
    leaky = sp.Piecewise((z, z > 0), (s * z, True))
    p.step("Leaky ReLU and its derivative", sp.Matrix([leaky, sp.diff(leaky, z)]))
    p.identity("Leaky ReLU′(−u) = s ≠ 0", sp.diff(leaky, z).subs(z, -u), s)


def _kill_and_train(p, seed, train=True):
    """One run: a 10 → 128 → 1 ReLU net on inputs ≥ 0, one gradient step per learning rate
    (dead share), then (if ``train``) a killing lr = 10 step and 200 SGD steps under ReLU and Leaky ReLU."""
    import torch

    f64, dev = torch.float64, p.device
    g = torch.Generator().manual_seed(seed)
    n, d, width = 256, 10, 128
    X = torch.rand(n, d, generator=g, dtype=f64).to(dev)  # non-negative inputs
    y = torch.sin(X @ torch.randn(d, generator=g, dtype=f64).to(dev)).unsqueeze(1)
    init = [torch.randn(width, d, generator=g, dtype=f64) * (2 / d) ** 0.5, torch.zeros(width, dtype=f64),
            torch.randn(1, width, generator=g, dtype=f64) * width**-0.5, torch.zeros(1, dtype=f64)]
    init = [t.to(dev) for t in init]

    def loss_of(params, act, xb, yb):
        W1, b1, W2, b2 = params
        return ((act(xb @ W1.T + b1) @ W2.T + b2 - yb) ** 2).mean()

    def loss_and_grads(params, act, xb, yb):
        return torch.autograd.grad(loss_of(params, act, xb, yb), params)

    def dead(params):
        with torch.no_grad():
            return ((X @ params[0].T + params[1]) <= 0).all(0)

    out = {"width": width, "dead_at_init": float(dead(init).double().mean())}
    params = [t.clone().requires_grad_() for t in init]
    first = loss_and_grads(params, torch.relu, X, y)
    out["rates"], out["shares"] = [0.01, 0.1, 1.0, 3.0, 10.0, 30.0], []
    for lr in out["rates"]:
        stepped = [(t - lr * gt).detach() for t, gt in zip(init, first)]
        out["shares"].append(float(dead(stepped).double().mean()))
    if not train:
        return out

    # Kill with one lr = 10 step, then train 200 SGD steps under ReLU and under Leaky ReLU
    # (lr 1e-4: the big step also blew up the output layer, and a larger lr would diverge).
    killed = [(t - 10.0 * gt).detach() for t, gt in zip(init, first)]
    mask = dead(killed)
    out["killed"] = int(mask.sum())
    leaky = lambda t: torch.nn.functional.leaky_relu(t, 0.01)  # noqa: E731
    out["moved"], out["still_dead"], out["zero_grad"], out["ratio"] = {}, {}, {}, {}
    for name, act in (("ReLU", torch.relu), ("Leaky ReLU", leaky)):
        params = [t.clone().requires_grad_() for t in killed]
        start_loss = float(loss_of(params, act, X, y).detach())
        full = loss_and_grads(params, act, X, y)
        out["zero_grad"][name] = int(((full[0].abs().amax(1) == 0) & (full[1] == 0)).sum())
        batches = torch.Generator().manual_seed(seed + 1)
        for _ in range(200):
            idx = torch.randint(0, n, (32,), generator=batches).to(dev)
            grads = loss_and_grads(params, act, X[idx], y[idx])
            with torch.no_grad():
                for t, gt in zip(params, grads):
                    t -= 1e-4 * gt
        with torch.no_grad():
            change = torch.cat([(params[0] - killed[0]).abs(), (params[1] - killed[1]).abs().unsqueeze(1)], 1)
            out["moved"][name] = float(change[mask].max())
            out["ratio"][name] = float(loss_of(params, act, X, y)) / start_loss
        if p.myth:
            # The misconception's test of "revived": the unit receives a non-zero gradient again.
            after = loss_and_grads(params, act, X, y)
            out["still_dead"][name] = int((((after[0].abs().amax(1) == 0) & (after[1] == 0)) & mask).sum())
        else:
            out["still_dead"][name] = int((dead(params) & mask).sum())
    return out


def _deeper_revival(p, steps):
    """A 10 → 64 → 64 → 1 ReLU net; half of the second layer's units are made barely dead
    (bias just below minus their largest pre-activation), then plain full-batch SGD trains every
    layer. Their own weights get zero gradient, but the first layer keeps learning, so their
    inputs move. Returns (units dead at the start, of those alive again at the end)."""
    import torch

    f64, dev = torch.float64, p.device
    g = torch.Generator().manual_seed(p.seed)
    n, d, w = 256, 10, 64
    X = torch.randn(n, d, generator=g, dtype=f64)
    y = torch.sin(X @ torch.randn(d, generator=g, dtype=f64)).unsqueeze(1)
    W1 = torch.randn(w, d, generator=g, dtype=f64) * (2 / d) ** 0.5
    b1 = torch.zeros(w, dtype=f64)
    W2 = torch.randn(w, w, generator=g, dtype=f64) * (2 / w) ** 0.5
    b2 = -0.3 + 0.3 * torch.randn(w, generator=g, dtype=f64)
    W3 = torch.randn(1, w, generator=g, dtype=f64) * w**-0.5
    b2[: w // 2] = -(torch.relu(X @ W1.T + b1) @ W2.T)[:, : w // 2].max(0).values - 0.05
    X, y = X.to(dev), y.to(dev)
    params = [t.to(dev).requires_grad_() for t in (W1, b1, W2, b2, W3)]

    def second_layer():
        return torch.relu(X @ params[0].T + params[1]) @ params[2].T + params[3]

    # Only the units made barely dead count: a unit of the other half can also start dead by chance
    # (its random bias below every pre-activation), and it is not what the card describes.
    made = torch.arange(w, device=dev) < w // 2
    with torch.no_grad():
        dead0 = (second_layer() <= 0).all(0) & made
    for _ in range(steps):
        loss = ((torch.relu(second_layer()) @ params[4].T - y) ** 2).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for t, gt in zip(params, grads):
                t -= 0.05 * gt
    with torch.no_grad():
        revived = dead0 & ~(second_layer() <= 0).all(0)
    return int(dead0.sum()), int(revived.sum())


def experiment(p):
    import statistics

    import torch

    zero = torch.zeros(3, dtype=torch.float64, device=p.device, requires_grad=True)
    (g0,) = torch.autograd.grad(torch.relu(zero).sum(), zero)
    p.equal("torch's ReLU′(0)", float(g0[0]), 0.0)

    run = _kill_and_train(p, p.seed)
    rates, shares, width = run["rates"], run["shares"], run["width"]
    p.holds("dead share never falls as the step grows", all(b >= a for a, b in zip(shares, shares[1:])),
            " ≤ ".join(f"{s:.2f}" for s in shares))
    p.plot("Share of dead ReLU units after one gradient step", {"dead share": (rates, shares)},
           xlabel="learning rate of the step", ylabel="dead units")
    killed = run["killed"]
    # How many units one lr = 10 step kills varies a lot with the seed (6 to 57 of 128 over seeds 0–44); the
    # Leaky ReLU sweep below pools 5 seeds, and its total must be large enough to mean something.
    p.greater("units dead after the lr = 10 step (units to test Leaky ReLU on)", killed, 0, id="killed_units")
    p.less("training still works: final/initial full-batch loss, worse of the two", max(run["ratio"].values()), 0.5)
    p.equal("ReLU: units with exactly zero full-batch gradient = dead units", run["zero_grad"]["ReLU"], killed)
    p.equal("Leaky ReLU: units with exactly zero full-batch gradient", run["zero_grad"]["Leaky ReLU"], 0)
    p.equal("ReLU: largest change of a dead unit's weights after 200 SGD steps", run["moved"]["ReLU"], 0.0,
            id="relu_dead_unchanged")
    p.equal("ReLU: dead units still dead after training", run["still_dead"]["ReLU"], killed)
    p.greater("Leaky ReLU: largest change of the same units' weights", run["moved"]["Leaky ReLU"], 1e-6)
    p.greater("Leaky ReLU: of those units, still negative on every input after 200 steps (more than half)",
              run["still_dead"]["Leaky ReLU"], killed // 2, id="leaky_still_negative")
    # The same over seeds (data, init and batches): the share of killed units that Leaky ReLU
    # leaves negative on every input, worst case.
    cases = [(f"seed {p.seed}", run["still_dead"]["Leaky ReLU"] / killed)]
    rises = [(f"seed {p.seed}", shares[rates.index(10.0)] - run["dead_at_init"])]
    inits, after10, after30 = [run["dead_at_init"]], [shares[rates.index(10.0)]], [shares[-1]]
    total_killed = killed
    for seed in range(p.seed + 1, p.seed + 15):
        # The first 5 seeds train too; the dead shares (one gradient step, cheap) use all 15: with 5 seeds the
        # medians themselves varied too much (the lr = 10 median over init median fell to 1.1 in a bad window).
        other = _kill_and_train(p, seed, train=seed < p.seed + 5)
        if seed < p.seed + 5:
            cases.append((f"seed {seed}", other["still_dead"]["Leaky ReLU"] / max(other["killed"], 1)))
            total_killed += other["killed"]
        rises.append((f"seed {seed}", other["shares"][rates.index(10.0)] - other["dead_at_init"]))
        inits.append(other["dead_at_init"])
        after10.append(other["shares"][rates.index(10.0)])
        after30.append(other["shares"][-1])
    p.greater("killed units over the 5 seeds of the Leaky ReLU sweep (a quarter of one layer at least)", total_killed,
              width // 4, id="killed_units_total")
    p.greater("dead share after one step at lr = 30, median over 15 seeds, vs twice the median at initialisation",
              statistics.median(after30), 2 * statistics.median(inits))
    p.sweep("rise of the dead share from initialisation to after one lr = 10 step", rises, ">", 0.0,
            id="dead_share_rise_sweep")
    # The typical effect, not one seed's: medians over the same 15 seeds (seed 0 alone is the largest of 20).
    med_init, med_lr10 = statistics.median(inits), statistics.median(after10)
    p.less("dead share at initialisation (He-normal weights, zero biases), median over 15 seeds, below the lr = 10 "
           "step's", med_init, med_lr10, id="dead_share_init")
    p.greater("dead share after one lr = 10 step, median over 15 seeds, vs twice the median at initialisation",
              med_lr10, 2 * med_init, id="dead_share_lr10")
    p.sweep("Leaky ReLU: share of the killed units still negative on every input after 200 SGD steps", cases,
            ">", 0.5, id="leaky_units_stay_negative", refutes="switching dead units to Leaky ReLU revives them")

    # Deeper in a network "dead" need not be final: the layers below change the unit's inputs.
    dead2, revived2 = _deeper_revival(p, 1000 if p.quick else 3000)
    p.equal("second hidden layer: units made barely dead (half of 64) dead at the start (by construction: a check of "
            "the set-up)", dead2, 32)
    p.greater("second hidden layer: of those, alive again after plain full-batch SGD (lr 0.05)", revived2, 0,
              id="deeper_units_revived")
