"""Three ways to get a gradient: finite differences, symbolic differentiation, automatic differentiation.

Symbolic: expression swell. The product of k factors sin(x)·sin(2x)⋯sin(kx) has
O(k) operations; its symbolic derivative (product rule) is a sum of k products of
k factors, and sympy's operation count fits a quadratic in k exactly — while reverse
mode evaluates the same derivative for a small constant times the cost of f.
Numeric: a logistic-regression loss L(w) with n weights. Reference gradient: the
sympy derivative, lambdified. Autograd matches it to rounding for the work of about
two evaluations of L (one forward, one backward: the multiply-adds torch runs, counted
by a dispatch mode; an L-layer MLP's weight gradient costs 3 − 1/L, since every layer above
the first also sends Wᵀδ down); the forward difference costs n + 1 evaluations and is good
to only ~1e-7, the central difference 2n evaluations and ~1e-10. For n = 500 the
central-difference gradient is timed against one backward pass. A backward with a planted
bug is far off (gradcheck rejects it), and a correct gradient checked in float32 with
h = 1e-6 looks wrong too.
"""

TITLE = {
    "en": "Finite differences vs symbolic vs automatic differentiation",
    "zh": "数值微分、符号微分与自动微分的对比",
}
CLAIMS = [
    {
        "en": "Symbolic differentiation swells: d/dx of a product of k factors has k terms of k factors "
              "(operation count quadratic in k), though f itself is linear in k.",
        "zh": "符号微分会发生表达式膨胀：k 个因子乘积的导数有 k 项、每项 k 个因子（运算数随 k 二次增长），"
              "而 f 本身只是线性的。",
    },
    {
        "en": "A finite-difference gradient costs n + 1 (forward) or 2n (central) evaluations of L and is accurate "
              "to ~√ε resp. ~ε^(2/3); reverse-mode AD costs one forward + one backward and is exact to rounding.",
        "zh": "数值梯度需要 n + 1（前向差分）或 2n（中心差分）次计算 L，精度约为 √ε 或 ε^(2/3)；"
              "反向模式自动微分只需一次前向 + 一次反向，精确到舍入误差。",
    },
    {
        "en": "Finite differences remain the tool for *checking* a backward pass (torch.autograd.gradcheck uses "
              "central differences in float64).",
        "zh": "数值微分仍是*检验*反向传播实现的工具（torch.autograd.gradcheck 在 float64 下使用中心差分）。",
    },
]


def derive(p):
    import sympy as sp

    x, k = sp.symbols("x k")
    ops_f, ops_df = [], []
    for K in range(2, 9):
        f = sp.Mul(*[sp.sin(i * x) for i in range(1, K + 1)])
        df = sp.diff(f, x)
        ops_f.append(sp.count_ops(f))
        ops_df.append(sp.count_ops(df))
        if K == 4:
            p.step("k = 4: f = sin(x)·sin(2x)·sin(3x)·sin(4x), f′ by the product rule", df)
            p.identity("f′ has k = 4 terms", len(sp.Add.make_args(df)), 4)
    p.step("operation counts of f for k = 2…8", sp.Matrix([ops_f]))
    p.step("operation counts of f′ for k = 2…8", sp.Matrix([ops_df]))
    grow_f = sp.expand(sp.interpolate(list(zip(range(2, 6), ops_f[:4])), k))
    grow_df = sp.expand(sp.interpolate(list(zip(range(2, 6), ops_df[:4])), k))
    p.step("interpolating polynomial of ops(f) through k = 2…5", grow_f)
    p.step("interpolating polynomial of ops(f′) through k = 2…5", grow_df)
    p.identity("ops(f) is linear in k: the polynomial predicts k = 6, 7, 8",
               sp.Matrix([grow_f.subs(k, K) for K in (6, 7, 8)]), sp.Matrix(ops_f[4:]))
    p.identity("ops(f′) is quadratic in k: the polynomial predicts k = 6, 7, 8",
               sp.Matrix([grow_df.subs(k, K) for K in (6, 7, 8)]), sp.Matrix(ops_df[4:]))
    p.identity("degree of the growth of ops(f′) in k is 2", sp.degree(grow_df, k), 2)


def _matmul_work():
    """A dispatch mode that adds up the multiply-adds of every matrix product torch runs (forward, backward and
    forward-mode tangents alike): the cost of a gradient measured in the library, not counted by our own loop."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class MatmulWork(TorchDispatchMode):
        macs = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name in ("mv", "mm", "addmv", "addmm", "dot", "bmm", "baddbmm"):
                a, b = args[1:3] if name.startswith(("add", "badd")) else args[:2]
                self.macs += a.numel() * (b.shape[-1] if b.dim() >= 2 else 1)
            return func(*args, **(kwargs or {}))

    return MatmulWork()


def _symbolic_gradient(n):
    """sympy's gradient of one sample's loss log(1 + exp(−y·xᵀw)), as a numeric function of (x, y, w)."""
    import sympy as sp

    w, x, y = sp.symbols(f"w0:{n}"), sp.symbols(f"x0:{n}"), sp.Symbol("y")
    L = sp.log(1 + sp.exp(-y * sum(xi * wi for xi, wi in zip(x, w))))
    return sp.lambdify([x, y, w], [sp.diff(L, wi) for wi in w], "math")


def experiment(p):
    import time

    import numpy as np
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    n, N = 6, 10
    X = torch.randn(N, n, generator=gen, dtype=dt)
    y = torch.randint(0, 2, (N,), generator=gen).mul(2).sub(1).to(dt)
    w0 = torch.randn(n, generator=gen, dtype=dt)
    per_sample = _symbolic_gradient(n)
    reference = np.sum([per_sample(X[j].tolist(), y[j].item(), w0.tolist()) for j in range(N)], axis=0)

    Xd, yd = X.to(dev), y.to(dev)

    def loss(w):
        return torch.nn.functional.softplus(-yd * (Xd @ w)).sum()

    def cost_in_losses(compute):
        """Multiply-adds torch runs for compute(), in units of one evaluation of L."""
        with _matmul_work() as one:
            loss(w0.to(dev))
        with _matmul_work() as work:
            out = compute()
        return work.macs / one.macs, out

    def ad_gradient():
        if p.myth:  # the misconception: one pass per weight, as if AD cost what finite differences cost
            import torch.autograd.forward_ad as fwAD

            def one_direction(e):
                with fwAD.dual_level():
                    return fwAD.unpack_dual(loss(fwAD.make_dual(w0.to(dev), e))).tangent
            return torch.stack([one_direction(e) for e in torch.eye(n, dtype=dt, device=dev)])
        w = w0.clone().to(dev).requires_grad_()
        loss(w).backward()
        return w.grad

    ad_cost, ad_grad = cost_in_losses(ad_gradient)
    p.less("AD (reverse mode): multiply-adds of L + backward, in evaluations of L (measured by a dispatch mode)",
           ad_cost, 3, id="ad_gradient_cost", refutes="automatic differentiation needs one pass per weight")
    p.allclose("AD gradient vs sympy's symbolic gradient", ad_grad, reference, rtol=1e-13, atol=1e-15)

    # The loss above has one layer: its backward is one product (Xᵀ·r). In an MLP every layer above the
    # first also sends Wᵀδ down, so the weight gradient costs 3 − 1/L evaluations for L layers.
    depth, width = 5, 16
    gen_mlp = torch.Generator().manual_seed(p.seed + 1)  # its own draws: the rows below keep theirs
    Ws = [torch.randn(width, width, generator=gen_mlp, dtype=dt).div(width ** 0.5).to(dev) for _ in range(depth)]
    xm = torch.randn(8, width, generator=gen_mlp, dtype=dt).to(dev)

    def mlp_loss(ws):
        h = xm
        for W in ws:
            h = torch.tanh(h @ W.T)
        return h.pow(2).sum()

    with _matmul_work() as one_mlp:
        mlp_loss(Ws)
    with _matmul_work() as mlp_work:
        mlp_loss([W.clone().requires_grad_() for W in Ws]).backward()
    p.close(f"AD: an MLP's weight gradient ({depth} layers), multiply-adds in evaluations of its loss vs 3 − 1/L",
            mlp_work.macs / one_mlp.macs, 3 - 1 / depth, rtol=1e-12, id="mlp_gradient_cost")

    def fd_gradient(w, h, central):
        with torch.no_grad():
            g = torch.empty_like(w)
            base = None if central else loss(w)
            for i in range(w.numel()):
                e = torch.zeros_like(w)
                e[i] = h
                g[i] = (loss(w + e) - loss(w - e)) / (2 * h) if central else (loss(w + e) - base) / h
        return g

    wd = w0.clone().to(dev)
    fwd_cost, g_fwd = cost_in_losses(lambda: fd_gradient(wd, 2 ** -26, central=False))  # h ≈ √ε
    # The finite-difference costs are our own loops (one evaluation of L per call), so they are shown, not tested.
    p.step(f"forward difference: {fwd_cost:g} evaluations of L (n + 1 = {n + 1}: one per weight plus f(w))")
    ctr_cost, g_ctr = cost_in_losses(lambda: fd_gradient(wd, 2 ** -17, central=True))  # h ≈ ε^(1/3)
    p.step(f"central difference: {ctr_cost:g} evaluations of L (2n = {2 * n}: two per weight)")
    ref = torch.tensor(reference, dtype=dt, device=dev)
    rel_fwd = ((g_fwd - ref).norm() / ref.norm()).item()
    rel_ctr = ((g_ctr - ref).norm() / ref.norm()).item()
    p.less("forward difference: relative error (≈ √ε ≈ 1.5e-8 scale)", rel_fwd, 1e-6, id="fd_forward_rel_error")
    p.greater("forward difference is far from exact: relative error", rel_fwd, 1e-11)
    p.less("central difference: relative error beats forward", rel_ctr, rel_fwd / 10, id="fd_central_rel_error")
    p.holds("torch.autograd.gradcheck (central differences, float64) accepts autograd's gradient",
            torch.autograd.gradcheck(loss, (w0.clone().to(dev).requires_grad_(),)))

    # What a gradient check sees. A backward with a planted bug (the sign of y dropped in the
    # chain rule) against the same central differences, and a correct gradient checked in
    # float32 with gradcheck's step h = 1e-6, where round-off (ε₃₂ ≈ 1.2e-7) swamps the difference.
    class BuggyLogistic(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            ctx.save_for_backward(w)
            return torch.nn.functional.softplus(-yd * (Xd @ w)).sum()

        @staticmethod
        def backward(ctx, g):
            (w,) = ctx.saved_tensors
            return g * (-torch.sigmoid(-yd * (Xd @ w))) @ Xd  # the factor y is missing

    wb = w0.clone().to(dev).requires_grad_()
    BuggyLogistic.apply(wb).backward()
    rel_bug = ((wb.grad - g_ctr).norm() / g_ctr.norm()).item()
    p.greater("planted bug (y missing): relative error against central differences", rel_bug, 1e-2,
              id="planted_bug_rel_error")
    p.holds("gradcheck rejects the planted bug",
            not torch.autograd.gradcheck(BuggyLogistic.apply, (w0.clone().to(dev).requires_grad_(),),
                                         raise_exception=False))
    X32, y32, w32 = Xd.float(), yd.float(), w0.clone().to(dev).float()
    w32r = w32.clone().requires_grad_()
    torch.nn.functional.softplus(-y32 * (X32 @ w32r)).sum().backward()
    with torch.no_grad():
        h32 = 1e-6
        g32 = torch.stack([(torch.nn.functional.softplus(-y32 * (X32 @ (w32 + h32 * e))).sum()
                            - torch.nn.functional.softplus(-y32 * (X32 @ (w32 - h32 * e))).sum()) / (2 * h32)
                           for e in torch.eye(n, device=dev)])
    rel_32 = ((g32 - w32r.grad).norm() / w32r.grad.norm()).item()
    p.greater("float32, h = 1e-6: a correct gradient's relative error against central differences", rel_32, 1e-3,
              id="float32_rel_error")

    # Cost: n = 500 weights, the whole central-difference gradient vs one backward pass.
    n_big = 500
    Xd = torch.randn(64, n_big, generator=gen, dtype=dt).to(dev)
    yd = torch.randint(0, 2, (64,), generator=gen).mul(2).sub(1).to(dt).to(dev)
    wb = torch.randn(n_big, generator=gen, dtype=dt).div(n_big ** 0.5).to(dev)
    t0 = time.perf_counter()
    fd_gradient(wb, 2 ** -17, central=True)
    t_fd = time.perf_counter() - t0
    t_ad = float("inf")
    for _ in range(3):  # best of 3: one backward is short enough for a scheduler hiccup to dominate
        t0 = time.perf_counter()
        wr = wb.clone().requires_grad_()
        loss(wr).backward()
        t_ad = min(t_ad, time.perf_counter() - t0)
    p.greater("n = 500: time(central differences, 1000 evaluations) / time(one backward)", t_fd / t_ad, 30)
