"""Newton's method is attracted to saddle points; gradient descent is repelled.

Symbolic: on f = ½(ax² − by²) (a, b > 0, a saddle at 0) the Newton step −H⁻¹g from any point
(x, y) lands exactly on the saddle (0, 0), while GD maps y to (1 + ηb)y: away from it. Along an
eigenvector with eigenvalue λ < 0 the Newton step −gᵢ/λ points up-hill: the step has a positive
directional derivative there, so Newton is not a descent method where H is indefinite. Dauphin et
al.'s saddle-free Newton uses |H| (eigenvalues replaced by their absolute values) and moves away.
Numeric: on the quartic f = ½x² − ½y² + ¼y⁴ (saddle at 0, minima (0, ±1)), with torch autograd
Hessians: Newton from (0.3, 0.2) converges to the saddle, torch.optim.SGD from the same point
reaches the minimum (0, 1), and |H|-Newton too.
"""

TITLE = {
    "en": "Newton's method converges to saddle points; GD and saddle-free Newton move away",
    "zh": "牛顿法会收敛到鞍点；GD 和无鞍牛顿法会远离它",
}
CLAIMS = [
    {
        "en": "On a quadratic saddle ½(ax² − by²) one Newton step from anywhere lands exactly on the saddle; "
              "GD multiplies the y-coordinate by 1 + ηb.",
        "zh": "在二次鞍面 ½(ax² − by²) 上，从任何点出发的一步牛顿法都恰好落在鞍点；GD 把 y 坐标乘以 1 + ηb。",
    },
    {
        "en": "Newton's step solves ∇f = 0, and a saddle is a solution: where H has a negative eigenvalue the step "
              "goes up-hill along it.",
        "zh": "牛顿步求解的是 ∇f = 0，鞍点也是它的解：H 有负特征值时，沿该方向的牛顿步是上坡。",
    },
]


def derive(p):
    import sympy as sp

    x, y, a, b, eta = sp.symbols("x y a b eta", real=True)
    f = (a * x**2 - b * y**2) / 2
    v = sp.Matrix([x, y])
    g = sp.Matrix([sp.diff(f, s) for s in (x, y)])
    H = sp.hessian(f, (x, y))
    p.identity("Hessian of ½(ax² − by²) is diag(a, −b): a saddle for a, b > 0", H, sp.diag(a, -b))
    p.identity("Newton from any (x, y): (x, y) − H⁻¹∇f = (0, 0), the saddle", sp.simplify(v - H.inv() * g),
               sp.zeros(2, 1))
    p.identity("GD: y − η∂f/∂y = (1 + ηb)y, away from the saddle", sp.expand((v - eta * g)[1]), (1 + eta * b) * y)
    newton_step = -H.inv() * g
    along_y = sp.simplify(g[1] * newton_step[1])  # the y-part of gᵀΔ, from the step itself
    lam = H[1, 1]  # the eigenvalue of the y eigendirection, −b
    p.identity("directional derivative of f along the Newton step, y eigendirection (λ = −b): g_y·Δ_y = −g_y²/λ",
               along_y, -g[1] ** 2 / lam)
    p.holds("… = b·y² > 0 for y ≠ 0 (sympy, a, b > 0): the Newton step goes up-hill along negative curvature",
            sp.ask(sp.Q.positive(along_y), sp.Q.positive(a) & sp.Q.positive(b) & sp.Q.nonzero(y)) is True,
            along_y, "> 0")


def _hessian_step(x, absolute):
    import torch
    from torch.autograd.functional import hessian

    def f(w):
        return w[0] ** 2 / 2 - w[1] ** 2 / 2 + w[1] ** 4 / 4

    w = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(w), w)
    H = hessian(f, w)
    if absolute:  # saddle-free Newton: |H| = V|Λ|Vᵀ
        lam, V = torch.linalg.eigh(H)
        H = V @ torch.diag(lam.abs()) @ V.T
    return (w - torch.linalg.solve(H, g)).detach(), float(f(w).detach())


def experiment(p):
    import torch

    start = torch.tensor([0.3, 0.2], dtype=torch.float64, device=p.device)
    x = start
    for _ in range(8):
        # the myth's Newton "always moves towards a minimum" behaves like a descent method: |H|
        x, _ = _hessian_step(x, absolute=p.myth)
    p.less("Newton from (0.3, 0.2), 8 steps: distance to the saddle (0, 0)", float(x.norm()), 1e-10,
           id="newton_converges_to_saddle", refutes="Newton's method always moves towards a minimum")
    first, _ = _hessian_step(start, absolute=p.myth)
    p.less("first Newton step: |y₁|/|y₀| (below 1: towards the saddle along negative curvature)",
           abs(float(first[1])) / 0.2, 1.0, id="newton_first_step_y_ratio",
           refutes="Newton's method always moves towards a minimum")
    g_y = float(-start[1] + start[1] ** 3)
    p.greater("first Newton step, y-part of the directional derivative ∂f/∂y·Δy (> 0: up-hill along y)",
              g_y * float(first[1] - start[1]), 0, id="newton_uphill_along_y")

    w = start.clone().requires_grad_()
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        (w[0] ** 2 / 2 - w[1] ** 2 / 2 + w[1] ** 4 / 4).backward()
        opt.step()
    p.allclose("GD (torch.optim.SGD, lr 0.1), 200 steps from the same point: ends at the minimum (0, 1)",
               w.detach(), torch.tensor([0.0, 1.0], dtype=torch.float64, device=p.device), atol=1e-6,
               id="gd_reaches_minimum")
    x = start
    for _ in range(8):
        x, _ = _hessian_step(x, absolute=True)
    p.allclose("saddle-free Newton (|H|), 8 steps: ends at the minimum (0, 1)", x,
               torch.tensor([0.0, 1.0], dtype=torch.float64, device=p.device), atol=1e-6, id="saddle_free_newton")
