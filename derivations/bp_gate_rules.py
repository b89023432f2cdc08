"""The three rules of a computational graph: add passes, multiply swaps, paths sum.

Symbolic: differentiate z = x + y and z = x·y to get each node's local rule, then
take f = (x·y)·(x + y), where x reaches f along two paths, and show that the sum
of the two path products equals sympy's ∂f/∂x.
Numeric: backward hooks in torch catch the gradient that actually arrives at each
input of an add node and a multiply node, and the two per-path contributions to
x; they must equal the rules (exactly for add, to float64 rounding for the rest).
A max node sends g to the larger input only (on a tie torch.maximum splits it in half),
and .grad accumulates across backward() calls (counterfactual: clearing .grad in between,
as the misconception "backward() overwrites .grad" would have it, does not double it).
"""

TITLE = {
    "en": "Add node passes the gradient, multiply node swaps its inputs, paths sum",
    "zh": "加法节点原样传递梯度，乘法节点交换输入，多条路径梯度相加",
}
CLAIMS = [
    {
        "en": "z = x + y sends the upstream gradient g unchanged to both inputs: ∂L/∂x = ∂L/∂y = g.",
        "zh": "z = x + y 把上游梯度 g 原样传给两个输入：∂L/∂x = ∂L/∂y = g。",
    },
    {
        "en": "z = x·y sends g times the *other* input: ∂L/∂x = g·y, ∂L/∂y = g·x (so it must store x and y).",
        "zh": "z = x·y 传回 g 乘以*另一个*输入：∂L/∂x = g·y，∂L/∂y = g·x（因此前向时必须保存 x 和 y）。",
    },
    {
        "en": "When x reaches the output along several paths, ∂f/∂x is the sum of the per-path products.",
        "zh": "当 x 沿多条路径到达输出时，∂f/∂x 等于各条路径上导数乘积之和。",
    },
    {
        "en": "A max node routes g to the larger input only (a tie splits it in half in torch.maximum); "
              "PyTorch's .grad accumulates over backward() calls.",
        "zh": "max 节点只把 g 传给较大的输入（torch.maximum 遇到相等时各分一半）；PyTorch 的 .grad 在多次 backward() 之间累加。",
    },
]


def derive(p):
    import sympy as sp

    x, y, g = sp.symbols("x y g")
    add, mul = x + y, x * y
    p.step("Add node z = x + y: local gradients (∂z/∂x, ∂z/∂y)", sp.Matrix([sp.diff(add, x), sp.diff(add, y)]))
    p.step("Multiply node z = x·y: local gradients (∂z/∂x, ∂z/∂y)", sp.Matrix([sp.diff(mul, x), sp.diff(mul, y)]))
    p.identity("add node: downstream = g·(∂z/∂x, ∂z/∂y) = (g, g)",
               g * sp.Matrix([sp.diff(add, x), sp.diff(add, y)]), sp.Matrix([g, g]))
    p.identity("multiply node: downstream = (g·y, g·x), the inputs swapped",
               g * sp.Matrix([sp.diff(mul, x), sp.diff(mul, y)]), sp.Matrix([g * y, g * x]))

    # Two paths: a = x·y and b = x + y both feed f = a·b.
    a, b = sp.symbols("a b")
    f_ab = a * b
    path_a = sp.diff(f_ab, a) * sp.diff(mul, x)  # through the multiply node
    path_b = sp.diff(f_ab, b) * sp.diff(add, x)  # through the add node
    p.step("Path through a = x·y:  ∂f/∂a · ∂a/∂x", path_a)
    p.step("Path through b = x + y: ∂f/∂b · ∂b/∂x", path_b)
    total = (path_a + path_b).subs({a: mul, b: add})
    f = sp.expand(mul * add)
    p.step("f = (x·y)(x + y) expanded", f)
    p.identity("sum over both paths = ∂f/∂x", total, sp.diff(f, x))


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dev, dt = p.device, torch.float64

    def leaf(n):
        return torch.randn(n, generator=gen, dtype=dt).to(dev).requires_grad_()

    x, y = leaf(6), leaf(6)
    upstream = torch.randn(6, generator=gen, dtype=dt).to(dev)

    # Add node: what reaches x and y is the upstream gradient itself.
    (x + y).backward(upstream)
    p.holds("add node: x.grad is bit-for-bit the upstream gradient", torch.equal(x.grad, upstream))
    p.holds("add node: y.grad is bit-for-bit the upstream gradient", torch.equal(y.grad, upstream))

    # Multiply node: each input receives upstream × the other input.
    x.grad, y.grad = None, None
    (x * y).backward(upstream)
    p.allclose("multiply node: x.grad vs upstream·y", x.grad, upstream * y.detach(), rtol=1e-15)
    p.allclose("multiply node: y.grad vs upstream·x", y.grad, upstream * x.detach(), rtol=1e-15)
    p.greater("swapping matters: max |x.grad − upstream·x|", (x.grad - upstream * x.detach()).abs().max(), 1e-3)

    # Max node: the gradient goes to whichever input was larger, the other gets zero.
    x.grad, y.grad = None, None
    torch.maximum(x, y).backward(upstream)
    x_won = x.detach() > y.detach()
    p.allclose("max node: x.grad = upstream where x > y, else 0", x.grad, torch.where(x_won, upstream, 0.0), rtol=0)
    p.allclose("max node: y.grad = upstream where y > x, else 0", y.grad, torch.where(x_won, 0.0, upstream), rtol=0)
    # On a tie torch.maximum does not pick one input: it splits the gradient in half.
    tie = torch.tensor([1.5], dtype=dt, device=dev, requires_grad=True)
    tie_other = torch.tensor([1.5], dtype=dt, device=dev, requires_grad=True)
    torch.maximum(tie, tie_other).backward(torch.tensor([1.0], dtype=dt, device=dev))
    p.close("max node on a tie: share of g each input gets", tie.grad, 0.5, rtol=0, id="max_tie_share")
    p.close("… and both inputs get the same share", tie_other.grad, tie.grad, rtol=0)
    # .grad accumulates: a second backward without zeroing adds the same gradient again. The
    # counterfactual run (p.myth) plays the misconception "backward() replaces .grad" by
    # clearing .grad before the second call.
    if p.myth:
        x.grad = None
    torch.maximum(x, y).backward(upstream)
    p.allclose("a second backward() without zero_grad doubles x.grad", x.grad, 2 * torch.where(x_won, upstream, 0.0),
               rtol=0, id="grad_accumulates_without_zero_grad", refutes="backward() overwrites .grad")

    # Two paths: route x through two clones so each path's contribution is caught by a hook.
    x.grad = None
    x_via_a, x_via_b = x.clone(), x.clone()
    caught = {}
    x_via_a.register_hook(lambda grad: caught.__setitem__("a", grad.detach().clone()))
    x_via_b.register_hook(lambda grad: caught.__setitem__("b", grad.detach().clone()))
    a, b = x_via_a * y, x_via_b + y
    (a * b).sum().backward()
    xd, yd = x.detach(), y.detach()
    p.allclose("path via a = x·y carries b·y", caught["a"], (xd + yd) * yd, rtol=1e-14)
    p.allclose("path via b = x + y carries a·1", caught["b"], xd * yd, rtol=1e-14)
    p.allclose("x.grad = sum of the two path gradients", x.grad, caught["a"] + caught["b"], rtol=1e-15)
    p.allclose("x.grad vs closed form ∂f/∂x = 2xy + y²", x.grad, 2 * xd * yd + yd ** 2, rtol=1e-13)
