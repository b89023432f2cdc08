"""Forward-mode vs reverse-mode AD: n Jacobian-vector products vs m vector-Jacobian products.

Symbolic: the Jacobian of f: ℝⁿ → ℝᵐ built from L layers of width k is the chain
J_L ⋯ J_1. Multiplying from the input side (forward mode) costs
F = (L−2)k²n + mkn multiply-adds, from the output side (reverse mode)
R = (L−2)mk² + mkn; sympy sums the per-layer costs and shows F − R = (L−2)k²(n − m)
and F/R → n/m for deep chains.
Numeric: the full Jacobian of a small tanh MLP by forward mode (written out as
tangent propagation, ḣ = (1 − h²) ⊙ Wẋ, and torch's dual numbers) and by reverse mode
(torch.autograd.grad with grad_outputs = eᵢ); all equal torch.autograd.functional.jacobian
(at full scale also torch.func.jvp). A dispatch mode adds up the multiply-adds torch runs:
torch.autograd.functional.jacobian (reverse mode) does one forward pass and m VJPs' worth. For a
scalar loss of n = 256 inputs, reverse mode gets the whole gradient for about two
evaluations of f, while forward mode needs 256 JVPs and is timed far slower.
"""

TITLE = {
    "en": "Forward vs reverse mode: n JVPs or m VJPs for an m×n Jacobian",
    "zh": "前向模式与反向模式：m×n 的 Jacobian 需要 n 次 JVP 或 m 次 VJP",
}
CLAIMS = [
    {
        "en": "For a chain of L layers of width k, forward accumulation costs (L−2)k²n + mkn and reverse "
              "(L−2)k²m + mkn multiply-adds; the ratio tends to n/m.",
        "zh": "L 层、宽度 k 的链式网络，前向累积代价为 (L−2)k²n + mkn，反向为 (L−2)k²m + mkn 次乘加；"
              "二者之比趋于 n/m。",
    },
    {
        "en": "The full Jacobian takes n JVPs (one per input) or m VJPs (one per output); for a scalar loss "
              "(m = 1) one backward pass gives the whole gradient, which is why training uses reverse mode.",
        "zh": "完整 Jacobian 需要 n 次 JVP（每个输入一次）或 m 次 VJP（每个输出一次）；标量损失（m = 1）"
              "只需一次反向传播即可得到整个梯度，所以训练用反向模式。",
    },
]


def derive(p):
    import sympy as sp

    n, m, k, L, i = sp.symbols("n m k L i", positive=True, integer=True)

    def matmul(a, b, c):  # multiply-adds of an (a×b)·(b×c) product
        return a * b * c

    # Forward mode carries the n input directions through every layer: J_{i+1}·(k×n block).
    forward = sp.summation(matmul(k, k, n), (i, 2, L - 1)) + matmul(m, k, n)
    # Reverse mode carries the m output directions back: (m×k block)·J_i.
    reverse = sp.summation(matmul(m, k, k), (i, 2, L - 1)) + matmul(m, k, n)
    p.step("Forward mode: ∑ over the L−2 hidden layers of k·k·n, plus m·k·n for the last", forward)
    p.step("Reverse mode: ∑ over the L−2 hidden layers of m·k·k, plus m·k·n for the first", reverse)
    p.identity("F − R = (L − 2)·k²·(n − m)", sp.expand(forward - reverse), (L - 2) * k ** 2 * (n - m))
    ratio = sp.limit(forward / reverse, L, sp.oo)
    p.step("F / R as the chain gets deep (L → ∞)", ratio)
    p.identity("lim F/R = n/m", ratio, n / m)
    p.step("Scalar loss (m = 1) with n = 10⁶ parameters: forward/reverse cost ratio (deep limit)",
           ratio.subs({n: 10 ** 6, m: 1}))


def _matmul_work():
    """A dispatch mode that adds up the multiply-adds of every matrix product torch runs (values, tangents and
    cotangents alike): what a method costs, measured inside the library rather than counted by our own loops."""
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


def experiment(p):
    import time

    import torch
    import torch.autograd.forward_ad as fwAD
    from torch.autograd.functional import jacobian

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device

    def make_mlp(n_in, n_out, width=32):
        Ws = [torch.randn(o, i, generator=gen, dtype=dt).div(i ** 0.5).to(dev)
              for i, o in ((n_in, width), (width, width), (width, n_out))]

        def f(x):
            return Ws[2] @ torch.tanh(Ws[1] @ torch.tanh(Ws[0] @ x))

        def jvp(x, v):
            # Forward mode by hand: carry the tangent ẋ along with the value (dual numbers).
            # tanh(u)' = 1 − tanh(u)², so ḣ = (1 − h²) ⊙ (W ẋ).
            h1 = torch.tanh(Ws[0] @ x)
            t1 = (1 - h1 ** 2) * (Ws[0] @ v)
            h2 = torch.tanh(Ws[1] @ h1)
            t2 = (1 - h2 ** 2) * (Ws[1] @ t1)
            return Ws[2] @ h2, Ws[2] @ t2
        return f, jvp

    def jac_forward(jvp, x):  # one JVP per input direction: the columns of J
        return torch.stack([jvp(x, e)[1] for e in torch.eye(x.numel(), dtype=dt, device=dev)], dim=1)

    def jac_reverse(f, x):  # one VJP (a backward pass with grad_outputs = eᵢ) per output: the rows of J
        xr = x.clone().requires_grad_()
        out = f(xr)
        rows = []
        for e in torch.eye(out.numel(), dtype=dt, device=dev):
            rows.append(torch.autograd.grad(out, xr, e, retain_graph=True)[0])
        return torch.stack(rows, dim=0)

    n, m = 12, 5
    f, jvp = make_mlp(n, m)
    x = torch.randn(n, generator=gen, dtype=dt).to(dev)
    reference = jacobian(f, x)
    Jf, Jr = jac_forward(jvp, x), jac_reverse(f, x)

    def work(compute):
        with _matmul_work() as counter:
            out = compute()
        return counter.macs, out

    def dual_jvp(fn, x, v):  # torch's own forward mode: one dual-number pass
        with fwAD.dual_level():
            return fwAD.unpack_dual(fn(fwAD.make_dual(x, v))).tangent

    # The work torch's own Jacobian routine does, measured in multiply-adds (not counted by our loop):
    # autograd.functional.jacobian (reverse mode) after its one forward pass, in units of one VJP.
    eye_n = torch.eye(n, dtype=dt, device=dev)
    J_torch_fwd = torch.stack([dual_jvp(f, x, e) for e in eye_n], dim=1)
    xr = x.clone().requires_grad_()
    out = f(xr)
    one_vjp = work(lambda: torch.autograd.grad(out, xr, torch.eye(m, dtype=dt, device=dev)[0]))[0]
    forward_pass = work(lambda: f(x))[0]
    rev_work, _ = work(lambda: jacobian(f, x))
    p.close(f"torch.autograd.functional.jacobian: (its work − one forward pass) ÷ work of one VJP vs m = {m}",
            (rev_work - forward_pass) / one_vjp, m, rtol=1e-12, id="jacobian_reverse_vjps")
    p.allclose("torch forward-mode (dual numbers) Jacobian vs autograd.functional.jacobian", J_torch_fwd,
               reference, rtol=1e-12, atol=1e-14)
    p.allclose("forward-mode Jacobian vs autograd.functional.jacobian", Jf, reference, rtol=1e-12, atol=1e-14)
    p.allclose("reverse-mode Jacobian vs autograd.functional.jacobian", Jr, reference, rtol=1e-12, atol=1e-14)
    if not p.quick:
        # torch's own forward mode (its first call compiles decompositions for ~1 s, hence full scale only).
        from torch.func import jvp as torch_jvp

        cols = [torch_jvp(f, (x,), (e,))[1] for e in torch.eye(n, dtype=dt, device=dev)]
        p.allclose("hand-written JVPs vs torch.func.jvp", Jf, torch.stack(cols, dim=1), rtol=1e-12, atol=1e-14)

    # A scalar loss of many inputs: the gradient both ways, timed (best of 3 to tame noise).
    n_big = 256 if p.quick else 4096
    g, g_jvp = make_mlp(n_big, 1)
    xb = torch.randn(n_big, generator=gen, dtype=dt).to(dev)

    def best_time(fn):
        best, result = float("inf"), None
        for _ in range(3):
            t0 = time.perf_counter()
            result = fn()
            if dev == "cuda":
                torch.cuda.synchronize()
            best = min(best, time.perf_counter() - t0)
        return best, result

    t_fwd, grad_fwd = best_time(lambda: jac_forward(g_jvp, xb))
    t_rev, grad_rev = best_time(lambda: jac_reverse(g, xb))
    p.allclose(f"gradient of the scalar: {n_big} JVPs vs 1 VJP", grad_fwd, grad_rev, rtol=1e-11, atol=1e-14)

    def scalar_gradient():
        if p.myth:  # the misconception: forward mode costs the same, so use it (one JVP per input)
            return torch.stack([dual_jvp(g, xb, e)[0] for e in torch.eye(n_big, dtype=dt, device=dev)])
        xg = xb.clone().requires_grad_()
        return torch.autograd.grad(g(xg)[0], xg)[0]

    grad_work, grad_measured = work(scalar_gradient)
    p.less(f"the whole gradient of the scalar of {n_big} inputs: work ÷ work of one evaluation of f "
           "(reverse mode; measured by a dispatch mode)", grad_work / work(lambda: g(xb))[0], 3,
           id="scalar_gradient_cost", refutes="forward mode gets a scalar loss's gradient as cheaply as reverse mode")
    p.allclose("that gradient vs the reverse-mode Jacobian row", grad_measured, grad_rev[0], rtol=1e-11, atol=1e-14)
    p.greater(f"time({n_big} JVPs) / time(1 VJP) for a scalar output", t_fwd / t_rev, 20)
