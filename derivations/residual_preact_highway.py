"""Is the shortcut gradient really "lossless"? Only when the shortcut is a pure identity.

Symbolic: the original ResNet block applies ReLU after the addition,
y = ReLU(x + F(x)); sympy's derivative is H(x + F)(1 + F′), so the shortcut term
is the 0/1 mask H(x + F), not 1. Over blocks the branch-free term of the
Jacobian product is the product of masks D_L⋯D_1 (post-activation), exactly 1
(pre-activation, y = x + F(x)), and λ^L for a scaled shortcut y = λx + F(x)
(He et al., "Identity Mappings in Deep Residual Networks", 2016). Numeric: with
the branches detached, autograd through nn.Linear blocks returns exactly the
upstream gradient for identity shortcuts, the upstream gradient times the
product of ReLU masks for post-addition ReLU, and λ^L times it for λ-scaled ones.
"""

TITLE = {
    "en": "The gradient highway is exact only for identity shortcuts (pre- vs post-activation)",
    "zh": "只有恒等捷径才让梯度“无损”通过（预激活 vs 后激活）",
}
CLAIMS = [
    {
        "en": "With a ReLU after the addition (original ResNet), the shortcut passes ∂L/∂y ⊙ H(x + F): coordinates where "
              "x + F < 0 get no shortcut gradient, and over L blocks the shortcut term is the product of the masks.",
        "zh": "加法之后接 ReLU（原始 ResNet）时，捷径传回的是 ∂L/∂y ⊙ H(x + F)：x + F < 0 的坐标得不到捷径梯度，"
              "L 个块后捷径项是各层掩码的乘积。",
    },
    {
        "en": "With an identity shortcut (pre-activation, y = x + F(x)) the shortcut term of ∂L/∂x₀ is exactly ∂L/∂x_L; "
              "with a scaled shortcut y = λx + F(x) it is λ^L·∂L/∂x_L, which vanishes for λ < 1 and explodes for λ > 1.",
        "zh": "恒等捷径（预激活，y = x + F(x)）时 ∂L/∂x₀ 的捷径项恰为 ∂L/∂x_L；捷径乘以 λ（y = λx + F(x)）时为 "
              "λ^L·∂L/∂x_L，λ < 1 时消失，λ > 1 时爆炸。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.Symbol("x", real=True)
    F = sp.Function("F")
    post = sp.Max(0, x + F(x))
    d_post = sp.diff(post, x)
    p.step("Original block, 1-d: y = ReLU(x + F(x)); sympy differentiates", d_post)
    shortcut = sp.expand(d_post).subs(sp.Derivative(F(x), x), 0)
    p.step("Its shortcut term (the part without F′) is a step function, 0 where x + F(x) < 0", shortcut)
    p.identity("shortcut term of post-activation block = H(x + F(x))", shortcut, sp.Heaviside(x + F(x)))

    L3 = 3
    fs = sp.symbols(f"f1:{L3 + 1}", commutative=False)  # branch Jacobians
    ds = sp.symbols(f"D1:{L3 + 1}", commutative=False)  # diagonal 0/1 ReLU masks
    lam = sp.Symbol("lambda", positive=True)
    no_branch = {f: 0 for f in fs}
    post_prod = sp.Integer(1)
    pre_prod = sp.Integer(1)
    scaled_prod = sp.Integer(1)
    for f, d in zip(fs, ds):
        post_prod = d * (1 + f) * post_prod
        pre_prod = (1 + f) * pre_prod
        scaled_prod = (lam + f) * scaled_prod
    p.step("Three post-activation blocks, Jacobian D₃(1 + f₃)D₂(1 + f₂)D₁(1 + f₁), branch-free term",
           sp.expand(post_prod).subs(no_branch))
    p.identity("branch-free term, post-activation = D₃D₂D₁ (a mask, not I)",
               sp.expand(post_prod).subs(no_branch), ds[2] * ds[1] * ds[0])
    p.identity("branch-free term, pre-activation (1 + f₃)(1 + f₂)(1 + f₁) = 1",
               sp.expand(pre_prod).subs(no_branch), 1)
    p.identity("branch-free term, scaled shortcut (λ + f₃)(λ + f₂)(λ + f₁) = λ³",
               sp.expand(scaled_prod).subs(no_branch), lam**3)
    t, L = sp.symbols("t L", positive=True)
    p.identity("any L: (λ + t)^L at t = 0 is λ^L", ((lam + t) ** L).subs(t, 0), lam**L)


def _highway_grad(torch, blocks, x, upstream, kind, lam=1.0):
    """∂L/∂x₀ through the shortcuts only (branches detached), and the ReLU masks met on the way."""
    x = x.clone().requires_grad_(True)
    h, masks = x, []
    for block in blocks:
        branch = block(h).detach()  # forward is the real network; backward sees only the shortcut
        if kind == "post":
            s = h + branch
            masks.append((s > 0).to(s.dtype))
            h = torch.relu(s)
        elif kind == "pre":
            h = h + branch
        else:
            h = lam * h + branch
    (h * upstream).sum().backward()
    return x.grad, masks


def experiment(p):
    import torch

    dt = torch.float64
    torch.manual_seed(p.seed)  # nn.Linear default init
    n, batch, L = 32, 16, 16
    blocks = [torch.nn.Sequential(torch.nn.Linear(n, n, dtype=dt), torch.nn.ReLU(),
                                  torch.nn.Linear(n, n, dtype=dt)).to(p.device) for _ in range(L)]
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(batch, n, generator=g, dtype=dt).to(p.device)
    upstream = torch.randn(batch, n, generator=g, dtype=dt).to(p.device)

    grad_pre, _ = _highway_grad(torch, blocks, x, upstream, "pre")
    p.allclose(f"identity shortcuts, {L} blocks: shortcut gradient vs ∂L/∂x_L", grad_pre, upstream, rtol=0, atol=1e-12)

    grad_post, masks = _highway_grad(torch, blocks, x, upstream, "post")
    mask_product = torch.ones_like(upstream)
    for m in masks:
        mask_product = mask_product * m
    p.allclose(f"post-addition ReLU, {L} blocks: shortcut gradient vs ∂L/∂x_L ⊙ Π masks",
               grad_post, upstream * mask_product, rtol=0, atol=1e-12)
    p.greater(f"post-addition ReLU: share of coordinates the shortcut term zeroes after {L} blocks",
              (grad_post == 0).to(dt).mean(), 0.3, id="post_relu_zeroed_share")

    for lam in (0.9, 1.1):
        grad_scaled, _ = _highway_grad(torch, blocks, x, upstream, "scaled", lam)
        p.allclose(f"shortcut λ = {lam}: shortcut gradient vs λ^{L}·∂L/∂x_L (λ^{L} = {lam**L:.3g})",
                   grad_scaled, lam**L * upstream, rtol=1e-12, atol=1e-12)

    depths = [1, 2, 4, 8, 16]
    series = {}
    for name, kind, lam in (("identity (pre-act)", "pre", 1.0), ("ReLU after add", "post", 1.0),
                            ("λ = 0.9", "scaled", 0.9), ("λ = 1.1", "scaled", 1.1)):
        ys = []
        for d in depths:
            grad, _ = _highway_grad(torch, blocks[:d], x, upstream, kind, lam)
            ys.append((grad.norm() / upstream.norm()).item())
        series[name] = (depths, ys)
    p.plot("Shortcut-only gradient at the input, ‖·‖ / ‖∂L/∂x_L‖", series, xlabel="blocks", ylabel="ratio",
           logy=True)
