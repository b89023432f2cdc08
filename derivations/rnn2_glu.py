"""Gated linear units (Dauphin et al. 2017): F.glu, its gradient, and why the linear path matters.

Symbolic: for y = a·σ(b) (F.glu splits the input into halves a, b along `dim`),
∂y/∂a = σ(b) and ∂y/∂b = a·σ(b)(1 − σ(b)); for the tanh-gated GTU y = tanh(a)·σ(b),
∂y/∂a = (1 − tanh²a)·σ(b): an extra factor ≤ 1. Numeric: F.glu equals a·sigmoid(b) with the
FIRST half as the value; autograd's gradients equal the derived ones (lambdified); over seeds and
input scales the GTU's ∂y/∂a (autograd of tanh(a)·σ(b)) is never larger than the GLU's, and through a stack of 8 gated
convolutions (nn.Conv1d + F.glu vs the same weights with tanh on the value) the GLU keeps a
larger input gradient. Counterfactual (p.myth): the halves are swapped (the gate taken first),
and the GTU's tanh is given a derivative of 1 (straight-through), so its tanh′ factor is gone.
"""

TITLE = {
    "en": "GLU: y = a ⊙ σ(b), the gradient's linear path, and F.glu's halves",
    "zh": "GLU：y = a ⊙ σ(b)、梯度的线性通路与 F.glu 的两半",
}
CLAIMS = [
    {
        "en": "F.glu(x, dim) = a ⊙ σ(b) with a the first half of x along dim and b the second.",
        "zh": "F.glu(x, dim) = a ⊙ σ(b)，其中 a 是 x 沿 dim 的前一半，b 是后一半。",
    },
    {
        "en": "∇(a ⊙ σ(b)) = ∇a ⊙ σ(b) + a ⊙ σ′(b) ∇b: the value path is scaled only by the gate, with no activation derivative (GTU adds tanh′(a) ≤ 1).",
        "zh": "∇(a ⊙ σ(b)) = ∇a ⊙ σ(b) + a ⊙ σ′(b) ∇b：值通路只乘以门，没有激活函数导数（GTU 还要乘 tanh′(a) ≤ 1）。",
    },
]


def _grads():
    import sympy as sp

    a, b = sp.symbols("a b", real=True)
    sig = 1 / (1 + sp.exp(-b))
    glu, gtu = a * sig, sp.tanh(a) * sig
    return a, b, sig, glu, gtu


def derive(p):
    import sympy as sp

    a, b, sig, glu, gtu = _grads()
    p.identity("∂(a·σ(b))/∂a = σ(b)", sp.diff(glu, a), sig, id="glu_da")
    p.identity("∂(a·σ(b))/∂b = a·σ(b)(1 − σ(b))", sp.diff(glu, b), a * sig * (1 - sig), id="glu_db")
    p.identity("GTU: ∂(tanh(a)·σ(b))/∂a = (1 − tanh²a)·σ(b)", sp.diff(gtu, a), (1 - sp.tanh(a) ** 2) * sig)
    p.identity("ratio GTU/GLU of ∂y/∂a = 1 − tanh²a (≤ 1, = 1 only at a = 0)",
               sp.simplify(sp.diff(gtu, a) / sp.diff(glu, a)), 1 - sp.tanh(a) ** 2)


def experiment(p):
    import sympy as sp
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(4, 10, generator=g, dtype=f64).to(p.device)
    a, b = x[:, :5], x[:, 5:]
    value, gate = (b, a) if p.myth else (a, b)
    p.allclose("F.glu(x, -1) vs a·sigmoid(b) with a = first half", F.glu(x, -1), value * torch.sigmoid(gate),
               rtol=1e-14, atol=0, id="glu_first_half_value", refutes="F.glu gates with the first half")

    sa, sb, sig, glu, gtu = _grads()
    da = sp.lambdify((sa, sb), sp.diff(glu, sa), "math")
    db = sp.lambdify((sa, sb), sp.diff(glu, sb), "math")
    xg = x.clone().requires_grad_()
    F.glu(xg, -1).sum().backward()
    derived = torch.tensor([[da(u, v) for u, v in zip(r[:5].tolist(), r[5:].tolist())]
                            + [db(u, v) for u, v in zip(r[:5].tolist(), r[5:].tolist())] for r in x.cpu()], dtype=f64)
    p.allclose("autograd ∂Σglu/∂x vs the derived σ(b) and a·σ(b)(1 − σ(b))", xg.grad.cpu(), derived, rtol=1e-12,
               atol=1e-15, id="glu_grad_autograd")

    def gtu_da(u, v):
        """∂(tanh(u)·σ(v))/∂u by autograd. p.myth ('tanh gating passes the gradient as well as GLU'):
        the value path's tanh is given the derivative 1 (straight-through: tanh forward, identity backward)."""
        uu = u.clone().requires_grad_()
        value = uu + (torch.tanh(uu) - uu).detach() if p.myth else torch.tanh(uu)
        (gr,) = torch.autograd.grad((value * torch.sigmoid(v)).sum(), uu)
        return gr

    cases, mean_cases = [], []
    for seed in range(4):
        for scale in (0.1, 1.0, 3.0):
            z = scale * torch.randn(1000, 2, generator=torch.Generator().manual_seed(p.seed + seed), dtype=f64)
            u = z[:, 0].clone().requires_grad_()
            (gl,) = torch.autograd.grad((u * torch.sigmoid(z[:, 1])).sum(), u)
            ratio = gtu_da(z[:, 0], z[:, 1]) / gl
            cases.append((f"seed {seed}, scale {scale}", ratio.max().item()))
            mean_cases.append((f"seed {seed}, scale {scale}", ratio.mean().item()))
    p.sweep("max over 1000 points of (GTU ∂y/∂a)/(GLU ∂y/∂a), both by autograd, seeds × input scales",
            cases, "<=", 1.0, id="gtu_never_larger_max")
    p.sweep("mean over 1000 points of (GTU ∂y/∂a)/(GLU ∂y/∂a), both by autograd, seeds × input scales",
            [(label, v) for label, v in mean_cases], "<", 1.0,
            id="gtu_never_larger", refutes="tanh gating passes the gradient as well as GLU")

    C, L, n = 16, 8, 32

    def stack(convs, inp, tanh_value):
        h = inp.clone().requires_grad_()
        y = h
        for c in convs:
            va, vb = c(y).chunk(2, 1)
            y = (torch.tanh(va) if tanh_value else va) * torch.sigmoid(vb)
        (gr,) = torch.autograd.grad(y[0, :, n // 2].sum(), h)
        return gr.norm().item()

    ratios = []
    for draw in range(5):                      # draw 0 uses the derivation's generator g, as before
        gd = g if draw == 0 else torch.Generator().manual_seed(p.seed + 100 + draw)
        convs = [torch.nn.Conv1d(C, 2 * C, 3, padding=1, dtype=f64) for _ in range(L)]
        for c in convs:                        # draw on the CPU generator, then move: a CPU generator cannot
            torch.nn.init.normal_(c.weight, std=(1 / (3 * C)) ** 0.5, generator=gd)   # fill a CUDA tensor
        convs = [c.to(p.device) for c in convs]
        inp = torch.randn(1, C, n, generator=gd, dtype=f64).to(p.device)
        ratios.append((f"weight draw {draw}", stack(convs, inp, False) / stack(convs, inp, True)))
    p.sweep("8 gated Conv1d layers: ‖∂y/∂x‖ with GLU / with GTU (same weights), over 5 weight draws", ratios, ">",
            1.0, id="glu_stack_ratio")
