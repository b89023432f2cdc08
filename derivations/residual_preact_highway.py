"""Is the shortcut gradient really "lossless"? Only when the shortcut is a pure identity.

Symbolic: the original ResNet block applies ReLU after the addition,
y = ReLU(x + F(x)); sympy's derivative is H(x + F)(1 + F′), so the shortcut term
is the 0/1 mask H(x + F), not 1. Over blocks the branch-free term of the
Jacobian product is the product of masks D_L⋯D_1 (post-activation), exactly 1
(pre-activation, y = x + F(x)), and λ^L for a scaled shortcut y = λx + F(x)
(He et al., "Identity Mappings in Deep Residual Networks", 2016). Numeric: autograd
through real nn.Linear–ReLU–nn.Linear blocks against the product of the block
Jacobians λI + J_l (pre-activation, λ-scaled) and D_l(I + J_l) (post-addition ReLU),
with each branch Jacobian J_l from torch.func.jacrev; the shortcut-only gradient
through the post-addition ReLUs and the share of coordinates its masks zero; and,
with small branches, the whole input gradient tracking λ^L.
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
               sp.expand(post_prod).subs(no_branch), ds[2] * ds[1] * ds[0], id="post_branch_free_term")
    p.identity("branch-free term, pre-activation (1 + f₃)(1 + f₂)(1 + f₁) = 1",
               sp.expand(pre_prod).subs(no_branch), 1, id="pre_branch_free_term")
    p.identity("branch-free term, scaled shortcut (λ + f₃)(λ + f₂)(λ + f₁) = λ³",
               sp.expand(scaled_prod).subs(no_branch), lam**3, id="scaled_branch_free_term")
    t, L = sp.symbols("t L", positive=True)
    p.identity("any L: (λ + t)^L at t = 0 is λ^L", ((lam + t) ** L).subs(t, 0), lam**L)


def _blocks(torch, n, L, seed, device, branch_scale=1.0):
    """L branches nn.Linear → ReLU → nn.Linear (default init), the last layer scaled by ``branch_scale``."""
    torch.manual_seed(seed)  # nn.Linear default init
    blocks = [torch.nn.Sequential(torch.nn.Linear(n, n, dtype=torch.float64), torch.nn.ReLU(),
                                  torch.nn.Linear(n, n, dtype=torch.float64)).to(device) for _ in range(L)]
    with torch.no_grad():
        for block in blocks:
            block[2].weight.mul_(branch_scale)
            block[2].bias.mul_(branch_scale)
    return blocks


def _forward(torch, blocks, x, kind, lam=1.0, detach_branches=False):
    """The residual stack: "post" y = ReLU(x + F(x)), "pre" y = x + F(x), "scaled" y = λx + F(x)."""
    h, inputs = x, []
    for block in blocks:
        inputs.append(h.detach())
        branch = block(h)
        if detach_branches:  # backward then sees only the shortcuts
            branch = branch.detach()
        if kind == "post":
            h = torch.relu(h + branch)
        elif kind == "pre":
            h = h + branch
        else:
            h = lam * h + branch
    return h, inputs


def experiment(p):
    import torch
    from torch.func import jacrev, vmap

    dt, dev = torch.float64, p.device
    n, batch = 32, 16
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(batch, n, generator=g, dtype=dt).to(dev)
    upstream = torch.randn(batch, n, generator=g, dtype=dt).to(dev)
    eye = torch.eye(n, dtype=dt, device=dev)

    # 1. Autograd through the whole network (branches included) against the product of block Jacobians.
    L = 4
    blocks = _blocks(torch, n, L, p.seed, dev)
    errors = {}
    for kind, lam in (("pre", 1.0), ("post", 1.0), ("scaled", 0.9), ("scaled", 1.1)):
        x0 = x.clone().requires_grad_(True)
        out, inputs = _forward(torch, blocks, x0, kind, lam)
        (out * upstream).sum().backward()
        product = eye.expand(batch, n, n)
        for block, h in zip(blocks, inputs):
            with torch.no_grad():
                J = vmap(jacrev(block))(h)  # ∂F/∂h per sample, [batch, n, n]
                if kind == "post":
                    mask = (h + block(h) > 0).to(dt)
                    step = mask[:, :, None] * (eye + J)
                else:
                    step = lam * eye + J
            product = step @ product
        errors[kind, lam] = (x0.grad, (product.transpose(1, 2) @ upstream[:, :, None]).squeeze(-1))
    text = f"{L} blocks: autograd ∂L/∂x₀ vs ∂L/∂x_L·Π(block Jacobians), J_l by jacrev"
    p.allclose(f"{text}, pre-activation, I + J_l", *errors["pre", 1.0], rtol=1e-10, atol=1e-12,
               id="pre_jacobian_product")
    p.allclose(f"{text}, ReLU after the addition, D_l(I + J_l)", *errors["post", 1.0], rtol=1e-10, atol=1e-12,
               id="post_jacobian_product")
    p.allclose(f"{text}, shortcut 0.9·x, 0.9·I + J_l", *errors["scaled", 0.9], rtol=1e-10, atol=1e-12,
               id="scaled_jacobian_product_0_9")
    p.allclose(f"{text}, shortcut 1.1·x, 1.1·I + J_l", *errors["scaled", 1.1], rtol=1e-10, atol=1e-12,
               id="scaled_jacobian_product_1_1")

    # 2. Post-addition ReLU: the shortcut-only gradient (branches detached) is the upstream gradient times the
    # product of the masks, and the masks zero most coordinates after 16 blocks (mean over 4 networks).
    # p.myth: the block the misconception has in mind, where nothing after the addition touches the gradient.
    L = 16
    shares = []
    for k in range(4):
        blocks = _blocks(torch, n, L, p.seed + k, dev)
        x0 = x.clone().requires_grad_(True)
        out, inputs = _forward(torch, blocks, x0, "pre" if p.myth else "post", detach_branches=True)
        (out * upstream).sum().backward()
        if k == 0:
            with torch.no_grad():
                masks = torch.ones_like(x)
                for block, h in zip(blocks, inputs):
                    masks = masks * (h + block(h) > 0).to(dt)
            p.allclose(f"post-addition ReLU, {L} blocks: shortcut-only gradient (autograd) vs ∂L/∂x_L ⊙ Π masks",
                       x0.grad, upstream * masks, rtol=0, atol=1e-12, id="post_shortcut_mask_product")
        shares.append((x0.grad == 0).to(dt).mean().item())
    p.greater(f"post-addition ReLU: share of coordinates the shortcut term zeroes after {L} blocks (mean of 4 "
              "networks)", sum(shares) / len(shares), 0.3, id="post_relu_zeroed_share",
              refutes="the original ResNet's shortcut passes the gradient back unchanged")

    # 3. Small branches (last layer ×0.01): the whole input gradient, branches included, follows λ^L.
    blocks = _blocks(torch, n, L, p.seed, dev, branch_scale=0.01)
    depths = [1, 2, 4, 8, 16]
    series = {}
    for lam in (0.9, 1.0, 1.1):
        ys = []
        for d in depths:
            x0 = x.clone().requires_grad_(True)
            out, _ = _forward(torch, blocks[:d], x0, "scaled", lam)
            (out * upstream).sum().backward()
            ys.append((x0.grad.norm() / upstream.norm()).item())
        series[lam] = ys

    def close_text(lam):
        return f"small branches, λ = {lam}, {L} blocks: ‖∂L/∂x₀‖/‖∂L/∂x_L‖ vs λ^{L} = {lam**L:.3g}"

    p.close(close_text(0.9), series[0.9][-1], 0.9**L, rtol=0.01, id="small_branches_lambda_0_9")
    p.close(close_text(1.0), series[1.0][-1], 1.0, rtol=0.01, id="small_branches_lambda_1_0")
    p.close(close_text(1.1), series[1.1][-1], 1.1**L, rtol=0.01, id="small_branches_lambda_1_1")
    p.plot("Input gradient with small branches, ‖∂L/∂x₀‖ / ‖∂L/∂x_L‖, against depth",
           {f"λ = {lam}": (depths, ys) for lam, ys in series.items()}, xlabel="blocks",
           ylabel="ratio", logy=True)
