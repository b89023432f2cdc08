"""Backprop by hand on f(x) = 2 / sin(exp(−x)) at x = −4.499, one module at a time.

Symbolic: split f into a = −x, b = exp(a), c = sin(b), d = 2/c, differentiate each
module on its own, multiply the local derivatives and check the product is sympy's
derivative of the whole f. Evaluate every node at x = −4.499 (radians).
Numeric: torch autograd in float64 records the same forward values and the
gradient arriving at every node; they must match sympy to 1e-12. A widely copied
worked example's numbers (b = 90, c = 1, ∂c/∂b = 0, f′ = 0) are what one gets by taking
sin and cos of 90 *degrees*; in radians, as every library computes, f′(−4.499) ≈ −80.39.
Counterfactual (p.myth): the same autograd graph with sin taken in degrees reproduces
that example's c ≈ 1 and f′ ≈ 0, so the two rows that refute it flip.
"""

TITLE = {
    "en": "Backprop module by module: f(x) = 2 / sin(exp(−x)) at x = −4.499",
    "zh": "逐模块反向传播：f(x) = 2 / sin(exp(−x)) 在 x = −4.499 处",
}
CLAIMS = [
    {
        "en": "The product of the local derivatives (−2/c²)·cos(b)·exp(a)·(−1) equals df/dx.",
        "zh": "各模块局部导数之积 (−2/c²)·cos(b)·exp(a)·(−1) 等于 df/dx。",
    },
    {
        "en": "At x = −4.499: a = 4.499, b ≈ 89.93, c ≈ 0.9242, d ≈ 2.164, ∂d/∂c ≈ −2.341, "
              "∂c/∂b ≈ −0.3818, and f′(x) ≈ −80.39 — autograd agrees to 1e-12.",
        "zh": "x = −4.499 时：a = 4.499，b ≈ 89.93，c ≈ 0.9242，d ≈ 2.164，∂d/∂c ≈ −2.341，"
              "∂c/∂b ≈ −0.3818，f′(x) ≈ −80.39，与 autograd 一致到 1e-12。",
    },
    {
        "en": "The commonly quoted c = 1, ∂c/∂b = cos 90 = 0 and f′ = 0 come from sin/cos in degrees; they are wrong.",
        "zh": "常被引用的 c = 1、∂c/∂b = cos 90 = 0、f′ = 0 是把 sin/cos 按角度计算得到的，是错的。",
    },
]

X0 = "-4.499"


def _nodes(sp, x):
    a = -x
    b = sp.exp(a)
    c = sp.sin(b)
    d = 2 / c
    return a, b, c, d


def derive(p):
    import sympy as sp

    x, a_, b_, c_ = sp.symbols("x a b c")
    # Each module as a function of its own input only: that is what "local" means.
    local = {
        "∂a/∂x": sp.diff(-x, x),
        "∂b/∂a": sp.diff(sp.exp(a_), a_),
        "∂c/∂b": sp.diff(sp.sin(b_), b_),
        "∂d/∂c": sp.diff(2 / c_, c_),
    }
    for name, expr in local.items():
        p.step(f"Local derivative {name}", expr)
    a, b, c, d = _nodes(sp, x)
    # Chain rule: substitute the forward values into the local derivatives and multiply.
    chain = (local["∂d/∂c"].subs(c_, c) * local["∂c/∂b"].subs(b_, b)
             * local["∂b/∂a"].subs(a_, a) * local["∂a/∂x"])
    p.step("Chain rule: product of local derivatives, forward values substituted", chain)
    p.identity("product of local derivatives = d/dx [2 / sin(exp(−x))]", chain, sp.diff(d, x))

    x0 = sp.Rational(X0)
    values = {"a": a, "b": b, "c": c, "d": d}
    for name, expr in values.items():
        p.step(f"Forward value {name}(−4.499) (radians)", sp.N(expr.subs(x, x0), 10))
    p.step("∂c/∂b = cos(b) at b = exp(4.499)", sp.N(sp.cos(sp.exp(-x0)), 10))
    p.step("f′(−4.499) = (−2/c²)·cos(b)·b·(−1)", sp.N(chain.subs(x, x0), 10))


def experiment(p):
    import math

    import sympy as sp
    import torch

    x_sym = sp.symbols("x")
    x0 = sp.Rational(X0)
    exact = [float(sp.N(e.subs(x_sym, x0), 30)) for e in _nodes(sp, x_sym)]
    exact_grad = float(sp.N(sp.diff(2 / sp.sin(sp.exp(x_sym * -1)), x_sym).subs(x_sym, x0), 30))

    # Autograd: record every intermediate and the gradient that reaches it. The counterfactual run
    # (p.myth) takes sin in degrees, the convention behind the widely copied c = 1, f′ = 0.
    def sin(t):
        return torch.sin(torch.deg2rad(t)) if p.myth else torch.sin(t)

    x = torch.tensor(-4.499, dtype=torch.float64, device=p.device, requires_grad=True)
    a = -x
    b = torch.exp(a)
    c = sin(b)
    d = 2 / c
    for node in (a, b, c):
        node.retain_grad()
    d.backward()
    p.close("forward a (autograd vs sympy)", a, exact[0], rtol=1e-12, id="fwd_a")
    p.close("forward b (autograd vs sympy)", b, exact[1], rtol=1e-12, id="fwd_b")
    p.close("forward c (autograd vs sympy)", c, exact[2], rtol=1e-12, id="fwd_c")
    p.close("forward d (autograd vs sympy)", d, exact[3], rtol=1e-12, id="fwd_d")
    # Upstream gradient at c is ∂d/∂c; at b it is ∂d/∂c·∂c/∂b: divide to get the local factor.
    p.close("∂d/∂c = gradient arriving at c", c.grad, -2 / exact[2] ** 2, rtol=1e-12, id="local_d_c")
    p.close("∂c/∂b = b.grad / c.grad", b.grad / c.grad, math.cos(exact[1]), rtol=1e-10, id="local_c_b")
    p.close("∂b/∂a = a.grad / b.grad", a.grad / b.grad, exact[1], rtol=1e-12, id="local_b_a")
    p.close("f′(−4.499): autograd vs sympy", x.grad, exact_grad, rtol=1e-12, id="f_prime")

    # The widely copied numbers, tested against what autograd computes.
    p.close("b = 90 as in the mistaken example (fine to 2 significant digits)", b, 90.0, rtol=1e-3)
    p.greater("|c − the mistaken 1| (autograd's c)", abs(c.item() - 1.0), 0.05, id="c_is_not_one",
              refutes="c = sin(exp(4.499)) = sin 90 = 1")
    p.greater("|f′ − the mistaken 0| (autograd's f′)", abs(x.grad.item()), 50.0, id="f_prime_is_not_zero",
              refutes="∂c/∂b = cos 90 = 0, so f′(−4.499) = 0")
    # Reproduce the copied numbers: sin and cos of b taken in degrees give ≈ 1 and ≈ 0.
    p.close("sin(b°) with b in degrees ≈ the mistaken c = 1", math.sin(math.radians(exact[1])), 1.0, rtol=1e-5)
    p.close("cos(b°) with b in degrees ≈ the mistaken 0", math.cos(math.radians(exact[1])), 0.0, atol=2e-3)
