"""Newton's method: the quadratic model, one step on a quadratic, quadratic convergence, affine invariance.

Symbolic: minimising the second-order model m(Δ) = f + gᵀΔ + ½ΔᵀHΔ gives Δ = −H⁻¹g (∇m = 0 there).
On f = ½xᵀAx − bᵀx the step from any x lands on A⁻¹b. In 1-D, the Newton map N(x) = x − f′/f″ has
N(x* + e) − x* = (f‴(x*)/(2f″(x*)))·e² + O(e³): the error is squared each step. For g(y) = f(Ay + c)
with A invertible, ∇g = Aᵀ∇f and ∇²g = AᵀHA, so A·Δy = −H⁻¹∇f = Δx: the iterates are the same
points in either parametrisation. Gradient descent's step maps to A·Δy = −ηAAᵀ∇f ≠ −η∇f.
Numeric: with torch.autograd (grad and torch.autograd.functional.hessian) in float64 — one step on a
random 6-dimensional quadratic against torch.linalg.solve; the error exponents log e_{k+1}/log e_k
on f = eˣ − 2x; Newton vs GD iterates on a non-quadratic 2-D function after a random linear change
of variables.
"""

TITLE = {
    "en": "Newton's step −H⁻¹g: exact on quadratics, quadratic convergence, affine invariant",
    "zh": "牛顿步 −H⁻¹g：二次函数一步到位、二次收敛、仿射不变",
}
CLAIMS = [
    {
        "en": "The Newton step −H⁻¹g minimises the local quadratic model; on a quadratic with H ≻ 0 one step reaches "
              "the minimum from anywhere.",
        "zh": "牛顿步 −H⁻¹g 是局部二次模型的极小点；在 H ≻ 0 的二次函数上，从任何点出发一步就到达极小值。",
    },
    {
        "en": "Near a minimum with f″ ≠ 0 the error is squared each step: e_{k+1} ≈ (f‴/(2f″))·e_k², so the "
              "number of correct digits doubles.",
        "zh": "在 f″ ≠ 0 的极小值附近误差每步平方：e_{k+1} ≈ (f‴/(2f″))·e_k²，正确位数每步翻倍。",
    },
    {
        "en": "Newton's iterates do not depend on an invertible linear reparametrisation x = Ay + c; gradient "
              "descent's do.",
        "zh": "牛顿法的迭代点不随可逆线性重参数化 x = Ay + c 改变；梯度下降的会变。",
    },
]


def _sym2(name):
    import sympy as sp

    a, b, c, d = sp.symbols(f"{name}11 {name}12 {name}21 {name}22", real=True)
    return sp.Matrix([[a, b], [c, d]])


def _one_d():
    import sympy as sp

    x, e = sp.symbols("x e", real=True)
    f = sp.exp(x) - 2 * x
    newton = x - sp.diff(f, x) / sp.diff(f, x, 2)
    return x, e, f, newton, sp.log(2)


def derive(p):
    import sympy as sp

    g = sp.Matrix(sp.symbols("g1 g2", real=True))
    h11, h12, h22 = sp.symbols("h11 h12 h22", real=True)
    H = sp.Matrix([[h11, h12], [h12, h22]])
    delta = -H.inv() * g
    p.step("quadratic model m(Δ) = f + gᵀΔ + ½ΔᵀHΔ, ∇m(Δ) = g + HΔ; Newton step Δ = −H⁻¹g", delta)
    p.identity("∇m(−H⁻¹g) = 0: the step is the model's stationary point", sp.simplify(g + H * delta), sp.zeros(2, 1))

    A = sp.Matrix([[h11, h12], [h12, h22]])
    b = sp.Matrix(sp.symbols("b1 b2", real=True))
    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    grad = A * x - b  # ∇(½xᵀAx − bᵀx), A symmetric
    p.identity("on f = ½xᵀAx − bᵀx: x − A⁻¹(Ax − b) = A⁻¹b from any x", sp.simplify(x - A.inv() * grad), A.inv() * b)

    xs, e, f, newton, x_star = _one_d()
    err = sp.series(newton.subs(xs, x_star + e) - x_star, e, 0, 3).removeO()
    const = (sp.diff(f, xs, 3) / (2 * sp.diff(f, xs, 2))).subs(xs, x_star)
    p.step("f = eˣ − 2x, x* = ln 2: N(x* + e) − x* to second order", err)
    p.identity("… = (f‴(x*)/(2f″(x*)))·e² (no linear term: quadratic convergence)", err, const * e**2,
               id="error_squared")

    Am, Hm = _sym2("a"), H
    gy = Am.T * g
    Hy = Am.T * Hm * Am
    step_y = -Hy.inv() * gy
    p.identity("affine invariance: A·(−(AᵀHA)⁻¹Aᵀg) = −H⁻¹g", sp.simplify(Am * step_y - delta), sp.zeros(2, 1))
    eta = sp.Symbol("eta", positive=True)
    p.step("GD in y mapped back: A·(−ηAᵀg) = −ηAAᵀg, equal to −ηg only when AAᵀ = I", -eta * Am * Am.T * g)


def _f2(x):
    """A smooth, strictly convex, non-quadratic function of two variables."""
    import torch

    return torch.logsumexp(torch.stack([x[0] + 2 * x[1], x[0] - x[1], -x[0]]), 0) + 0.5 * (x**2).sum() + 0.1 * x[0] ** 4


def _newton(fun, x, steps):
    import torch
    from torch.autograd.functional import hessian

    out = [x]
    for _ in range(steps):
        x = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(fun(x), x)
        x = (x - torch.linalg.solve(hessian(fun, x), g)).detach()
        out.append(x)
    return out


def experiment(p):
    import math

    import sympy as sp
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    n = 6
    M = torch.randn(n, n, generator=gen, dtype=torch.float64)
    A = (M @ M.T + 0.5 * torch.eye(n, dtype=torch.float64)).to(p.device)
    b = torch.randn(n, generator=gen, dtype=torch.float64).to(p.device)
    x0 = 10 * torch.randn(n, generator=gen, dtype=torch.float64).to(p.device)
    (x1,) = _newton(lambda x: 0.5 * x @ A @ x - b @ x, x0, 1)[1:]
    p.allclose("one Newton step on a random 6-d quadratic (autograd H, g) vs torch.linalg.solve(A, b)", x1,
               torch.linalg.solve(A, b), rtol=1e-10, atol=1e-10, id="newton_one_step")

    xs, e, f, newton, x_star = _one_d()
    const = float((sp.diff(f, xs, 3) / (2 * sp.diff(f, xs, 2))).subs(xs, x_star))
    curvature = float(sp.diff(f, xs, 2).subs(xs, x_star))
    iterates = _newton(lambda x: (torch.exp(x) - 2 * x).sum(), torch.tensor([1.5], dtype=torch.float64), 6)
    errors = [abs(float(x[0]) - math.log(2)) for x in iterates]
    usable = [k for k in range(len(errors) - 1) if errors[k + 1] > 1e-15]
    exponents = [math.log(errors[k + 1]) / math.log(errors[k]) for k in usable]
    p.step("errors |x_k − ln 2| from x₀ = 1.5: " + ", ".join(f"{v:.3g}" for v in errors))
    k = usable[-1]
    p.close("error exponent log e_{k+1}/log e_k at the last step before machine precision", exponents[-1], 2.0,
            rtol=0.1, id="error_exponent")
    p.close("e_{k+1}/e_k² at that step vs derived f‴/(2f″) = ½", errors[k + 1] / errors[k] ** 2, const, rtol=0.05,
            id="error_constant")
    # Gradient descent on the same function: linear convergence, exponent → 1.
    w = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.2)
    gd_err = []
    for _ in range(30):
        opt.zero_grad()
        (torch.exp(w) - 2 * w).sum().backward()
        opt.step()
        gd_err.append(abs(float(w.detach()) - math.log(2)))
    p.close("GD (lr 0.2) on the same f: error ratio e_{k+1}/e_k after 30 steps vs |1 − η·f″(x*)| (linear)",
            gd_err[-1] / gd_err[-2], abs(1 - 0.2 * curvature), rtol=1e-3, id="gd_ratio")

    # Affine invariance: the same function in y with x = Ay + c.
    Ac = torch.randn(2, 2, generator=gen, dtype=torch.float64).to(p.device) + 2 * torch.eye(2, dtype=torch.float64)
    c = torch.randn(2, generator=gen, dtype=torch.float64).to(p.device)
    y0 = torch.randn(2, generator=gen, dtype=torch.float64).to(p.device)
    x_path = _newton(_f2, Ac @ y0 + c, 4)
    if p.myth:  # the myth's Newton: a fixed-matrix (preconditioned-GD-like) step that depends on the coordinates
        hy = torch.autograd.functional.hessian(lambda y: _f2(Ac @ y + c), y0)
        y_path, y = [y0], y0
        for _ in range(4):
            y = y.detach().requires_grad_()
            (gy,) = torch.autograd.grad(_f2(Ac @ y + c), y)
            y = (y - torch.diag(1 / hy.diagonal()) @ gy).detach()
            y_path.append(y)
    else:
        y_path = _newton(lambda y: _f2(Ac @ y + c), y0, 4)
    gap = max(float((Ac @ yk + c - xk).abs().max()) for yk, xk in zip(y_path, x_path))
    p.less("Newton: max over 4 iterates of |A·y_k + c − x_k|", gap, 1e-10, id="newton_affine_invariant",
           refutes="Newton's method depends on the parametrisation like gradient descent")

    def gd(fun, start, lr=0.02, steps=4):
        z = start.clone().requires_grad_()
        opt = torch.optim.SGD([z], lr=lr)
        path = [start]
        for _ in range(steps):
            opt.zero_grad()
            fun(z).backward()
            opt.step()
            path.append(z.detach().clone())
        return path

    gx = gd(_f2, Ac @ y0 + c)
    gy = gd(lambda y: _f2(Ac @ y + c), y0)
    gd_gap = max(float((Ac @ yk + c - xk).abs().max()) for yk, xk in zip(gy, gx))
    p.greater("GD (torch.optim.SGD, lr 0.02): max over 4 iterates of |A·y_k + c − x_k|", gd_gap, 1e-3,
              id="gd_not_invariant")
