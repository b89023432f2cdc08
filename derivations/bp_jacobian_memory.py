"""Why backprop never builds the 4-D Jacobian of an affine layer.

Symbolic: ∂Y[n,m]/∂W[d,k] = X[n,d]·δ(m,k), so the Jacobian ∂Y/∂W is an N×M×D×M
array that is almost all zeros, and contracting it with G = ∂L/∂Y gives Xᵀ·G —
the same numbers from two small matrices. Then the memory arithmetic for
N = 64, D = M = 4096 in float32: ∂Y/∂X has N·M·N·D entries = 2³⁸ bytes = 256 GiB,
∂Y/∂W has N·M·D·M entries = 2⁴⁴ bytes = 16 TiB (the counts are read off the shapes of
sympy's Jacobians). A widely copied note attaches 256 GB to ∂Y/∂W while multiplying the
sizes of ∂Y/∂X; the counterfactual run uses its formula and fails the byte count.
Numeric: torch.autograd.functional.jacobian builds the 4-D tensor for a small
layer; its shape, its fraction of non-zeros (1/M) and its contraction with G are
checked against Xᵀ·G from autograd's ordinary backward pass.
"""

TITLE = {
    "en": "The affine layer's 4-D Jacobian: mostly zeros, 256 GiB (∂Y/∂X) or 16 TiB (∂Y/∂W)",
    "zh": "仿射层的 4 维 Jacobian：几乎全为零，∂Y/∂X 需 256 GiB，∂Y/∂W 需 16 TiB",
}
CLAIMS = [
    {
        "en": "∂Y[n,m]/∂W[d,k] = X[n,d]·δ(m,k): only a fraction 1/M of the N·M·D·M entries is non-zero, "
              "and ∑ₙₘ G[n,m]·∂Y[n,m]/∂W = Xᵀ·G.",
        "zh": "∂Y[n,m]/∂W[d,k] = X[n,d]·δ(m,k)：N·M·D·M 个元素中只有 1/M 非零，"
              "且 ∑ₙₘ G[n,m]·∂Y[n,m]/∂W = Xᵀ·G。",
    },
    {
        "en": "N = 64, D = M = 4096, float32: ∂Y/∂X takes 2³⁸ B = 256 GiB (≈ 275 GB); ∂Y/∂W takes 2⁴⁴ B = 16 TiB.",
        "zh": "N = 64，D = M = 4096，float32：∂Y/∂X 占 2³⁸ B = 256 GiB（≈ 275 GB）；∂Y/∂W 占 2⁴⁴ B = 16 TiB。",
    },
    {
        "en": "The commonly quoted 256 GB is the size of ∂Y/∂X, not of ∂Y/∂W as claimed (N·M·D·M was evaluated as "
              "64·4096·64·4096).",
        "zh": "常被引用的 256 GB 其实是 ∂Y/∂X 的大小，而不是所说的 ∂Y/∂W（把 N·M·D·M 算成了 64·4096·64·4096）。",
    },
]


def derive(p):
    import sympy as sp

    N, D, M = 2, 2, 2
    X = sp.Matrix(N, D, lambda i, j: sp.Symbol(f"x{i + 1}{j + 1}"))
    W = sp.Matrix(D, M, lambda i, j: sp.Symbol(f"w{i + 1}{j + 1}"))
    G = sp.Matrix(N, M, lambda i, j: sp.Symbol(f"g{i + 1}{j + 1}"))
    Y = X * W
    # J[d, k, n, m] = ∂Y[n, m] / ∂W[d, k]
    J = sp.derive_by_array(sp.Array(Y), sp.Array(W))
    zeros = sum(1 for v in sp.flatten(J) if v == 0)
    p.step(f"∂Y/∂W for N = D = M = 2 has {len(sp.flatten(J))} entries, {zeros} of them zero", J)
    contracted = sp.Matrix(D, M, lambda d, k: sum(G[n, m] * J[d, k, n, m] for n in range(N) for m in range(M)))
    p.identity("∑ₙₘ G[n,m]·∂Y[n,m]/∂W[d,k] = (Xᵀ·G)[d,k]", contracted, X.T * G)

    # The sizes, read off the Jacobians themselves: build them for distinct N, D, M, and map each
    # axis length back to the dimension it came from.
    n, d, m, bytes_per = sp.symbols("N D M s", positive=True, integer=True)
    size_dW, size_dX = jacobian_entries(sp, n, d, m)
    size_dW, size_dX = size_dW * bytes_per, size_dX * bytes_per
    numbers = {n: 64, d: 4096, m: 4096, bytes_per: 4}
    p.step("Bytes of ∂Y/∂W: its axes are (D, M, N, M) — N·M·D·M·s", size_dW)
    p.step("Bytes of ∂Y/∂X: its axes are (N, D, N, M) — N·M·N·D·s", size_dX)
    bw, bx = size_dW.subs(numbers), size_dX.subs(numbers)
    p.step("∂Y/∂X at N = 64, D = M = 4096, float32 — prime factors of the byte count", sp.factorint(bx))
    p.identity("∂Y/∂X: bytes = 2³⁸ = 256 GiB", bx, 256 * 2 ** 30)
    p.step("∂Y/∂W — prime factors of the byte count", sp.factorint(bw))
    p.identity("∂Y/∂W: bytes = 2⁴⁴ = 16 TiB", bw, 16 * 2 ** 40)
    p.identity("the mistaken product 64·4096·64·4096·4 is N·M·N·D·s, the size of ∂Y/∂X",
               sp.Integer(64 * 4096 * 64 * 4096 * 4), bx)
    p.identity("while the gradient ∂L/∂W itself is D·M·s = 64 MiB", (d * m * bytes_per).subs(numbers), 64 * 2 ** 20)


def jacobian_entries(sp, n, d, m):
    """Entries of ∂Y/∂W and ∂Y/∂X for Y = X·W (X: N×D, W: D×M) as products of the symbols n, d, m,
    read off the shapes of sympy's Jacobians built at N, D, M = 2, 3, 5."""
    sizes = {2: n, 3: d, 5: m}
    N, D, M = 2, 3, 5
    X = sp.Matrix(N, D, lambda i, j: sp.Symbol(f"x{i}_{j}"))
    W = sp.Matrix(D, M, lambda i, j: sp.Symbol(f"w{i}_{j}"))
    Y = sp.Array(X * W)
    dW = sp.derive_by_array(Y, sp.Array(W))
    dX = sp.derive_by_array(Y, sp.Array(X))
    return sp.Mul(*[sizes[k] for k in dW.shape]), sp.Mul(*[sizes[k] for k in dX.shape])


def experiment(p):
    import torch
    from torch.autograd.functional import jacobian

    gen = torch.Generator().manual_seed(p.seed)
    dt, dev = torch.float64, p.device
    N, D, M = 4, 5, 3
    X, W, G = (torch.randn(s, generator=gen, dtype=dt).to(dev) for s in ((N, D), (D, M), (N, M)))
    J = jacobian(lambda w: X @ w, W)  # shape [N, M, D, M]
    p.equal("jacobian(Y, W).shape", tuple(J.shape), (N, M, D, M))
    p.close("fraction of non-zero entries", (J != 0).double().mean(), 1 / M, rtol=1e-12)
    Wl = W.clone().requires_grad_()
    (X @ Wl).backward(G)
    p.allclose("∑ₙₘ G·J (the 4-D route) vs autograd's W.grad", torch.einsum("nm,nmdk->dk", G, J), Wl.grad,
               rtol=1e-12, atol=1e-13)
    p.allclose("autograd's W.grad vs Xᵀ·G (two small matrices)", Wl.grad, X.T @ G, rtol=1e-12, atol=1e-13)
    # Bytes of the real tensors (float32), against the size formulas derived above (the
    # counterfactual run, p.myth, uses the copied formula N·M·N·D for ∂Y/∂W instead).
    import sympy as sp

    n_, d_, m_ = sp.symbols("N D M")
    entries_dW, entries_dX = jacobian_entries(sp, n_, d_, m_)
    if p.myth:
        entries_dW = entries_dX
    size_dW = sp.lambdify((n_, d_, m_), 4 * entries_dW)
    size_dX = sp.lambdify((n_, d_, m_), 4 * entries_dX)
    Xf, Wf = X.float(), W.float()
    Jx = jacobian(lambda x: x @ Wf, Xf)
    Jw = jacobian(lambda w: Xf @ w, Wf)
    p.equal("float32 ∂Y/∂X: bytes = derived N·M·N·D·4", Jx.numel() * Jx.element_size(), size_dX(N, D, M))
    p.equal("float32 ∂Y/∂W: bytes = derived N·M·D·M·4", Jw.numel() * Jw.element_size(), size_dW(N, D, M),
            id="dydw_bytes_formula", refutes="∂Y/∂W takes N·M·N·D numbers (the 256 GB figure)")
    p.equal("∂Y/∂X at N = 64, D = M = 4096, float32, in GiB", size_dX(64, 4096, 4096) / 2 ** 30, 256,
            id="dydx_gib")
    p.greater("… in GB (10⁹ bytes)", size_dX(64, 4096, 4096) / 1e9, 256, id="dydx_gb")
    p.equal("∂Y/∂W at N = 64, D = M = 4096, float32, in TiB", size_dW(64, 4096, 4096) / 2 ** 40, 16,
            id="dydw_tib")
