"""The ReLU family and smooth relatives: formulas and derivatives against torch.nn.

Symbolic: derivatives of Leaky ReLU, PReLU (also with respect to its slope a), ELU
(ELU′ = ELU + α for x < 0), Swish/SiLU (σ(x)(1 + x(1 − σ(x))), with its minimum at
x = −1 − W(1/e)), GELU (Φ(x) + x·φ(x)), and Maxout's special cases max(x, 0) = ReLU,
max(x, s·x) = Leaky ReLU, max(x, −x) = |x|.

Numeric: every formula against the torch.nn module (forward on a grid, and autograd
through the module against the closed-form derivative), the modules' default
constants, PReLU's gradient for a, and a hand-written Maxout layer against torch.relu,
F.leaky_relu and torch.abs, including where its gradient goes.
"""

TITLE = {
    "en": "Leaky ReLU, PReLU, ELU, SELU, Swish, GELU, Maxout: formulas and derivatives vs torch.nn",
    "zh": "Leaky ReLU、PReLU、ELU、SELU、Swish、GELU、Maxout：公式与导数对照 torch.nn",
}
CLAIMS = [
    {
        "en": "Leaky ReLU = max(x, s·x) (PyTorch default s = 0.01); PReLU learns s, initialised to 0.25, "
              "with ∂f/∂a = min(0, x).",
        "zh": "Leaky ReLU = max(x, s·x)（PyTorch 默认 s = 0.01）；PReLU 学习 s，初始值 0.25，∂f/∂a = min(0, x)。",
    },
    {
        "en": "ELU: x for x > 0, α(eˣ − 1) otherwise, derivative ELU(x) + α for x < 0; SELU = λ·ELU_α with fixed λ, α.",
        "zh": "ELU：x > 0 时为 x，否则为 α(eˣ − 1)，x < 0 时导数为 ELU(x) + α；SELU = λ·ELU_α，λ、α 为固定常数。",
    },
    {
        "en": "Swish/SiLU x·σ(x) has derivative σ(x)(1 + x(1 − σ(x))) and is not monotone: minimum at "
              "x = −1 − W(1/e) ≈ −1.278; GELU = x·Φ(x).",
        "zh": "Swish/SiLU x·σ(x) 的导数为 σ(x)(1 + x(1 − σ(x)))，且非单调：最小值在 x = −1 − W(1/e) ≈ −1.278；"
              "GELU = x·Φ(x)。",
    },
    {
        "en": "Maxout max(w₁·x + b₁, w₂·x + b₂) contains ReLU, Leaky ReLU and |x| as special cases; "
              "its gradient flows only into the winning piece.",
        "zh": "Maxout max(w₁·x + b₁, w₂·x + b₂) 以 ReLU、Leaky ReLU 与 |x| 为特例；梯度只流向取得最大值的那一段。",
    },
]


def derive(p):
    import sympy as sp

    x, a, alpha = sp.symbols("x a alpha", real=True)
    u, v = sp.symbols("u v", positive=True)

    prelu = sp.Max(0, x) + a * sp.Min(0, x)
    p.step("PReLU f(x) = max(0, x) + a·min(0, x); ∂f/∂a", sp.diff(prelu, a))
    p.identity("for x = −u < 0: ∂f/∂x = a (Leaky ReLU is the case a = s fixed)", sp.diff(prelu, x).subs(x, -u), a)

    elu_neg = alpha * (sp.exp(x) - 1)
    p.step("ELU for x < 0 and its derivative", sp.Matrix([elu_neg, sp.diff(elu_neg, x)]))
    p.identity("ELU′(x) = ELU(x) + α for x < 0 (cheap in backward: reuse the output)",
               sp.diff(elu_neg, x), elu_neg + alpha)
    p.identity("left derivative at 0 equals α, so ELU′ is continuous at 0 only for α = 1",
               sp.limit(sp.diff(elu_neg, x), x, 0, "-"), alpha)

    sig = 1 / (1 + sp.exp(-x))
    swish = x * sig
    d_swish = sp.diff(swish, x)
    p.step("Swish/SiLU x·σ(x), derivative", d_swish)
    p.identity("Swish′ = σ(x)(1 + x(1 − σ(x)))", d_swish, sig * (1 + x * (1 - sig)))
    x_min = -1 - sp.LambertW(sp.exp(-1))
    p.step("Swish′ = 0 ⇔ 1 + x/(1 + eˣ) = 0 ⇔ x = −1 − W(1/e)", x_min)
    p.close("(sympy) Swish′ at x = −1 − W(1/e)", sp.N(d_swish.subs(x, x_min), 30), 0.0, atol=1e-25)
    p.step("minimum value of Swish", sp.N(swish.subs(x, x_min), 12))

    Phi = (1 + sp.erf(x / sp.sqrt(2))) / 2
    gelu = x * Phi
    p.identity("GELU′ = Φ(x) + x·φ(x)", sp.diff(gelu, x), Phi + x * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi))

    s = 1 / (1 + v)  # a slope in (0, 1)
    for name, pieces, target_pos, target_neg in (
        ("ReLU = max(x, 0)", (x, 0), u, 0),
        ("Leaky ReLU = max(x, s·x), 0 < s < 1", (x, s * x), u, -s * u),
        ("|x| = max(x, −x)", (x, -x), u, u),
    ):
        maxout = sp.Max(*pieces)
        p.identity(f"Maxout {name}, checked at x = u > 0 and x = −u < 0",
                   sp.Matrix([maxout.subs(x, u), maxout.subs(x, -u)]), sp.Matrix([target_pos, target_neg]))


def experiment(p):
    import math

    import torch
    import torch.nn.functional as F

    f64, dev = torch.float64, p.device
    x = (torch.linspace(-6, 6, 1201, dtype=f64) + 0.0025).to(dev)  # stays off the kink at 0
    neg = x < 0
    one = torch.ones_like(x)  # torch.where(cond, 0.01, 1.0) would come back in float32
    sig = torch.sigmoid(x)
    Phi = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    phi = torch.exp(-x**2 / 2) / math.sqrt(2 * math.pi)
    lam, alp = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717  # Klambauer et al.

    cases = [
        ("LeakyReLU()", torch.nn.LeakyReLU(), torch.where(neg, 0.01 * x, x), torch.where(neg, 0.01 * one, one)),
        ("ELU()", torch.nn.ELU(), torch.where(neg, torch.expm1(x), x), torch.where(neg, torch.exp(x), 1.0)),
        ("SELU()", torch.nn.SELU(), lam * torch.where(neg, alp * torch.expm1(x), x),
         lam * torch.where(neg, alp * torch.exp(x), 1.0)),
        ("SiLU()", torch.nn.SiLU(), x * sig, sig * (1 + x * (1 - sig))),
        ("GELU()", torch.nn.GELU(), x * Phi, Phi + x * phi),
    ]
    for name, module, value, slope in cases:
        xin = x.clone().requires_grad_()
        out = module.to(dev)(xin)
        (grad,) = torch.autograd.grad(out.sum(), xin)
        p.allclose(f"nn.{name} vs formula", out, value, rtol=1e-12, atol=1e-14)
        p.allclose(f"autograd through nn.{name} vs closed-form derivative", grad, slope, rtol=1e-12, atol=1e-14)
    far = torch.tensor([-30.0], dtype=f64, device=dev, requires_grad=True)
    tails = {}
    for name, fn in (("ELU", F.elu), ("SiLU", F.silu), ("GELU", F.gelu), ("LeakyReLU", F.leaky_relu)):
        (tails[name],) = torch.autograd.grad(fn(far).sum(), far)
    p.less("largest of ELU′, SiLU′, GELU′ at x = −30 (smooth variants still vanish far left)",
           max(float(tails[k].abs()) for k in ("ELU", "SiLU", "GELU")), 1e-10)
    p.close("LeakyReLU′ at x = −30 keeps the slope", tails["LeakyReLU"], 0.01, rtol=1e-12)
    elu = F.elu(x)
    p.allclose("eˣ vs F.elu(x) + 1 for x < 0: ELU′ = ELU + α (α = 1)", torch.exp(x[neg]), elu[neg] + 1.0, rtol=1e-12)
    p.equal("nn.SELU has no learnable parameters", len(list(torch.nn.SELU().parameters())), 0)

    # A widely copied formula writes Leaky ReLU as max(0.1x, x); p.myth builds the module that way.
    leaky_default = torch.nn.LeakyReLU(0.1) if p.myth else torch.nn.LeakyReLU()
    slope = float(torch.autograd.grad(leaky_default(far).sum(), far)[0])
    p.close("slope of nn.LeakyReLU() (defaults) at x = −30", slope, 0.01, rtol=1e-12, id="leaky_default_slope",
            refutes="Leaky ReLU's usual slope is 0.1")
    prelu = torch.nn.PReLU().to(dtype=f64, device=dev)
    p.equal("nn.PReLU() initial slope", float(prelu.weight.detach()), 0.25, id="prelu_init")
    upstream = torch.cos(x)  # any upstream gradient
    (ga,) = torch.autograd.grad((prelu(x) * upstream).sum(), prelu.weight)
    p.close("nn.PReLU: ∂L/∂a from autograd vs Σ upstream·min(0, x)", ga, (upstream * x.clamp(max=0)).sum(), rtol=1e-12)

    # Swish is not monotone: its minimum, by brute force on a fine grid vs −1 − W(1/e) (Newton for W).
    w = 0.3
    for _ in range(30):
        w -= (w * math.exp(w) - math.exp(-1)) / (math.exp(w) * (1 + w))
    fine = torch.linspace(-3, 0, 300_001, dtype=f64, device=dev)
    p.close("argmin of F.silu on a grid of step 1e-5 vs −1 − W(1/e)", fine[F.silu(fine).argmin()], -1 - w, atol=2e-5,
            id="swish_argmin")
    # At x* = −1 − W: e^(1+W) = 1/W, so σ(x*) = W/(1 + W) and x*·σ(x*) = −W(1/e).
    p.close("min of F.silu on that grid vs −W(1/e)", F.silu(fine).min(), -w, atol=1e-9, id="swish_min_value")

    # Maxout over k = 2 pieces of one input: a Linear(1, 2) followed by a max.
    pieces = torch.nn.Linear(1, 2).to(dtype=f64, device=dev)
    for name, w2, ref in (("ReLU", 0.0, torch.relu(x)), ("Leaky ReLU", 0.01, F.leaky_relu(x, 0.01)),
                          ("|x|", -1.0, x.abs())):
        with torch.no_grad():
            pieces.weight.copy_(torch.tensor([[1.0], [w2]], dtype=f64))
            pieces.bias.zero_()
        out = pieces(x.unsqueeze(1)).max(dim=1).values
        p.allclose(f"Maxout(x, {w2:g}·x) vs {name}", out, ref, rtol=0, atol=0)
    (gw,) = torch.autograd.grad(pieces(x.unsqueeze(1)).max(dim=1).values.sum(), pieces.weight)
    p.allclose("Maxout: ∂/∂w of each piece = Σ x over the inputs where that piece wins",
               gw.squeeze(1), torch.stack([x[x > 0].sum(), x[x < 0].sum()]), rtol=1e-12)
