"""Weight normalisation w = g·v/‖v‖: its gradient is a scaled projection, and the scale invariance
it shares with BatchNorm.

Symbolic: differentiate w = g·v/‖v‖ (2-vector, to keep sympy quick): ∂w/∂v = (g/‖v‖)(I − vvᵀ/‖v‖²), so
∇ᵥL = (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL — the gradient w.r.t. w projected away from v and scaled by
g/‖v‖ — and ∇_gL = ∇_wL·v/‖v‖ (Salimans & Kingma 2016, eq. 3). Hence v·∇ᵥL = 0 and a plain
gradient step only lengthens v: ‖v − η∇ᵥL‖² = ‖v‖² + η²‖∇ᵥL‖². The same holds for any weight
vector followed by BatchNorm: BN(a·Wx) = BN(Wx) for a > 0, so ∇_W L ⟂ W and the gradient at aW
is 1/a of the gradient at W. Numeric: torch.nn.utils.parametrizations.weight_norm under autograd
against the derived formulas (lambdified), and a Linear + BatchNorm1d pair.
"""

# How closely tests/test_evidence_binding.py asks a fresh quick run to repeat these rows of the
# snapshot (others: 1e-6): a float64 rounding residue near its bound's scale (4e-5 relative between plain and AVX2 kernels).
SNAPSHOT_RTOL = {"bn_grad_orthogonal": 0.01}

TITLE = {
    "en": "Weight normalisation: the gradient is projected and scaled; BN is scale-invariant too",
    "zh": "权重归一化：梯度被投影并缩放；BN 同样具有尺度不变性",
}
CLAIMS = [
    {"en": "For w = g·v/‖v‖: ∇ᵥL = (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL and ∇_gL = ∇_wL·v/‖v‖.",
     "zh": "对 w = g·v/‖v‖：∇ᵥL = (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL，∇_gL = ∇_wL·v/‖v‖。"},
    {"en": "∇ᵥL ⟂ v, so an SGD step can only lengthen v: ‖v′‖² = ‖v‖² + η²‖∇ᵥL‖².",
     "zh": "∇ᵥL ⟂ v，所以一步 SGD 只会让 v 变长：‖v′‖² = ‖v‖² + η²‖∇ᵥL‖²。"},
    {"en": "A weight matrix followed by BatchNorm: BN(aWx) = BN(Wx) for a > 0, the gradient is ⟂ W "
           "and scales as 1/a.",
     "zh": "后接 BatchNorm 的权重矩阵：a > 0 时 BN(aWx) = BN(Wx)，梯度 ⟂ W，且按 1/a 缩放。"},
]


def _derived():
    import sympy as sp

    v = sp.Matrix(sp.symbols("v1:3", real=True))
    gw = sp.Matrix(sp.symbols("d1:3", real=True))  # ∇_w L
    g = sp.Symbol("g", positive=True)
    norm = sp.sqrt((v.T * v)[0])
    w = g * v / norm
    J = w.jacobian(v)
    grad_v = J.T * gw
    grad_g = (w.diff(g).T * gw)[0]
    return sp, v, gw, g, norm, w, J, grad_v, grad_g


def derive(p):
    sp, v, gw, g, norm, w, J, grad_v, grad_g = _derived()
    p.step("w = g·v/‖v‖ (first component)", w[0])
    proj = (g / norm) * (sp.eye(2) - v * v.T / norm ** 2)
    p.identity("∂w/∂v = (g/‖v‖)(I − vvᵀ/‖v‖²)", J, proj, shown=J[0, 0])
    p.identity("∇ᵥL = (∂w/∂v)ᵀ∇_wL = (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL", grad_v, proj * gw,
               shown=sp.Symbol("∇ᵥL = (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL"))
    p.identity("∇_gL = ∇_wL·v/‖v‖", grad_g, (gw.T * v)[0] / norm)
    p.identity("v·∇ᵥL = 0", (v.T * grad_v)[0], 0, shown=sp.Symbol("v·∇ᵥL = 0"))
    eta = sp.Symbol("eta", positive=True)
    step = v - eta * grad_v
    p.identity("‖v − η∇ᵥL‖² = ‖v‖² + η²‖∇ᵥL‖²", (step.T * step)[0], norm ** 2 + eta ** 2 * (grad_v.T * grad_v)[0],
               shown=sp.Symbol("‖v − η∇ᵥL‖² = ‖v‖² + η²‖∇ᵥL‖²"))


def experiment(p):
    import sympy as sp
    import torch
    from torch.nn.utils.parametrizations import weight_norm

    _, v_s, gw_s, g_s, _, _, _, grad_v_s, grad_g_s = _derived()
    grad_v_f = sp.lambdify([g_s, *v_s, *gw_s], list(grad_v_s), "math")
    grad_g_f = sp.lambdify([g_s, *v_s, *gw_s], grad_g_s, "math")

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    lin = weight_norm(torch.nn.Linear(2, 4, dtype=dt).to(dev))  # dim=0: one (g, v) per output row
    with torch.no_grad():
        lin.parametrizations.weight.original0.mul_(torch.rand(4, 1, generator=gen, dtype=dt).to(dev) + 0.5)
    x = torch.randn(8, 2, generator=gen, dtype=dt).to(dev)
    t = torch.randn(8, 4, generator=gen, dtype=dt).to(dev)
    w = lin.weight  # recomputed from (g, v) on each access: keep this one to read ∇_wL off it
    w.retain_grad()
    ((torch.nn.functional.linear(x, w, lin.bias) - t) ** 2).sum().backward()
    g_t = lin.parametrizations.weight.original0.detach()
    v_t = lin.parametrizations.weight.original1.detach()
    gw_t = w.grad.detach()

    def formula_grad_v(row):
        """The derived projection, or (p.myth) the gradient with the projection left out."""
        args = [float(g_t[row, 0]), *map(float, v_t[row]), *map(float, gw_t[row])]
        if p.myth:
            return [float(g_t[row, 0]) / float(v_t[row].norm()) * a for a in map(float, gw_t[row])]
        return grad_v_f(*args)

    gv_formula = torch.tensor([formula_grad_v(r) for r in range(4)], dtype=dt)
    gg_formula = torch.tensor([[grad_g_f(float(g_t[r, 0]), *map(float, v_t[r]), *map(float, gw_t[r]))]
                               for r in range(4)], dtype=dt)
    gv_auto = lin.parametrizations.weight.original1.grad.cpu()
    p.allclose("autograd ∇ᵥL through weight_norm vs the derived (g/‖v‖)(I − vvᵀ/‖v‖²)∇_wL", gv_auto, gv_formula,
               rtol=1e-9, atol=1e-12, id="grad_v_projection",
               refutes="the gradient w.r.t. v is just (g/‖v‖)·∇_wL, with no projection")
    p.allclose("autograd ∇_gL vs the derived ∇_wL·v/‖v‖", lin.parametrizations.weight.original0.grad.cpu(),
               gg_formula, rtol=1e-9, atol=1e-12, id="grad_g_formula")
    p.less("max over rows |v·∇ᵥL| / (‖v‖‖∇ᵥL‖)",
           ((v_t.cpu() * gv_auto).sum(1).abs() / (v_t.cpu().norm(dim=1) * gv_auto.norm(dim=1))).max(), 1e-12,
           id="grad_v_orthogonal")
    # one SGD step lengthens v by exactly η²‖∇ᵥL‖²
    eta = 0.5
    v_new = v_t.cpu() - eta * gv_auto
    p.allclose("‖v′‖² − ‖v‖² vs η²‖∇ᵥL‖² (per row)", v_new.norm(dim=1) ** 2 - v_t.cpu().norm(dim=1) ** 2,
               eta ** 2 * gv_auto.norm(dim=1) ** 2, rtol=1e-9, id="sgd_lengthens_v")

    # BatchNorm's scale invariance: Linear (no bias) → BatchNorm1d (train mode)
    W0 = torch.randn(4, 2, generator=gen, dtype=dt).to(dev)
    eps = 1e-12
    bn = torch.nn.BatchNorm1d(4, affine=False, eps=eps, dtype=dt).to(dev)  # ε ≪ var: invariance up to ε

    def loss_grad(scale):
        W = (W0 * scale).requires_grad_(True)
        out = bn(x @ W.T)
        loss = ((out - t) ** 2).sum()
        loss.backward()
        return float(loss.detach()), W.grad

    l1, g1 = loss_grad(1.0)
    l5, g5 = loss_grad(5.0)
    p.close("BN(5·Wx) loss vs BN(Wx) loss (ε = 1e-12)", l5, l1, rtol=1e-9, id="bn_scale_invariant_loss")
    # Orthogonal up to BN's ε (a residue of order ε/σ², norm2_bn_batch_statistics derives it) and rounding: over
    # seeds 0–39 the cosine stays below 1e-8; a layer without the scale invariance has a cosine of order 1.
    p.less("max over rows |W·∇_W L| / (‖W‖‖∇_W L‖)",
           ((W0 * g1).sum(1).abs() / (W0.norm(dim=1) * g1.norm(dim=1))).max(), 1e-6,
           id="bn_grad_orthogonal")
    p.close("‖∇ at 5W‖ · 5 / ‖∇ at W‖", float(g5.norm()) * 5 / float(g1.norm()), 1.0, rtol=1e-8,
            id="bn_grad_scales_inverse")
