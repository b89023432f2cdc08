"""Error terms of an MLP: δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ′(z_l), ∂L/∂W_l = δ_l a_{l−1}ᵀ, ∂L/∂b_l = δ_l.

Symbolic: a two-unit, two-layer network with a generic activation σ (any
differentiable function). sympy differentiates L = ½‖σ(z₂) − y‖² by z₁ directly
and the result equals the recursion (W₂ᵀ δ₂) ⊙ σ′(z₁); the weight and bias
gradients come out as δ₂ a₁ᵀ and δ₂.
Numeric: a hand-written backward pass over a 4-layer sigmoid MLP (batch of 16,
float64) that uses only the recursion matches autograd layer by layer; leaving
out the ⊙ σ′(z_l) factor does not (the counterfactual run uses that recursion and fails).
torch's FLOP counter shows the backward pass costs (2L − 1)/L times the forward: two
matrix products per layer (Wᵀδ and δaᵀ; none for the input), against one.
"""

TITLE = {
    "en": "Error terms: δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ′(z_l)",
    "zh": "误差项：δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ′(z_l)",
}
CLAIMS = [
    {
        "en": "With z_l = W_l a_{l−1} + b_l, a_l = σ(z_l) and δ_l = ∂L/∂z_l: δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ′(z_l).",
        "zh": "设 z_l = W_l a_{l−1} + b_l，a_l = σ(z_l)，δ_l = ∂L/∂z_l，则 δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ′(z_l)。",
    },
    {
        "en": "∂L/∂W_l = δ_l a_{l−1}ᵀ and ∂L/∂b_l = δ_l (summed over the batch).",
        "zh": "∂L/∂W_l = δ_l a_{l−1}ᵀ，∂L/∂b_l = δ_l（对 batch 求和）。",
    },
    {
        "en": "Backward costs two matrix products per layer (Wᵀδ and δ aᵀ) against the forward's one: "
              "about twice the forward pass's FLOPs.",
        "zh": "反向传播每层两次矩阵乘法（Wᵀδ 与 δ aᵀ），前向只有一次：FLOPs 约为前向的两倍。",
    },
    {
        "en": "The ⊙ σ′(z_l) factor is element-wise and cannot be dropped: without it the gradients are wrong.",
        "zh": "⊙ σ′(z_l) 是逐元素乘积，不能省略：省略后梯度就错了。",
    },
]


def derive(p):
    import sympy as sp

    # A generic activation σ whose derivative is printed as σ′ (another unknown function).
    sigma_prime = sp.Function("σ′")

    class sigma(sp.Function):
        def fdiff(self, argindex=1):
            return sigma_prime(self.args[0])

    z1 = sp.Matrix(sp.symbols("z1_1 z1_2"))
    y = sp.Matrix(sp.symbols("y1 y2"))
    W2 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"w{i + 1}{j + 1}"))
    b2 = sp.Matrix(sp.symbols("b1 b2"))
    a1 = z1.applyfunc(sigma)
    z2 = W2 * a1 + b2
    a2 = z2.applyfunc(sigma)
    L = sum((a2[i] - y[i]) ** 2 for i in range(2)) / 2

    # For printing only: name the hidden quantities a₁ = σ(z₁) and z₂ instead of spelling them out.
    names = {z2[i]: sp.Symbol(f"z2_{i + 1}") for i in range(2)}
    names.update({a1[i]: sp.Symbol(f"a1_{i + 1}") for i in range(2)})

    def short(expr):
        return expr.xreplace({k: v for k, v in names.items() if k in z2}).xreplace(names)

    p.step("Forward: a₁ = σ(z₁), z₂ = W₂a₁ + b₂, L = ½‖σ(z₂) − y‖²", sp.Eq(sp.Symbol("L"), short(L)))

    # δ₂: differentiate L as a function of fresh symbols u = z₂, then put z₂ back.
    u = sp.Matrix(sp.symbols("u1 u2"))
    L_u = sum((sigma(u[i]) - y[i]) ** 2 for i in range(2)) / 2
    delta2 = sp.Matrix([sp.diff(L_u, u[i]) for i in range(2)]).subs(dict(zip(u, z2)))
    p.step("δ₂ = ∂L/∂z₂ = (a₂ − y) ⊙ σ′(z₂)", short(delta2))
    # δ₁ straight from the definition: sympy applies the chain rule through z₂ = W₂σ(z₁) + b₂.
    direct = sp.Matrix([sp.diff(L, z1[i]) for i in range(2)])
    p.step("δ₁ = ∂L/∂z₁ by differentiating L by z₁ directly", short(direct))
    d2 = sp.Matrix(sp.symbols("δ2_1 δ2_2"))
    recursion = (W2.T * delta2).multiply_elementwise(z1.applyfunc(sigma_prime))
    p.identity("δ₁ = (W₂ᵀ δ₂) ⊙ σ′(z₁)", direct.expand(), recursion.expand(),
               shown=(W2.T * d2).multiply_elementwise(z1.applyfunc(sigma_prime)))
    dW2 = W2.applyfunc(lambda w: sp.diff(L, w))
    p.identity("∂L/∂W₂ = δ₂ a₁ᵀ", dW2, delta2 * a1.T, shown=d2 * short(a1).T)
    p.identity("∂L/∂b₂ = δ₂", sp.Matrix([sp.diff(L, b) for b in b2]), delta2, shown=d2)

def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    sizes = [6, 8, 8, 8, 3]
    Ws = [torch.randn(o, i, generator=gen, dtype=dt).div(i ** 0.5).to(dev).requires_grad_()
          for i, o in zip(sizes, sizes[1:])]
    bs = [torch.randn(o, generator=gen, dtype=dt).mul(0.1).to(dev).requires_grad_() for o in sizes[1:]]
    x = torch.randn(16, sizes[0], generator=gen, dtype=dt).to(dev)
    y = torch.rand(16, sizes[-1], generator=gen, dtype=dt).to(dev)

    # Forward, keeping z_l and a_l (rows are samples, so z = a Wᵀ + b).
    acts, zs = [x], []
    for W, b in zip(Ws, bs):
        zs.append(acts[-1] @ W.T + b)
        acts.append(torch.sigmoid(zs[-1]))
    loss = 0.5 * ((acts[-1] - y) ** 2).sum()
    loss.backward()

    def hand_backward(with_sigma_prime):
        grads = []
        with torch.no_grad():
            s_last = torch.sigmoid(zs[-1])
            delta = (acts[-1] - y) * s_last * (1 - s_last)
            for layer in range(len(Ws) - 1, -1, -1):
                grads.append((delta.T @ acts[layer], delta.sum(0)))  # δ a_{l−1}ᵀ, summed over the batch
                if layer:
                    s = torch.sigmoid(zs[layer - 1])
                    delta = delta @ Ws[layer]  # Wᵀδ for a column δ is δW for row-vector samples
                    if with_sigma_prime:
                        delta = delta * s * (1 - s)
        return grads[::-1]

    # The recursion under test; the counterfactual run (p.myth) drops the ⊙σ′(z_l) factor,
    # as the misconception "δ_l = W_{l+1}ᵀ δ_{l+1}" would.
    for l, ((gW, gb), W, b) in enumerate(zip(hand_backward(not p.myth), Ws, bs), start=1):
        first = l == 1
        p.allclose(f"layer {l}: δ-recursion ∂L/∂W vs autograd", gW, W.grad, rtol=1e-11, atol=1e-14,
                   id="layer1_recursion_matches_autograd" if first else None,
                   refutes="δ_l = W_{l+1}ᵀ δ_{l+1}: the ⊙σ′(z_l) factor can be left out" if first else None)
        p.allclose(f"layer {l}: δ-recursion ∂L/∂b vs autograd", gb, b.grad, rtol=1e-11, atol=1e-14)
    gW_wrong = hand_backward(False)[0][0]
    p.greater("layer 1 without ⊙σ′: relative error", (gW_wrong - Ws[0].grad).norm() / Ws[0].grad.norm(), 0.5,
              id="no_sigma_prime_rel_error")

    # Cost: torch's FLOP counter on the same network, wider. Forward: one matrix product per layer;
    # backward: Wᵀδ (except below the first layer) and δ a_{l−1}ᵀ, so about twice the forward.
    from torch.utils.flop_counter import FlopCounterMode

    wide = [256] * 6
    Wb = [torch.randn(o, i, generator=gen, dtype=dt).div(i ** 0.5).to(dev).requires_grad_()
          for i, o in zip(wide, wide[1:])]
    xb = torch.randn(64, wide[0], generator=gen, dtype=dt).to(dev)
    with FlopCounterMode(display=False) as counter:
        h = xb
        for W in Wb:
            h = torch.sigmoid(h @ W.T)
        forward_flops = counter.get_total_flops()
        h.sum().backward()
        backward_flops = counter.get_total_flops() - forward_flops
    layers = len(Wb)
    p.close("backward / forward FLOPs (torch FlopCounterMode), 5 layers", backward_flops / forward_flops,
            (2 * layers - 1) / layers, rtol=1e-12, id="backward_over_forward_flops")
