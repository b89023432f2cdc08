"""Nesterov momentum: Sutskever's look-ahead form and PyTorch's nesterov=True are one algorithm.

Symbolic: Sutskever et al. (2013) write NAG as v ← μv − η∇f(w + μv), w ← w + v: the gradient
is taken at the look-ahead point u = w + μv. Rewritten in u, one step is
u ← u + μ²v − (1 + μ)η∇f(u); PyTorch's nesterov=True (b ← μb + g, w ← w − η(g + μb)) is
exactly this with v = −ηb (which needs a constant η) and its parameter w playing u. So PyTorch never evaluates a gradient
anywhere but at its stored parameters: the stored parameters *are* the look-ahead points.
Numeric: torch.optim.SGD(nesterov=True) on a logistic-regression loss against a hand-written
Sutskever NAG whose look-ahead gradient comes from autograd; the two trajectories agree
(torch's w = Sutskever's w + μv) to rounding, differ from heavy ball, and part under a step schedule.
"""

TITLE = {
    "en": "Nesterov: the look-ahead form and torch's nesterov=True are the same algorithm in shifted variables",
    "zh": "Nesterov：前瞻形式与 torch 的 nesterov=True 是同一算法（变量平移）",
}
CLAIMS = [
    {
        "en": "With u = w + μv, Sutskever's NAG becomes u ← u + μ²v − (1 + μ)η∇f(u), which is torch's "
              "b ← μb + g(u), u ← u − η(g + μb) with v = −ηb.",
        "zh": "令 u = w + μv，Sutskever 的 NAG 变为 u ← u + μ²v − (1 + μ)η∇f(u)，正是 torch 的 "
              "b ← μb + g(u)，u ← u − η(g + μb)（v = −ηb）。",
    },
    {
        "en": "At a constant learning rate torch's parameters are the look-ahead points: its trajectory equals "
              "Sutskever's w_t + μv_t, not w_t. When η changes, torch rescales its buffer at once and the two part.",
        "zh": "学习率恒定时，torch 保存的参数就是前瞻点：其轨迹等于 Sutskever 的 w_t + μv_t，而不是 w_t。"
              "η 变化时 torch 立刻重新缩放缓冲，两者就分开了。",
    },
]


def derive(p):
    import sympy as sp

    mu, eta = sp.symbols("mu eta", positive=True)
    w, v, b = sp.symbols("w v b")
    grad = sp.Function("g")  # ∇f
    u = w + mu * v
    v_new = mu * v - eta * grad(u)
    w_new = w + v_new
    u_new = sp.expand(w_new + mu * v_new)
    p.step("Sutskever NAG: v' = μv − η∇f(w + μv), w' = w + v'; the look-ahead u' = w' + μv' =", u_new)
    u_sym = sp.Symbol("u")
    in_u = sp.expand(u_new.subs(w, u_sym - mu * v))
    p.identity("in u alone: u' = u + μ²v − (1 + μ)η∇f(u)", in_u,
               sp.expand(u_sym + mu**2 * v - (1 + mu) * eta * grad(u_sym)))
    g_u = grad(u_sym)
    b_new = mu * b + g_u
    torch_step = sp.expand(u_sym - eta * (g_u + mu * b_new))
    p.step("torch nesterov=True at parameters u: u' = u − η(g + μ(μb + g))", torch_step)
    p.identity("torch's step = the NAG step in u, with v = −ηb", torch_step, in_u.subs(v, -eta * b))
    p.identity("and the buffers match: v' = −η·b'", sp.expand((mu * v - eta * g_u).subs(v, -eta * b)),
               sp.expand(-eta * b_new))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    X = torch.randn(64, 4, generator=gen, dtype=torch.float64).to(p.device)
    y = (torch.rand(64, generator=gen, dtype=torch.float64) < 0.5).double().to(p.device)
    w0 = torch.randn(4, generator=gen, dtype=torch.float64).to(p.device)
    eta, mu, steps = 0.5, 0.9, 40

    def loss(w):
        return torch.nn.functional.binary_cross_entropy_with_logits(X @ w, y)

    def grad(w):
        w = w.detach().clone().requires_grad_(True)
        loss(w).backward()
        return w.grad

    def torch_run(nesterov, lrs=None):
        w = w0.clone().requires_grad_(True)
        opt = torch.optim.SGD([w], lr=eta, momentum=mu, nesterov=nesterov)
        out = []
        for lr in lrs or [eta] * steps:
            opt.param_groups[0]["lr"] = lr
            opt.zero_grad()
            loss(w).backward()
            opt.step()
            out.append(w.detach().clone())
        return torch.stack(out)

    w, v = w0.clone(), torch.zeros_like(w0)
    sutskever_w, sutskever_u = [], []
    for _ in range(steps):
        v = mu * v - eta * grad(w + mu * v)  # the gradient at the look-ahead point
        w = w + v
        sutskever_w.append(w.clone())
        sutskever_u.append(w + mu * v)
    nag = torch_run(True)
    # The myth: torch's parameters follow Sutskever's w (torch evaluating the look-ahead gradient itself).
    reference = torch.stack(sutskever_w if p.myth else sutskever_u)
    p.allclose("40 steps: torch SGD(nesterov=True) vs Sutskever's look-ahead point w_t + μv_t", nag, reference,
               rtol=0, atol=1e-10, id="torch_is_lookahead",
               refutes="torch's parameters are Sutskever's w and it computes the gradient at w + μv")
    heavy = torch_run(False)
    p.greater("max ‖nesterov − heavy ball‖ over the 40 steps (a different algorithm)", (nag - heavy).norm(dim=1).max(),
              1e-3, id="differs_from_heavy_ball")
    p.less("loss after 40 steps, Nesterov / initial", loss(nag[-1]) / loss(w0), 1.0)

    # The equivalence needs v = −ηb, i.e. a constant η: under a step schedule torch rescales its buffer at once.
    lrs = [eta] * (steps // 2) + [eta / 10] * (steps // 2)
    w, v, lookahead = w0.clone(), torch.zeros_like(w0), []
    for lr in lrs:
        v = mu * v - lr * grad(w + mu * v)
        w = w + v
        lookahead.append(w + mu * v)
    p.greater(f"η {eta} → {eta / 10} at step {steps // 2}: max ‖torch SGD(nesterov=True) − Sutskever's w_t + μv_t‖",
              (torch_run(True, lrs) - torch.stack(lookahead)).norm(dim=1).max(), 1e-3, id="schedule_breaks_lookahead")
