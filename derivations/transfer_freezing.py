"""Freezing layers for transfer learning: what requires_grad=False does, and what it does not.

Symbolic: from the parameter shapes torch.nn defines (Conv2d weight (C_out, C_in, k, k)
and bias (C_out); BatchNorm2d γ, β of shape (C), its running statistics are buffers;
Linear weight (n_out, n_in) and bias (n_out)), each layer's count as Σ of shape
products, and the count left trainable once the backbone is frozen. An optimiser step
changes a weight by −η(g + λw) plus momentum, so a frozen weight is safe only if
it has NO gradient at all (grad is None), not a zero one. BatchNorm's running mean
moves by m·(batch mean − running mean) (PyTorch momentum m = 0.1) in train mode,
whatever requires_grad says.
Numeric (float64, a small CNN): torch's parameter shapes vs the derived ones, and
the counted trainable parameters before/after freezing vs the derived counts; after backward the frozen parameters have grad None
and one SGD step (momentum, weight decay) over ALL parameters leaves them
bit-for-bit unchanged while the head moves; BatchNorm's running mean still
changes in train mode (matching the update rule) and stops changing in eval mode;
with zero_grad(set_to_none=False) the "frozen" weights drift by exactly the
momentum + weight-decay step if they had gradients before freezing (and stay put if they never had one).
Counterfactual (p.myth): an optimiser that decays frozen weights, a BatchNorm frozen
with its parameters, a non-recursive model.train(), and zero gradients set to None.
"""

TITLE = {
    "en": "Transfer learning: freezing layers with requires_grad=False",
    "zh": "迁移学习：用 requires_grad=False 冻结层",
}
CLAIMS = [
    {
        "en": "Trainable-parameter count = Σ numel over parameters with requires_grad; for Conv2d(3, 8, 3) → BN(8) → "
              "Linear(8, 16) → head Linear(16, 5) it is 469, and 85 once the backbone is frozen (BN buffers never count).",
        "zh": "可训练参数数 = requires_grad 为真的参数的 numel 之和；对 Conv2d(3, 8, 3) → BN(8) → Linear(8, 16) → "
              "头 Linear(16, 5) 为 469，冻结骨干后为 85（BN 的缓冲区从不计入）。",
    },
    {
        "en": "Frozen parameters get no gradient (grad is None), and torch.optim skips them: an optimiser step, even with "
              "momentum and weight decay, leaves them exactly unchanged.",
        "zh": "被冻结的参数没有梯度（grad 为 None），torch.optim 会跳过它们：即使有动量和权重衰减，优化器的一步也不会改变它们。",
    },
    {
        "en": "requires_grad=False does not freeze BatchNorm's running statistics: they keep updating in train mode; "
              "put the frozen part in eval() mode to stop them.",
        "zh": "requires_grad=False 冻结不了 BatchNorm 的滑动统计量：训练模式下它们照样更新；需要对冻结部分调用 eval()。",
    },
    {
        "en": "A zero gradient is not a missing one: if the weights had gradients before they were frozen, "
              "zero_grad(set_to_none=False) keeps them as zero tensors, and weight decay and momentum still move the "
              "'frozen' weights (frozen before any backward, they never get a gradient and stay put).",
        "zh": "梯度为零不等于没有梯度：若权重在冻结前已有梯度，zero_grad(set_to_none=False) 会把它们保留为零张量，"
              "权重衰减和动量仍会移动被“冻结”的权重（若在任何 backward 之前就冻结，它们从不会有梯度，保持不动）。",
    },
]


# The layers of the model and their sizes: (name, layer type, its size arguments).
LAYERS = [("conv", "Conv2d", {"C_in": 3, "C_out": 8, "k": 3}), ("bn", "BatchNorm2d", {"C": 8}),
          ("fc", "Linear", {"n_in": 8, "n_out": 16}), ("head", "Linear", {"n_in": 16, "n_out": 5})]


def _shapes():
    """Parameter shapes of each layer type as torch.nn defines them (its documentation's "Variables"),
    with symbolic sizes; numel and every count below are derived from these."""
    import sympy as sp

    c_in, c_out, k, c, n_in, n_out = sp.symbols("C_in C_out k C n_in n_out", positive=True, integer=True)
    return {
        "Conv2d": {"weight": (c_out, c_in, k, k), "bias": (c_out,)},  # groups = 1, square kernel
        "BatchNorm2d": {"weight": (c,), "bias": (c,)},  # γ, β; running stats are buffers
        "Linear": {"weight": (n_out, n_in), "bias": (n_out,)},
    }


def _counts():
    """Per layer type: its parameter count derived as Σ over its parameters of the product of the shape;
    then the model's layers with their sizes substituted."""
    import sympy as sp

    per_type = {name: sum(sp.Mul(*shape) for shape in params.values()) for name, params in _shapes().items()}
    layers = {}
    for name, kind, sizes in LAYERS:
        expr = per_type[kind]
        layers[name] = expr.subs({s: sizes[str(s)] for s in expr.free_symbols})
    total = sum(layers.values())
    return per_type, layers, total, layers["head"]


def derive(p):
    import sympy as sp

    per_type, layers, total, head = _counts()
    for kind, expr in per_type.items():
        p.step(f"{kind}: Σ over its parameters of numel = product of the shape", sp.factor(expr))
    p.step("Conv2d(3, 8, 3), BN(8), Linear(8, 16), head Linear(16, 5)", sp.Matrix([list(layers.values())]))
    p.step("total parameters", total)
    p.step("trainable with the backbone frozen (the head only), and the fraction still trained",
           sp.Tuple(head, sp.Rational(head, total)))

    w, g, lam, eta, mu, buf = sp.symbols("w g lambda eta mu b", real=True)
    new_buf = mu * buf + (g + lam * w)
    p.step("SGD with momentum μ and weight decay λ: buffer b ← μb + (g + λw), w ← w − ηb", new_buf)
    step_zero = sp.expand(-(eta * new_buf).subs(g, 0))
    p.step("with a ZERO gradient the weight still moves by −η(μb + λw) (the experiment checks torch)", step_zero)

    m, run, batch = sp.symbols("m r x_bar", real=True)
    new_run = (1 - m) * run + m * batch
    p.step("BatchNorm running mean r ← (1 − m)r + m·x̄ moves by m(x̄ − r), no gradient involved "
           "(the experiment checks torch)", sp.factor(new_run - run))
    T = sp.Symbol("T", integer=True, nonnegative=True)
    r0 = sp.Symbol("r_0", real=True)
    R = sp.Function("r")
    drift = sp.rsolve(R(T) - new_run.subs(run, R(T - 1)), R(T), {R(0): r0})
    p.identity("after T train-mode forwards on batches of mean x̄ (solving that recurrence): r_T = x̄ + (1 − m)^T(r₀ − x̄) "
               "— a frozen backbone's statistics drift to the new data", drift, batch + (1 - m) ** T * (r0 - batch))


def experiment(p):
    import torch

    dt, dev = torch.float64, p.device
    backbone = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 16), torch.nn.ReLU(),
    ).to(dev, dt)
    head = torch.nn.Linear(16, 5).to(dev, dt)
    model = torch.nn.Sequential(backbone, head)

    def trainable(module):
        return sum(t.numel() for t in module.parameters() if t.requires_grad)

    # The derived shapes and counts, against torch's modules.
    shapes, (_, _, total, head_count) = _shapes(), _counts()
    modules = {"conv": backbone[0], "bn": backbone[1], "fc": backbone[5], "head": head}
    mismatched = []
    for name, kind, sizes in LAYERS:
        for pname, shape in shapes[kind].items():
            want = tuple(int(s.subs({v: sizes[str(v)] for v in s.free_symbols})) for s in shape)
            if tuple(getattr(modules[name], pname).shape) != want:
                mismatched.append(f"{name}.{pname}")
    p.equal("parameters whose torch shape differs from the derived shape", len(mismatched), 0)
    p.equal("trainable parameters before freezing (torch count; derived total as expected)", trainable(model),
            int(total), id="trainable_before")
    p.equal("BN buffers (running_mean, running_var, num_batches_tracked) — not parameters",
            sum(b.numel() for b in backbone[1].buffers()), 17, id="bn_buffer_numbers")
    backbone.requires_grad_(False)
    p.equal("trainable parameters after backbone.requires_grad_(False) (derived head count as expected)",
            trainable(model), int(head_count), id="trainable_after")
    p.close("fraction of the parameters still trained", trainable(model) / sum(t.numel() for t in model.parameters()),
            float(head_count / total), rtol=1e-12, id="trainable_fraction")

    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(16, 3, 10, 10, generator=g, dtype=dt).to(dev)
    y = torch.randint(0, 5, (16,), generator=g).to(dev)
    frozen_before = [t.detach().clone() for t in backbone.parameters()]
    head_before = [t.detach().clone() for t in head.parameters()]
    # The common pattern: hand the optimiser ALL parameters, frozen ones included.
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)

    model.train()
    bn = backbone[1]
    run_before = bn.running_mean.clone()
    with torch.no_grad():
        batch_mean = backbone[0](x).mean((0, 2, 3))  # what BN sees in this batch
    if p.myth:  # the myth: requires_grad_(False) freezes the running statistics too
        bn.eval()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    p.equal("after backward: frozen parameters whose grad is not None",
            sum(t.grad is not None for t in backbone.parameters()), 0)
    opt.step()
    if p.myth:  # the myth: the optimiser still applies weight decay to frozen parameters
        with torch.no_grad():
            for t in backbone.parameters():
                t.mul_(1 - 0.1 * 0.01)
    p.equal("after opt.step(): frozen tensors not bit-for-bit equal to before",
            sum(not torch.equal(a, b) for a, b in zip(frozen_before, backbone.parameters())), 0,
            id="frozen_unchanged_by_step",
            refutes="weight decay or momentum still moves parameters with requires_grad=False")
    # The same for every built-in optimizer that has decay or momentum: a parameter whose grad is None is skipped.
    cases = []
    for name, make in (("SGD(momentum, weight_decay)", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9,
                                                                                    weight_decay=0.01)),
                       ("Adam(weight_decay)", lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.01)),
                       ("AdamW", lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1)),
                       ("RMSprop(momentum, weight_decay)", lambda ps: torch.optim.RMSprop(ps, lr=0.1, momentum=0.9,
                                                                                          weight_decay=0.01)),
                       ("Adagrad(weight_decay)", lambda ps: torch.optim.Adagrad(ps, lr=0.1, weight_decay=0.01))):
        frozen = torch.nn.Linear(4, 4).to(dev, dt).requires_grad_(False)
        live = torch.nn.Linear(4, 1).to(dev, dt)
        before = [t.detach().clone() for t in frozen.parameters()]
        o = make([*frozen.parameters(), *live.parameters()])
        for _ in range(3):
            o.zero_grad()
            live(frozen(x.flatten(1)[:, :4])).pow(2).mean().backward()
            o.step()
        cases.append((name, max(float((a - b).abs().max()) for a, b in zip(before, frozen.parameters()))))
    p.sweep("frozen (requires_grad=False) weights: max |Δw| after 3 steps, per torch.optim optimizer", cases, "<=", 0.0,
            id="frozen_unchanged_all_optimizers")
    p.greater("…while the head moved: max |Δw|", max(float((a - b.detach()).abs().max())
                                                      for a, b in zip(head_before, head.parameters())), 1e-4)
    p.allclose("train mode: BN running_mean still updated, = 0.9·old + 0.1·batch mean", bn.running_mean,
               0.9 * run_before + 0.1 * batch_mean, rtol=1e-12, atol=1e-15)
    p.greater("…so it moved by max |Δ|", (bn.running_mean - run_before).abs().max(), 1e-4, id="bn_stats_move",
              refutes="requires_grad_(False) also freezes BatchNorm's running statistics")
    backbone.eval()
    frozen_stats = bn.running_mean.clone()
    if p.myth:  # the myth: model.train() only flips the top module, backbone.eval() sticks
        model.training = True
    else:
        model.train()  # recursive: it puts the backbone back in train mode
    p.equal("model.train() after backbone.eval(): is BN back in train mode?", int(bn.training), 1,
            id="train_resets_eval", refutes="backbone.eval() survives a later model.train()")
    backbone.eval()
    model(x)
    p.equal("backbone.eval(): running_mean unchanged by a forward pass (max |Δ|)",
            float((bn.running_mean - frozen_stats).abs().max()), 0.0, id="eval_stops_stats")

    # set_to_none=False by itself is harmless: a parameter frozen before its first backward never gets a
    # grad tensor, so zero_grad has nothing to fill with zeros and the optimizer keeps skipping it.
    never = torch.nn.Linear(4, 4).to(dev, dt).requires_grad_(False)
    top = torch.nn.Linear(4, 1).to(dev, dt)
    o = torch.optim.SGD([*never.parameters(), *top.parameters()], lr=0.1, momentum=0.9, weight_decay=0.01)
    before = never.weight.detach().clone()
    for _ in range(3):
        o.zero_grad(set_to_none=False)
        top(never(x.flatten(1)[:, :4])).pow(2).mean().backward()
        o.step()
    p.equal("frozen before any backward, zero_grad(set_to_none=False), 3 steps: max |Δw| (no grad tensor ever made)",
            float((never.weight - before).abs().max()), 0.0, id="zero_grad_harmless_without_old_grads")

    # The trap: train everything for a step, freeze, but keep zero-filled (not None) gradients.
    backbone.requires_grad_(True).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    backbone.requires_grad_(False)
    opt.zero_grad(set_to_none=p.myth)  # grads become zeros, not None (the myth: zero is as good as None)
    conv_w = backbone[0].weight
    w0 = conv_w.detach().clone()
    buf0 = opt.state[conv_w]["momentum_buffer"].clone()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    p.allclose("zero_grad(set_to_none=False): frozen conv weight moves by −η(μb + λw) (closed form)",
               conv_w.detach() - w0, -0.1 * (0.9 * buf0 + 0.01 * w0), rtol=1e-10, atol=1e-15,
               id="zero_grad_closed_form")
    p.greater("…a drift of max |Δw|", (conv_w.detach() - w0).abs().max(), 1e-5, id="zero_grad_drift",
              refutes="a zero gradient leaves a weight unchanged")
