"""Backprop through a residual block y = x + F(x): the Jacobian is I + ∂F/∂x.

Symbolic: for a concrete 2-d block F(x) = tanh(Wx + b), sympy's jacobian of
y = x + F(x) equals I + diag(1 − tanh²(Wx + b))·W, and differentiating a loss
through it gives ∂L/∂x = ∂L/∂y·(I + J_F). Two blocks chain to (I + J₂)(I + J₁),
whose expansion holds a lone I: the path on which the gradient skips every block.
Numeric: autograd through a 6-block tanh residual stack against the closed-form
backward pass g ← g + Wᵀ(sech²(z) ⊙ g), and torch's full Jacobian against the
explicit product Π(I + J_l). Then the scalar stacks of the exercise x ← x + tanh(w·x),
every one it can draw: with w > 0 each factor 1 + F′ exceeds 1, with w < 0 it can fall
near 0 or below, and for a share of the stacks the product with shortcuts is smaller
than the product of the branch derivatives alone.
"""

TITLE = {
    "en": "Residual block backprop: ∂L/∂x = ∂L/∂y·(I + ∂F/∂x)",
    "zh": "残差块的反向传播：∂L/∂x = ∂L/∂y·(I + ∂F/∂x)",
}
CLAIMS = [
    {
        "en": "For y = x + F(x) the Jacobian is ∂y/∂x = I + J_F, so ∂L/∂x = ∂L/∂y + ∂L/∂y·J_F: the upstream gradient "
              "arrives unchanged through the shortcut and is added to what flows back through F.",
        "zh": "对 y = x + F(x)，雅可比矩阵 ∂y/∂x = I + J_F，所以 ∂L/∂x = ∂L/∂y + ∂L/∂y·J_F："
              "上游梯度经捷径原样到达，再加上经 F 回传的部分。",
    },
    {
        "en": "Through L blocks the Jacobian is the product (I + J_L)⋯(I + J_1); its expansion contains the identity "
              "term I (plus every product of a subset of the J's), so the gradient has a path that skips all blocks.",
        "zh": "经过 L 个块，雅可比是乘积 (I + J_L)⋯(I + J_1)；展开后含有单位阵 I 这一项（以及所有 J 子集的乘积），"
              "所以梯度有一条跳过所有块的通路。",
    },
    {
        "en": "torch autograd through a 6-block tanh residual stack matches this closed form to 1e-12.",
        "zh": "6 个 tanh 残差块堆叠后，torch 自动求导的结果与该闭式解一致（误差 1e-12 以内）。",
    },
    {
        "en": "The 1 is not a floor: for x ← x + tanh(w·x) each factor 1 + F′ exceeds 1 when w > 0, but with w < 0 "
              "it can be near 0 or negative, and the product with shortcuts can be smaller than without.",
        "zh": "这个 1 并不是下限：对 x ← x + tanh(w·x)，w > 0 时每个因子 1 + F′ 都大于 1；w < 0 时它可能接近 0 "
              "甚至为负，带捷径的乘积可能比不带捷径的还小。",
    },
]


def _block(sp, x, W, b):
    """One residual block y = x + tanh(Wx + b), and its branch Jacobian diag(1 − tanh²(z))·W."""
    z = W * x + b
    y = x + z.applyfunc(sp.tanh)
    J_F = sp.diag(*[1 - sp.tanh(zi) ** 2 for zi in z]) * W
    return y, J_F


def derive(p):
    import sympy as sp

    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    W = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22", real=True))
    b = sp.Matrix(sp.symbols("b1 b2", real=True))
    y, J_F = _block(sp, x, W, b)
    p.step("A residual block with a 2-d tanh branch: y = x + tanh(Wx + b)", y)

    J_y = y.jacobian(x).applyfunc(sp.expand)
    p.step("sympy differentiates y with respect to x (the Jacobian ∂y/∂x)", J_y)
    p.step("The branch alone: J_F = ∂F/∂x = diag(1 − tanh²(Wx + b))·W", J_F)
    p.identity("∂y/∂x = I + J_F", J_y, (sp.eye(2) + J_F).applyfunc(sp.expand),
               shown=sp.Eq(sp.Symbol("∂y/∂x"), sp.Symbol("I") + sp.Symbol("J_F"), evaluate=False))

    # A concrete loss, differentiated straight through the block, against the chain rule.
    t = sp.Matrix(sp.symbols("t1 t2", real=True))
    loss = ((y - t).T * (y - t))[0] / 2
    dL_dx = sp.Matrix([[sp.diff(loss, xi) for xi in x]])
    dL_dy = (y - t).T
    p.step("L = ½‖y − t‖²; ∂L/∂y is the row vector (y − t)ᵀ", dL_dy)
    p.identity("∂L/∂x (sympy, differentiated through the block) = ∂L/∂y·(I + J_F)",
               dL_dx.applyfunc(sp.expand), (dL_dy * (sp.eye(2) + J_F)).applyfunc(sp.expand),
               shown=sp.Eq(sp.Symbol("∂L/∂x"), sp.Symbol("∂L/∂y·(I + J_F)"), evaluate=False))

    # Two blocks: sympy's Jacobian of the composition is the product of the block Jacobians.
    V = sp.Matrix(2, 2, sp.symbols("v11 v12 v21 v22", real=True))
    c = sp.Matrix(sp.symbols("c1 c2", real=True))
    y2, J2 = _block(sp, y, V, c)
    # Both sides expanded: the difference then cancels term by term (simplify on the raw
    # tanh expressions would take seconds).
    p.identity("Two blocks: ∂y₂/∂x = (I + J₂)(I + J₁)",
               y2.jacobian(x).applyfunc(sp.expand),
               ((sp.eye(2) + J2) * (sp.eye(2) + J_F)).applyfunc(sp.expand),
               shown=sp.Eq(sp.Symbol("∂y₂/∂x"), sp.Symbol("(I + J₂)(I + J₁)"), evaluate=False))

    # The product for L = 3 blocks with non-commuting matrices, expanded.
    I = sp.Identity(2)
    Js = [sp.MatrixSymbol(f"J{i}", 2, 2) for i in (1, 2, 3)]
    product = (I + Js[2]) * (I + Js[1]) * (I + Js[0])
    expanded = product.expand()
    p.step("Three blocks: (I + J₃)(I + J₂)(I + J₁) expands into 2³ = 8 terms", expanded)
    p.holds("the expansion contains the lone identity term I (the gradient highway)",
            any(term == I for term in expanded.args), measured=f"{len(expanded.args)} terms, I among them",
            expected="I among the terms", id="expansion_has_identity")

    # The scalar block of the exercise: its factor, derived, and what it is at the worst point for w < 0.
    xs, w = sp.symbols("x w", real=True)
    factor = sp.diff(xs + sp.tanh(w * xs), xs)
    p.step("Scalar block x ← x + tanh(w·x): the factor d(out)/d(in)", factor)
    p.identity("factor − 1 = w/cosh²(w·x): the sign of w decides whether it is above or below 1",
               (factor - 1).rewrite(sp.cosh), w / sp.cosh(w * xs) ** 2)
    p.step("At x = 0 the factor is 1 + w: 0 for w = −1, negative for w < −1", factor.subs(xs, 0))


def experiment(p):
    import torch

    dt = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, depth = 5, 6
    Ws = [torch.randn(n, n, generator=g, dtype=dt).to(p.device) for _ in range(depth)]
    bs = [torch.randn(n, generator=g, dtype=dt).to(p.device) for _ in range(depth)]
    target = torch.randn(n, generator=g, dtype=dt).to(p.device)
    x0 = torch.randn(n, generator=g, dtype=dt).to(p.device)

    def stack(x):
        for W, b in zip(Ws, bs):
            x = x + torch.tanh(W @ x + b)
        return x

    x = x0.clone().requires_grad_(True)
    loss = 0.5 * ((stack(x) - target) ** 2).sum()
    loss.backward()

    # The closed form, by hand: forward to store the pre-activations, then
    # g ← g·(I + diag(sech²z)W) = g + Wᵀ(sech²z ⊙ g) from the last block down.
    with torch.no_grad():
        h, zs = x0.clone(), []
        for W, b in zip(Ws, bs):
            zs.append(W @ h + b)
            h = h + torch.tanh(zs[-1])
        grad = h - target
        for W, z in zip(reversed(Ws), reversed(zs)):
            grad = grad + W.T @ ((1 - torch.tanh(z) ** 2) * grad)
    p.allclose("∂L/∂x: autograd vs the closed form g ← g·(I + J_F), 6 blocks", x.grad, grad,
               rtol=1e-12, atol=1e-12, id="autograd_vs_closed_form")

    # The full Jacobian of the stack against the explicit product (I + J_6)⋯(I + J_1).
    jac = torch.autograd.functional.jacobian(stack, x0)
    eye = torch.eye(n, dtype=dt, device=p.device)
    product, plain_chain = eye.clone(), eye.clone()
    for W, z in zip(Ws, zs):
        J = torch.diag(1 - torch.tanh(z) ** 2) @ W
        product = (eye + J) @ product
        plain_chain = J @ plain_chain
    p.allclose("∂x₆/∂x₀: torch Jacobian vs Π(I + J_l)", jac, product, rtol=1e-12, atol=1e-12,
               id="jacobian_vs_product")
    # The check can fail: drop the identities and the product no longer matches.
    p.greater("max |Δ| if the I's are dropped (the product of J's alone is wrong)",
              (jac - plain_chain).abs().max(), 1e-3, id="product_without_identities_differs")

    _exercise_stacks(p)


def _exercise_stacks(p):
    """Every scalar stack the exercise residual_grad can draw, each with its probability. p.myth: the
    misconception that the shortcut's 1 keeps every factor ≥ 1, i.e. a branch slope that is never negative."""
    import itertools
    import math

    import torch

    from dlstudy.exercises.residual import DEPTHS, STARTS, WEIGHTS

    positive, negative = [], []
    smaller = 0.0  # probability that |∏(1 + F′)| < |∏ F′|
    for depth in DEPTHS:
        weight = 1 / (len(DEPTHS) * len(WEIGHTS) ** depth * len(STARTS))
        for ws in itertools.product(WEIGHTS, repeat=depth):
            for x0 in STARTS:
                x, with_shortcut, branches = x0, 1.0, 1.0
                for w in ws:
                    t = math.tanh(w * x)
                    slope = (abs(w) if p.myth else w) * (1 - t * t)
                    with_shortcut *= 1 + slope
                    branches *= slope
                    x += t
                if abs(with_shortcut) < abs(branches):
                    smaller += weight
        # Each block's factor ∂x_{l+1}/∂x_l from autograd on the block x + tanh(w·x) itself (all the stacks of this
        # depth at once), not from the formula 1 + w(1 − tanh²) that the sweep below would otherwise restate.
        combos = list(itertools.product(WEIGHTS, repeat=depth))
        W = torch.tensor([ws for ws in combos for _ in STARTS], dtype=torch.float64)
        x = torch.tensor([x0 for _ in combos for x0 in STARTS], dtype=torch.float64)
        for layer in range(depth):
            xl = x.detach().requires_grad_()
            y = xl + torch.tanh(W[:, layer] * xl)
            (factor,) = torch.autograd.grad(y.sum(), xl)
            if p.myth:  # a branch slope that is never negative
                factor = 1 + (factor - 1).abs()
            for w, xv, f in zip(W[:, layer].tolist(), xl.detach().tolist(), factor.tolist()):
                (positive if w > 0 else negative).append((w, xv, f))
            x = y.detach()
    p.sweep("exercise stacks, w > 0: factor 1 + F′ of every block reached", (
        (f"w = {w:g}, x = {x:.3g}", f) for w, x, f in positive), ">", 1.0, id="exercise_positive_w_factor")
    w, x, lowest = min(negative, key=lambda case: abs(case[2]))
    p.less(f"exercise stacks, w < 0: the factor 1 + F′ nearest 0 (w = {w:g}, x = {x:.3g})", abs(lowest), 0.05,
           id="exercise_negative_w_factor", refutes="the shortcut's 1 keeps every factor 1 + F′ at least 1")
    p.greater("share of the exercise's stacks where |∏(1 + F′)| < |∏ F′| (exact, over all it draws)", smaller, 0.0,
              id="exercise_share_shortcut_smaller",
              refutes="with shortcuts the gradient is never smaller than without them")
