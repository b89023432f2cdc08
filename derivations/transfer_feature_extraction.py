"""Feature extraction vs fine-tuning: a frozen backbone turns head training into a convex fit on fixed features.

Symbolic: with features φ fixed, a linear head trained with MSE has the loss
‖Φw − y‖²/n: its gradient is linear in w, the normal equations ΦᵀΦw = Φᵀy give
the minimisers (one, (ΦᵀΦ)⁻¹Φᵀy, when Φ has full column rank), and its Hessian
2ΦᵀΦ/n is positive semi-definite (convex).
Fine-tuning makes the features trainable too; even the smallest case, a product
w₂·w₁·x, has an indefinite Hessian at w = 0 (eigenvalues ±2xy): not convex.
Numeric (float64): a frozen random "pretrained" MLP backbone and a linear head
trained by gradient descent (1) through the backbone at every step and (2) on
features computed once and cached: the two runs are identical, and both reach
torch.linalg.lstsq's solution. Caching needs features that do not depend on the pass: a
frozen backbone with BatchNorm left in train mode (what model.train() does) normalises every
mini-batch by its own statistics, so its features change with the batch; in eval mode they do not.
Fine-tuning with torch.optim parameter groups
(small lr on the backbone, larger on the head): one SGD step changes each group
by exactly −lr_group·grad.
Counterfactual (p.myth): the train-mode BatchNorm pass replaced by the eval-mode one, i.e. a frozen
backbone taken for a fixed function whatever its mode.
"""

TITLE = {
    "en": "Transfer learning: feature extraction vs fine-tuning",
    "zh": "迁移学习：特征提取与微调",
}
CLAIMS = [
    {
        "en": "Feature extraction (backbone frozen, new linear head) is a fit on fixed features: with MSE it is linear "
              "least squares, convex, with the closed-form solution (ΦᵀΦ)⁻¹Φᵀy when Φ has full column rank.",
        "zh": "特征提取（冻结骨干、只训练新的线性头）是在固定特征上的拟合：用 MSE 时就是线性最小二乘，凸，"
              "Φ 列满秩时闭式解为 (ΦᵀΦ)⁻¹Φᵀy。",
    },
    {
        "en": "With the backbone in eval mode (BatchNorm on its running statistics, Dropout off) and no random "
              "augmentation the features do not change, so they can be computed once and cached: training the head "
              "on cached features gives exactly the same result as running the frozen backbone every step. A "
              "BatchNorm backbone left in train mode gives features that change with the mini-batch.",
        "zh": "骨干处于 eval 模式（BatchNorm 用滑动统计量、Dropout 关闭）且没有随机数据增强时，特征不变，可以只算一次并缓存："
              "在缓存特征上训练头，与每步都跑一遍冻结骨干的结果完全相同。留在训练模式的 BatchNorm 骨干，"
              "其特征随小批量而变。",
    },
    {
        "en": "Fine-tuning also updates the backbone (a non-convex problem), usually with a smaller learning rate for the "
              "pretrained layers, set with optimiser parameter groups.",
        "zh": "微调还会更新骨干（非凸问题），通常给预训练层更小的学习率，用优化器的参数组（param groups）设置。",
    },
]


def derive(p):
    import sympy as sp

    n = 3
    f1 = sp.symbols(f"a1:{n + 1}", real=True)  # feature 1 of each sample
    f2 = sp.symbols(f"b1:{n + 1}", real=True)  # feature 2
    y = sp.symbols(f"y1:{n + 1}", real=True)
    Phi = sp.Matrix([[u, v] for u, v in zip(f1, f2)])
    w = sp.Matrix(sp.symbols("w1 w2", real=True))
    Y = sp.Matrix(y)
    loss = ((Phi * w - Y).T * (Phi * w - Y))[0] / n
    grad = sp.Matrix([sp.diff(loss, wi) for wi in w])
    p.step("Linear head on fixed features, MSE: ∇_w", sp.simplify(grad))
    p.identity("∇_w = (2/n)(ΦᵀΦw − Φᵀy): linear in w", grad, (2 * (Phi.T * Phi * w - Phi.T * Y) / n).expand())
    H = sp.hessian(loss, w)
    p.identity("Hessian = (2/n)ΦᵀΦ, constant", H, 2 * Phi.T * Phi / n)
    det = sp.factor(sp.expand((Phi.T * Phi).det()))
    p.step("det ΦᵀΦ (Cauchy–Binet: a sum of squared 2×2 minors, ≥ 0)", det)
    minors = sum((f1[i] * f2[j] - f1[j] * f2[i]) ** 2 for i in range(n) for j in range(i + 1, n))
    p.identity("det ΦᵀΦ = Σ_{i<j} (aᵢbⱼ − aⱼbᵢ)² ≥ 0 and trace ≥ 0: ΦᵀΦ ⪰ 0, the loss is convex",
               (Phi.T * Phi).det(), minors)

    # Fine-tuning: the features themselves move. The smallest case: prediction w2·(w1·x).
    x0, y0, w1, w2 = sp.symbols("x y w_1 w_2", real=True)
    ft_loss = (w2 * w1 * x0 - y0) ** 2
    H_ft = sp.hessian(ft_loss, (w1, w2)).subs({w1: 0, w2: 0})
    p.step("Fine-tuning a 2-layer linear chain: Hessian of (w₂w₁x − y)² at w = 0", H_ft)
    p.identity("its eigenvalues are ±2xy: indefinite, a saddle — not convex",
               sp.Matrix(sorted(H_ft.eigenvals().keys(), key=sp.default_sort_key)),
               sp.Matrix(sorted([2 * x0 * y0, -2 * x0 * y0], key=sp.default_sort_key)))


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    n, d_in, d_feat, d_out = (256, 10, 16, 3) if p.quick else (4096, 32, 64, 10)
    backbone = torch.nn.Sequential(torch.nn.Linear(d_in, 32), torch.nn.Tanh(), torch.nn.Linear(32, d_feat),
                                   torch.nn.Tanh())
    for layer in (backbone[0], backbone[2]):
        with torch.no_grad():
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g, dtype=dt) / layer.in_features ** 0.5)
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=g, dtype=dt) * 0.1)
    backbone = backbone.to(dev, dt).requires_grad_(False)  # the "pretrained" part, frozen
    X = torch.randn(n, d_in, generator=g, dtype=dt).to(dev)
    Y = torch.randn(n, d_out, generator=g, dtype=dt).to(dev)
    W0 = (torch.randn(d_out, d_feat, generator=g, dtype=dt) * 0.1).to(dev)

    with torch.no_grad():
        cached = backbone(X)  # computed once
    design = torch.cat([cached, torch.ones(n, 1, dtype=dt, device=dev)], 1)
    # The head's loss is a quadratic with Hessian 2DᵀD/n (D = [features, 1]); Polyak's heavy-ball
    # step size and momentum for its extreme eigenvalues make plain descent converge in a few hundred steps.
    eig = torch.linalg.eigvalsh(2 * design.T @ design / n)
    sL, smu = float(eig[-1]) ** 0.5, float(eig[0]) ** 0.5
    lr, beta = 4 / (sL + smu) ** 2, ((sL - smu) / (sL + smu)) ** 2

    def train_head(features_fn, steps):
        """Full-batch gradient descent with heavy-ball momentum on the MSE (summed over outputs)."""
        head = torch.nn.Linear(d_feat, d_out).to(dev, dt)
        with torch.no_grad():
            head.weight.copy_(W0)
            head.bias.zero_()
        vel = [torch.zeros_like(head.weight), torch.zeros_like(head.bias)]
        for _ in range(steps):
            loss = ((head(features_fn()) - Y) ** 2).sum(1).mean()
            grads = torch.autograd.grad(loss, (head.weight, head.bias))
            with torch.no_grad():
                for t, v, gt in zip((head.weight, head.bias), vel, grads):
                    v.mul_(beta).add_(gt)
                    t.sub_(lr * v)
        return head

    steps = 250 if p.quick else 1000
    h_through = train_head(lambda: backbone(X), 50)
    h_cached = train_head(lambda: cached, 50)
    p.allclose("50 steps: head trained through the frozen backbone vs on cached features",
               torch.cat([h_through.weight.flatten(), h_through.bias]),
               torch.cat([h_cached.weight.flatten(), h_cached.bias]), rtol=0, atol=1e-13)

    # Caching assumes the features do not depend on the pass. A frozen backbone with BatchNorm left in
    # train mode (what a later model.train() does) normalises each mini-batch by its own statistics.
    bn_net = torch.nn.Sequential(torch.nn.Linear(d_in, d_feat), torch.nn.BatchNorm1d(d_feat), torch.nn.Tanh())
    with torch.no_grad():
        bn_net[0].weight.copy_(torch.randn(d_feat, d_in, generator=g, dtype=dt) / d_in**0.5)
        bn_net[0].bias.zero_()
    bn_net = bn_net.to(dev, dt).requires_grad_(False)
    with torch.no_grad():
        # The myth: a frozen backbone is a fixed function whatever its mode (BN acting as in eval mode).
        bn_net.train(not p.myth)
        bn_cached = bn_net(X)  # cached from one pass over all the data
        bn_batch = bn_net(X[:32])  # the first 32 samples, as one training mini-batch
        train_gap = (bn_batch - bn_cached[:32]).abs().max()
        bn_net.eval()
        eval_gap = (bn_net(X[:32]) - bn_net(X)[:32]).abs().max()
    p.greater("frozen backbone with BatchNorm in train mode: features of a mini-batch of 32 vs the cached "
              "full-data pass, max |Δ|", train_gap, 1e-3, id="bn_train_mode_features_move",
              refutes="a frozen backbone's features never change, whatever its mode")
    p.less("… the same backbone in eval mode: mini-batch vs full-data features, max |Δ|", eval_gap, 1e-12,
           id="bn_eval_mode_features_fixed")

    head = train_head(lambda: cached, steps)
    solution = torch.linalg.lstsq(design.cpu(), Y.cpu()).solution.to(dev)  # (d_feat + 1, d_out)
    p.allclose(f"{steps} GD steps on the head vs torch.linalg.lstsq on the features",
               torch.cat([head.weight.T, head.bias[None]], 0), solution, rtol=0, atol=1e-6)

    # Fine-tuning: unfreeze, small lr for the backbone, larger for the head (parameter groups).
    backbone.requires_grad_(True)
    lr_backbone, lr_head = 1e-3, 1e-1
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": lr_backbone},
                           {"params": head.parameters(), "lr": lr_head}], lr=0.5)
    before = {name: t.detach().clone() for name, t in
              [*(("backbone." + k, v) for k, v in backbone.named_parameters()),
               *(("head." + k, v) for k, v in head.named_parameters())]}
    opt.zero_grad()
    ((head(backbone(X)) - Y) ** 2).mean().backward()
    grads = {"backbone." + k: v.grad.clone() for k, v in backbone.named_parameters()}
    grads.update({"head." + k: v.grad.clone() for k, v in head.named_parameters()})
    opt.step()
    after = {**{"backbone." + k: v for k, v in backbone.named_parameters()},
             **{"head." + k: v for k, v in head.named_parameters()}}
    for prefix, lr in (("backbone.", lr_backbone), ("head.", lr_head)):
        names = [k for k in before if k.startswith(prefix)]
        p.allclose(f"param group '{prefix[:-1]}': Δθ = −{lr:g}·∇θ (one SGD step)",
                   torch.cat([(after[k].detach() - before[k]).flatten() for k in names]),
                   torch.cat([(-lr * grads[k]).flatten() for k in names]), rtol=1e-10,
                   atol=4 * 2.0**-53 * max(float(before[k].abs().max()) for k in names))  # rounding of θ − lr·g
    p.greater("the backbone's gradient is not zero once unfrozen: ‖∇backbone‖",
              torch.cat([grads[k].flatten() for k in grads if k.startswith("backbone.")]).norm(), 1e-4)
