"""Freezing layers for transfer learning: what requires_grad=False does, and what it does not.

Symbolic: the parameter counts of the layers used (Conv2d: C_out·C_in·k² + C_out;
BatchNorm2d: 2C, its running statistics are buffers; Linear: n_in·n_out + n_out)
and the count left trainable once the backbone is frozen. An optimiser step
changes a weight by −η(g + λw) plus momentum, so a frozen weight is safe only if
it has NO gradient at all (grad is None), not a zero one. BatchNorm's running mean
moves by m·(batch mean − running mean) (PyTorch momentum m = 0.1) in train mode,
whatever requires_grad says.
Numeric (float64, a small CNN): counted trainable parameters before/after
freezing vs the hand counts; after backward the frozen parameters have grad None
and one SGD step (momentum, weight decay) over ALL parameters leaves them
bit-for-bit unchanged while the head moves; BatchNorm's running mean still
changes in train mode (matching the update rule) and stops changing in eval mode;
with zero_grad(set_to_none=False) the "frozen" weights drift by exactly the
momentum + weight-decay step.
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
        "en": "A zero gradient is not a missing one: with zero_grad(set_to_none=False), weight decay and momentum still move "
              "'frozen' weights.",
        "zh": "梯度为零不等于没有梯度：用 zero_grad(set_to_none=False) 时，权重衰减和动量仍会移动被“冻结”的权重。",
    },
]


def derive(p):
    import sympy as sp

    c_in, c_out, k, c, n_in, n_out = sp.symbols("C_in C_out k C n_in n_out", positive=True, integer=True)
    conv = c_out * c_in * k**2 + c_out
    bn = 2 * c
    linear = n_in * n_out + n_out
    p.step("Conv2d(C_in, C_out, k): weight C_out·C_in·k² + bias C_out", conv)
    p.step("BatchNorm2d(C): γ and β (running_mean, running_var, num_batches_tracked are buffers)", bn)
    p.step("Linear(n_in, n_out): weight n_in·n_out + bias n_out", linear)
    parts = [conv.subs({c_in: 3, c_out: 8, k: 3}), bn.subs(c, 8),
             linear.subs({n_in: 8, n_out: 16}), linear.subs({n_in: 16, n_out: 5})]
    p.step("Conv2d(3, 8, 3), BN(8), Linear(8, 16), head Linear(16, 5)", sp.Matrix([parts]))
    p.identity("total = 224 + 16 + 144 + 85 = 469", sum(parts), 469)
    p.identity("trainable with the backbone frozen = the head = 85", parts[-1], 85)
    p.step("fraction still trained", sp.Rational(parts[-1], sum(parts)))

    w, g, lam, eta, mu, buf = sp.symbols("w g lambda eta mu b", real=True)
    new_buf = mu * buf + (g + lam * w)
    p.step("SGD with momentum μ and weight decay λ: buffer b ← μb + (g + λw), w ← w − ηb", new_buf)
    step_zero = sp.expand(-(eta * new_buf).subs(g, 0))
    p.identity("with a ZERO gradient the weight still moves by −η(μb + λw)", step_zero,
               -eta * mu * buf - eta * lam * w)

    m, run, batch = sp.symbols("m r x_bar", real=True)
    new_run = (1 - m) * run + m * batch
    p.identity("BatchNorm running mean r ← (1 − m)r + m·x̄ moves by m(x̄ − r): no gradient involved",
               sp.expand(new_run - run), sp.expand(m * (batch - run)))


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

    p.equal("trainable parameters before freezing", trainable(model), 469)
    p.equal("BN buffers (running_mean, running_var, num_batches_tracked) — not parameters",
            sum(b.numel() for b in backbone[1].buffers()), 17)
    backbone.requires_grad_(False)
    p.equal("trainable parameters after backbone.requires_grad_(False)", trainable(model), 85)

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
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    p.equal("after backward: frozen parameters whose grad is not None",
            sum(t.grad is not None for t in backbone.parameters()), 0)
    opt.step()
    p.equal("after opt.step(): frozen tensors not bit-for-bit equal to before",
            sum(not torch.equal(a, b) for a, b in zip(frozen_before, backbone.parameters())), 0)
    p.greater("…while the head moved: max |Δw|", max(float((a - b.detach()).abs().max())
                                                      for a, b in zip(head_before, head.parameters())), 1e-4)
    p.allclose("train mode: BN running_mean still updated, = 0.9·old + 0.1·batch mean", bn.running_mean,
               0.9 * run_before + 0.1 * batch_mean, rtol=1e-12, atol=1e-15)
    p.greater("…so it moved by max |Δ|", (bn.running_mean - run_before).abs().max(), 1e-4)
    backbone.eval()
    frozen_stats = bn.running_mean.clone()
    model.train()  # recursive: it puts the backbone back in train mode
    p.equal("model.train() after backbone.eval(): is BN back in train mode?", int(bn.training), 1)
    backbone.eval()
    model(x)
    p.equal("backbone.eval(): running_mean unchanged by a forward pass (max |Δ|)",
            float((bn.running_mean - frozen_stats).abs().max()), 0.0)

    # The trap: train everything for a step, freeze, but keep zero-filled (not None) gradients.
    backbone.requires_grad_(True).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    backbone.requires_grad_(False)
    opt.zero_grad(set_to_none=False)  # grads become zeros, not None
    conv_w = backbone[0].weight
    w0 = conv_w.detach().clone()
    buf0 = opt.state[conv_w]["momentum_buffer"].clone()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
    p.allclose("zero_grad(set_to_none=False): frozen conv weight moves by −η(μb + λw) (closed form)",
               conv_w.detach() - w0, -0.1 * (0.9 * buf0 + 0.01 * w0), rtol=1e-10, atol=1e-15)
    p.greater("…a drift of max |Δw|", (conv_w.detach() - w0).abs().max(), 1e-5)
