"""Backward pass of an affine layer Y = X·W + b without building any Jacobian.

Symbolic: with X (2×2), W (2×3), b (3) and an upstream gradient G = ∂L/∂Y (2×3)
all made of symbols, write L = ∑ G ⊙ Y, differentiate L by every entry of X, W
and b, and check the three matrices equal G·Wᵀ, Xᵀ·G and the column sums of G.
Numeric: torch autograd on random float64 tensors agrees with the three formulas,
and so does torch.nn.Linear, which stores its weight transposed ([out, in],
y = x·Wᵀ + b) so that its weight gradient is Gᵀ·X.
"""

TITLE = {
    "en": "Affine layer backward: dX = dY·Wᵀ, dW = Xᵀ·dY, db = ∑ dY",
    "zh": "仿射层反向传播：dX = dY·Wᵀ，dW = Xᵀ·dY，db = ∑ dY",
}
CLAIMS = [
    {
        "en": "For Y = X·W + b (X: N×D, W: D×M) and G = ∂L/∂Y: ∂L/∂X = G·Wᵀ, ∂L/∂W = Xᵀ·G, ∂L/∂b = ∑ₙ Gₙ.",
        "zh": "对 Y = X·W + b（X: N×D，W: D×M）与 G = ∂L/∂Y：∂L/∂X = G·Wᵀ，∂L/∂W = Xᵀ·G，∂L/∂b = ∑ₙ Gₙ。",
    },
    {
        "en": "torch.nn.Linear keeps weight as [out, in] and computes x·Wᵀ + b, so weight.grad = Gᵀ·X.",
        "zh": "torch.nn.Linear 的 weight 形状为 [out, in]，计算 x·Wᵀ + b，因此 weight.grad = Gᵀ·X。",
    },
]


def derive(p):
    import sympy as sp

    N, D, M = 2, 2, 3
    X = sp.Matrix(N, D, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}"))
    W = sp.Matrix(D, M, lambda i, j: sp.Symbol(f"w{i + 1}{j + 1}"))
    b = sp.Matrix(1, M, lambda i, j: sp.Symbol(f"b{j + 1}"))
    G = sp.Matrix(N, M, lambda i, j: sp.Symbol(f"g{i + 1}{j + 1}"))
    Y = X * W + sp.ones(N, 1) * b  # the bias row is broadcast to every sample
    p.step("Forward: Y = X·W + b (N = 2, D = 2, M = 3)", Y)
    # Any scalar loss looks, to first order around this point, like ∑ G ⊙ Y.
    L = sum(G[i, j] * Y[i, j] for i in range(N) for j in range(M))
    dX = X.applyfunc(lambda v: sp.diff(L, v))
    dW = W.applyfunc(lambda v: sp.diff(L, v))
    db = b.applyfunc(lambda v: sp.diff(L, v))
    p.step("∂L/∂X entry by entry", dX)
    p.identity("∂L/∂X = G·Wᵀ", dX, G * W.T)
    p.step("∂L/∂W entry by entry", dW)
    p.identity("∂L/∂W = Xᵀ·G", dW, X.T * G)
    p.identity("∂L/∂b = ∑ over the batch of G's rows", db, sp.ones(1, N) * G)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N, D, M = 5, 7, 4
    X, W, b, G = (torch.randn(s, generator=gen, dtype=dt).to(dev) for s in ((N, D), (D, M), (M,), (N, M)))
    X.requires_grad_(), W.requires_grad_(), b.requires_grad_()
    (X @ W + b).backward(G)
    Xd, Wd = X.detach(), W.detach()
    p.allclose("autograd dX vs G·Wᵀ", X.grad, G @ Wd.T, rtol=1e-12, atol=1e-13)
    p.allclose("autograd dW vs Xᵀ·G", W.grad, Xd.T @ G, rtol=1e-12, atol=1e-13)
    p.allclose("autograd db vs G.sum(0)", b.grad, G.sum(0), rtol=1e-12, atol=1e-13)

    lin = torch.nn.Linear(D, M, dtype=dt).to(dev)
    with torch.no_grad():
        lin.weight.copy_(Wd.T)  # PyTorch stores W as [out, in]
        lin.bias.copy_(b.detach())
    x = Xd.clone().requires_grad_()
    out = lin(x)
    p.allclose("nn.Linear forward = X·W + b", out, Xd @ Wd + b.detach(), rtol=1e-12, atol=1e-13)
    out.backward(G)
    p.allclose("nn.Linear weight.grad vs Gᵀ·X ([out, in])", lin.weight.grad, G.T @ Xd, rtol=1e-12, atol=1e-13)
    p.allclose("nn.Linear input grad vs G·W_torch", x.grad, G @ lin.weight.detach(), rtol=1e-12, atol=1e-13)
    p.allclose("nn.Linear bias.grad vs G.sum(0)", lin.bias.grad, G.sum(0), rtol=1e-12, atol=1e-13)
