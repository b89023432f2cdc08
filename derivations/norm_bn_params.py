"""BatchNorm's parameters and buffers, and why the layer before it needs no bias.

Symbolic: for z = w·x + b over a batch, BN(z) does not contain b (the mean
subtraction removes it) and, with ε = 0, not the scale of w either. Numeric:
parameter and buffer counts of the real modules; Linear(bias=True)+BN equals
Linear(bias=False)+BN in train mode and the bias gets zero gradient; with BN
before the ReLU every unit starts about half active however shifted the input, when its
pre-activations are roughly symmetric (Gaussian inputs; sparse 0/1 inputs are skewed and are not).
"""

TITLE = {
    "en": "BatchNorm parameters, buffers and placement before the activation",
    "zh": "BatchNorm 的参数、缓冲区，以及放在激活函数之前",
}
CLAIMS = [
    {
        "en": "nn.BatchNorm1d/2d(C) learn 2C numbers (weight γ, bias β) and keep 2C + 1 buffer entries "
              "(running_mean, running_var, num_batches_tracked) that the optimizer never touches; "
              "nn.LayerNorm(F) learns 2F and has no buffers.",
        "zh": "nn.BatchNorm1d/2d(C) 有 2C 个可学习参数（weight γ、bias β），另有三个缓冲区、共 2C + 1 个数"
              "（running_mean、running_var、num_batches_tracked），优化器不更新它们；"
              "nn.LayerNorm(F) 有 2F 个参数、没有缓冲区。",
    },
    {
        "en": "In train mode BN(W·x + b) = BN(W·x): the bias of the layer before BN cancels and gets zero "
              "gradient, so it can be dropped (β plays its role).",
        "zh": "训练模式下 BN(W·x + b) = BN(W·x)：BN 前一层的偏置被抵消、梯度为零，可以去掉（由 β 承担）。",
    },
    {
        "en": "With ε = 0, BN(a·z) = BN(z) for a > 0: BN output is blind to the scale of the weights before it.",
        "zh": "ε = 0 时对 a > 0 有 BN(a·z) = BN(z)：BN 输出与其前面权重的尺度无关。",
    },
    {
        "en": "BN placed before the ReLU (Linear → BN → ReLU) starts every unit active on ~half the samples of a batch "
              "even when the input is strongly shifted, as long as its pre-activations are roughly symmetric "
              "(Gaussian inputs; sparse 0/1 inputs leave some units far from half); without BN such a shift leaves "
              "units dead or always on.",
        "zh": "BN 放在 ReLU 之前（Linear → BN → ReLU）时，即使输入整体偏移很大，每个单元初始也约有一半样本被激活，"
              "前提是其预激活大致对称（高斯输入；稀疏的 0/1 输入会让部分单元远离一半）；"
              "没有 BN 时同样的偏移会让单元全死或全通。",
    },
]


def derive(p):
    import sympy as sp

    N = 3
    x = sp.symbols(f"x1:{N + 1}", real=True)
    w, b = sp.symbols("w b", real=True)
    a = sp.Symbol("a", positive=True)
    eps = sp.Symbol("epsilon", positive=True)

    def bn(z, e):
        m = sum(z) / len(z)
        v = sp.expand(sum((zi - m) ** 2 for zi in z) / len(z))
        return [sp.expand(zi - m) / sp.sqrt(v + e) for zi in z], v

    z = [w * xi + b for xi in x]
    out_b, var_b = bn(z, eps)
    out_0, _ = bn([w * xi for xi in x], eps)
    p.step("z = w·x + b over a batch of three; the variance of z", sp.factor(var_b))
    p.step("BN output of sample 1: b has dropped out", out_b[0])
    p.identity("BN(w·x + b) = BN(w·x) for every sample", sp.Matrix(out_b), sp.Matrix(out_0),
               shown=sp.Eq(sp.Symbol("BN(w·x + b)"), sp.Symbol("BN(w·x)")))
    p.holds("(sympy) b is not a free symbol of the BN output", b not in sp.Matrix(out_b).free_symbols,
            measured=str(sorted(map(str, sp.Matrix(out_b).free_symbols))), expected="no b")
    scaled, _ = bn([a * zi for zi in z], 0)
    plain, _ = bn(z, 0)
    p.identity("ε = 0: BN(a·z) = BN(z) for a > 0 (weight-scale invariance)",
               sp.Matrix([sp.powsimp(sp.factor(s)) for s in scaled]), sp.Matrix([sp.factor(s) for s in plain]),
               shown=sp.Eq(sp.Symbol("BN(a·z)"), sp.Symbol("BN(z)")))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device

    def n_params(m):
        return sum(t.numel() for t in m.parameters())

    def n_buffers(m):
        return sum(t.numel() for t in m.buffers())

    for C in (3, 64):
        bn1, bn2, ln = torch.nn.BatchNorm1d(C), torch.nn.BatchNorm2d(C), torch.nn.LayerNorm(C)
        p.equal(f"BatchNorm1d({C}) learnable parameters = 2C", n_params(bn1), 2 * C)
        p.equal(f"BatchNorm2d({C}) learnable parameters = 2C", n_params(bn2), 2 * C)
        p.equal(f"BatchNorm2d({C}) buffer entries = 2C + 1", n_buffers(bn2), 2 * C + 1)
        p.equal(f"LayerNorm({C}) learnable parameters = 2C", n_params(ln), 2 * C)
        p.equal(f"LayerNorm({C}) buffer entries = 0", n_buffers(ln), 0)
    names = [n for n, _ in torch.nn.BatchNorm1d(4).named_buffers()]
    p.equal("BatchNorm buffers", ", ".join(names), "running_mean, running_var, num_batches_tracked")
    p.equal("BatchNorm2d(C, affine=False): parameters", n_params(torch.nn.BatchNorm2d(8, affine=False)), 0)
    p.equal("LayerNorm((L, F)) = LayerNorm((5, 6)): parameters = 2·L·F", n_params(torch.nn.LayerNorm((5, 6))), 60)

    # The bias before BN: same output, zero gradient.
    lin = torch.nn.Linear(8, 6, dtype=dt).to(dev)
    lin_nb = torch.nn.Linear(8, 6, bias=False, dtype=dt).to(dev)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(6, 8, generator=gen, dtype=dt))
        lin.bias.copy_(torch.randn(6, generator=gen, dtype=dt) * 5)
        lin_nb.weight.copy_(lin.weight)
    bn = torch.nn.BatchNorm1d(6, dtype=dt).to(dev)
    if p.myth:  # the misconception's picture: BN as a fixed affine map, which does not remove the batch mean
        bn.eval()
    x = torch.randn(32, 8, generator=gen, dtype=dt).to(dev)
    y = bn(lin(x))
    p.allclose("train mode: BN(Linear with bias) = BN(Linear without bias)", y, bn(lin_nb(x)), rtol=1e-10, atol=1e-12,
               id="bias_cancels_in_bn")
    y.pow(3).sum().backward()  # any loss
    p.allclose("gradient reaching the Linear bias through BN", lin.bias.grad, torch.zeros(6), atol=1e-12,
               id="bias_before_bn_gets_zero_grad", refutes="the bias of a layer right before BatchNorm still learns")
    p.greater("…while the weight gradient is not zero", lin.weight.grad.abs().max(), 1e-3, id="weight_grad_nonzero")

    # Placement: Linear → BN → ReLU vs Linear → ReLU, on an input shifted far from 0.
    width = 64
    x = (torch.randn(256, 16, generator=gen, dtype=dt) + 8).to(dev)  # every input feature has mean 8
    lin = torch.nn.Linear(16, width, dtype=dt)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(width, 16, generator=gen, dtype=dt) * (2 / 16) ** 0.5)  # He init
        lin = lin.to(dev)
        active_plain = (torch.relu(lin(x)) > 0).double().mean(0)  # fraction of the batch each unit passes
        active_bn = (torch.relu(torch.nn.BatchNorm1d(width, dtype=dt).to(dev)(lin(x))) > 0).double().mean(0)
    stuck = ((active_plain < 0.02) | (active_plain > 0.98)).double().mean()
    p.greater("no BN: fraction of units dead or always on (< 2% or > 98% active)", stuck, 0.5, id="no_bn_stuck_units")
    p.allclose("BN before ReLU: each unit's active fraction ≈ 0.5", active_bn, 0.5 * torch.ones(width), atol=0.15,
               id="bn_active_fraction")
    # The shift cancels exactly (BN removes the mean); "about half" needs a roughly symmetric pre-activation.
    # Over seeds × shifts with Gaussian inputs, and with sparse 0/1 inputs (skewed pre-activations).
    bn = torch.nn.BatchNorm1d(width, dtype=dt).to(dev)

    def share_gap(seed, shift, sparse):
        g = torch.Generator().manual_seed(seed)
        u = (torch.rand(256, 16, generator=g, dtype=dt) < 0.05).to(dt) if sparse else torch.randn(
            256, 16, generator=g, dtype=dt)
        w = torch.randn(width, 16, generator=g, dtype=dt) * (2 / 16) ** 0.5
        with torch.no_grad():
            share = (bn(((u + shift) @ w.T).to(dev)) > 0).double().mean(0)
        return float((share - 0.5).abs().max())

    seeds = range(p.seed + 1, p.seed + 4)
    p.sweep("BN before ReLU, Gaussian inputs: max over units of |active share − ½|, seeds × shifts 0, 8, 100",
            [(f"seed {k}, shift {c:g}", share_gap(k, c, False)) for k in seeds for c in (0.0, 8.0, 100.0)],
            "<", 0.15, id="bn_active_sweep")
    p.greater("BN before ReLU, sparse 0/1 inputs (5 % ones, shifted by 8): largest |active share − ½| over units "
              "and 3 seeds", max(share_gap(k, 8.0, True) for k in seeds), 0.15, id="bn_active_skewed")
