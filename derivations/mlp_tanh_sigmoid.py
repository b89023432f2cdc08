"""tanh is a rescaled sigmoid, zero-centred, with derivative 1 − tanh² ≤ 1.

Symbolic: write tanh in exponentials and show tanh(x) = 2σ(2x) − 1; differentiate to get
1 − tanh², and via the chain rule tanh′(x) = 4σ′(2x), so its peak is 4·¼ = 1 at x = 0.
tanh is odd, hence its outputs on symmetric inputs average to zero, while σ's average ½.

Numeric: torch.tanh against 2·torch.sigmoid(2x) − 1, autograd against 1 − tanh², and a
Monte Carlo mean of both activations on N(0, 1) inputs with its standard error.
"""

TITLE = {
    "en": "tanh = 2σ(2x) − 1, tanh′ = 1 − tanh², zero-centred outputs",
    "zh": "tanh = 2σ(2x) − 1，tanh′ = 1 − tanh²，输出以 0 为中心",
}
CLAIMS = [
    {
        "en": "tanh(x) = 2σ(2x) − 1: tanh is a shifted and rescaled sigmoid.",
        "zh": "tanh(x) = 2σ(2x) − 1：tanh 是平移缩放后的 sigmoid。",
    },
    {
        "en": "tanh′ = 1 − tanh² = 4σ′(2x), with maximum 1 at x = 0 (four times the sigmoid's ¼).",
        "zh": "tanh′ = 1 − tanh² = 4σ′(2x)，在 x = 0 处取最大值 1（sigmoid 的 4 倍）。",
    },
    {
        "en": "On zero-mean symmetric inputs tanh outputs average 0, sigmoid outputs average ½.",
        "zh": "对零均值对称输入，tanh 输出均值为 0，sigmoid 输出均值为 ½。",
    },
]


def derive(p):
    import sympy as sp

    x = sp.symbols("x", real=True)
    sigma = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    tanh_exp = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
    p.step("tanh in exponentials", tanh_exp)
    p.step("2σ(2x) − 1, put over one denominator", sp.together(2 * sigma(2 * x) - 1))
    p.identity("tanh(x) = 2σ(2x) − 1 (multiply top and bottom by e^(−x))", tanh_exp, 2 * sigma(2 * x) - 1)
    d = sp.diff(tanh_exp, x)
    p.step("d tanh/dx (quotient rule)", d)
    p.identity("tanh′ = 1 − tanh²", d, 1 - tanh_exp**2)
    sig_prime = sp.diff(sigma(x), x)
    p.identity("chain rule on 2σ(2x) − 1: tanh′(x) = 4σ′(2x)", d, 4 * sig_prime.subs(x, 2 * x))
    p.identity("tanh′(0) = 4σ′(0) = 4·¼ = 1", d.subs(x, 0), 1)
    p.identity("tanh is odd: tanh(−x) = −tanh(x), so E[tanh(z)] = 0 for symmetric z",
               tanh_exp.subs(x, -x), -tanh_exp)


def experiment(p):
    import torch

    x = torch.linspace(-8, 8, 16001, dtype=torch.float64, device=p.device).requires_grad_()
    t = torch.tanh(x)
    (grad,) = torch.autograd.grad(t.sum(), x)
    td = t.detach()
    p.allclose("torch.tanh(x) vs 2·torch.sigmoid(2x) − 1", td, 2 * torch.sigmoid(2 * x.detach()) - 1,
               rtol=1e-12, atol=1e-15)
    p.allclose("autograd d tanh/dx vs 1 − tanh²", grad, 1 - td**2, rtol=1e-12, atol=1e-15)
    with torch.no_grad():  # independent of torch's backward formula
        h, xd = 1e-5, x.detach()
        central = (torch.tanh(xd + h) - torch.tanh(xd - h)) / (2 * h)
    p.allclose("central difference (h = 1e-5) vs 1 − tanh²", central, 1 - td**2, rtol=0, atol=1e-9)
    p.close("max of tanh′ on the grid", grad.max(), 1.0, rtol=1e-12)

    g = torch.Generator().manual_seed(p.seed)
    z = torch.randn(200_000, generator=g, dtype=torch.float64).to(p.device)
    n = z.numel()
    for name, f, mean in (("tanh", torch.tanh, 0.0), ("sigmoid", torch.sigmoid, 0.5)):
        out = f(z)
        se = float(out.std() / n**0.5)
        p.close(f"E[{name}(z)], z ~ N(0, 1), Monte Carlo ± 4 SE (SE = {se:.1e})", out.mean(), mean, atol=4 * se)
