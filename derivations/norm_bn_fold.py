"""In eval mode BatchNorm is a fixed per-channel affine map, so it folds into the layer before it.

Symbolic: γ·(w·x + b − μ_r)/√(σ_r² + ε) + β = w'·x + b' with w' = γw/√(σ_r² + ε)
and b' = γ(b − μ_r)/√(σ_r² + ε) + β, read off by collecting the powers of x.
Numeric: Linear+BatchNorm1d and Conv2d+BatchNorm2d in eval mode against one
Linear/Conv2d built from that formula, and against torch's own fuse helper; in
train mode the folded layer no longer matches.
"""

TITLE = {
    "en": "Eval-mode BatchNorm folds into the preceding Linear / Conv",
    "zh": "推理模式的 BatchNorm 可以合并进前面的 Linear / Conv",
}
CLAIMS = [
    {
        "en": "In eval mode BN is y = γ(z − running_mean)/√(running_var + ε) + β: a fixed affine map per channel.",
        "zh": "推理模式下 BN 是 y = γ(z − running_mean)/√(running_var + ε) + β：每个通道一个固定的仿射变换。",
    },
    {
        "en": "Linear/Conv followed by eval BN equals one Linear/Conv with W' = diag(γ/√(σ_r² + ε))·W and "
              "b' = γ(b − μ_r)/√(σ_r² + ε) + β.",
        "zh": "Linear/Conv 后接推理模式的 BN，等于一个 Linear/Conv：W' = diag(γ/√(σ_r² + ε))·W，"
              "b' = γ(b − μ_r)/√(σ_r² + ε) + β。",
    },
    {
        "en": "The fold is only valid in eval mode: in train mode BN uses the batch statistics.",
        "zh": "这种合并只在推理模式下成立：训练模式下 BN 用的是 batch 统计量。",
    },
]


def derive(p):
    import sympy as sp

    x, w, b, beta, mu_r = sp.symbols("x w b beta μᵣ", real=True)
    gamma, var_r, eps = sp.symbols("gamma σᵣ² epsilon", positive=True)
    y = gamma * (w * x + b - mu_r) / sp.sqrt(var_r + eps) + beta
    p.step("Eval-mode BN applied to a linear unit z = w·x + b", y)
    poly = sp.Poly(sp.expand(y), x)
    w_new, b_new = poly.coeff_monomial(x), poly.coeff_monomial(1)
    p.step("Coefficient of x: the folded weight w'", w_new)
    p.step("Constant term: the folded bias b'", sp.collect(sp.factor_terms(b_new), beta))
    p.equal("(sympy) degree of y in x (an affine map)", poly.degree(), 1)
    p.identity("w' = γ·w/√(σ_r² + ε)", w_new, gamma * w / sp.sqrt(var_r + eps))
    p.identity("b' = γ·(b − μ_r)/√(σ_r² + ε) + β", b_new, gamma * (b - mu_r) / sp.sqrt(var_r + eps) + beta)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device

    def randomise(bn, steps, make_batch):
        """Non-trivial γ, β, and running statistics from a few train-mode batches."""
        C = bn.num_features
        with torch.no_grad():
            bn.weight.copy_(torch.rand(C, generator=gen, dtype=dt) + 0.5)
            bn.bias.copy_(torch.randn(C, generator=gen, dtype=dt))
            for _ in range(steps):
                bn(make_batch())

    # Linear → BatchNorm1d
    lin = torch.nn.Linear(6, 4, dtype=dt).to(dev)
    bn = torch.nn.BatchNorm1d(4, dtype=dt).to(dev)
    randomise(bn, 5, lambda: lin(torch.randn(16, 6, generator=gen, dtype=dt).to(dev) * 2 + 1))
    bn.eval()
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        folded = torch.nn.Linear(6, 4, dtype=dt).to(dev)
        folded.weight.copy_(scale[:, None] * lin.weight)
        folded.bias.copy_(scale * (lin.bias - bn.running_mean) + bn.bias)
        x = torch.randn(32, 6, generator=gen, dtype=dt).to(dev)
        p.allclose("eval: BN(Linear(x)) vs folded Linear(x)", bn(lin(x)), folded(x), rtol=1e-10, atol=1e-12)
        bn.train()
        p.greater("train mode: max |BN(Linear(x)) − folded Linear(x)| (fold invalid)",
                  (bn(lin(x)) - folded(x)).abs().max(), 1e-2)

    # Conv2d → BatchNorm2d: the same per output channel.
    conv = torch.nn.Conv2d(3, 5, 3, padding=1, dtype=dt).to(dev)
    bn2 = torch.nn.BatchNorm2d(5, dtype=dt).to(dev)
    randomise(bn2, 5, lambda: conv(torch.randn(4, 3, 8, 8, generator=gen, dtype=dt).to(dev) + 0.5))
    bn2.eval()
    conv.eval()
    with torch.no_grad():
        scale = bn2.weight / torch.sqrt(bn2.running_var + bn2.eps)
        folded_conv = torch.nn.Conv2d(3, 5, 3, padding=1, dtype=dt).to(dev)
        folded_conv.weight.copy_(scale[:, None, None, None] * conv.weight)
        folded_conv.bias.copy_(scale * (conv.bias - bn2.running_mean) + bn2.bias)
        img = torch.randn(2, 3, 8, 8, generator=gen, dtype=dt).to(dev)
        p.allclose("eval: BN2d(Conv2d(x)) vs folded Conv2d(x)", bn2(conv(img)), folded_conv(img), rtol=1e-10, atol=1e-12)
        fused = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn2)
        p.allclose("hand-folded conv weight vs torch.nn.utils.fusion.fuse_conv_bn_eval", folded_conv.weight,
                   fused.weight, rtol=1e-10, atol=1e-12)
        p.allclose("hand-folded conv bias vs torch.nn.utils.fusion.fuse_conv_bn_eval", folded_conv.bias,
                   fused.bias, rtol=1e-10, atol=1e-12)
