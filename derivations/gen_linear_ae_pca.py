"""A linear autoencoder trained with MSE finds the PCA subspace, not the PCA axes (Baldi & Hornik 1989).

Symbolic: for a fixed decoder W the best code is h = (WᵀW)⁻¹Wᵀx, so the
reconstruction is the orthogonal projection P = W(WᵀW)⁻¹Wᵀ onto col(W), and the
error is tr Σ − tr(PΣ). In two dimensions with one code unit the error as a
function of the decoder's angle θ is λ₁sin²θ + λ₂cos²θ: its minimum is the top
eigenvector (θ = 0) and the other stationary point (θ = π/2) is a maximum. Any
invertible A mixes the code without changing the map: (WA)(A⁻¹E) = WE.
Numeric: a linear AE (two bias-free nn.Linear, float64) trained on
centred data by plain gradient descent (SGD + momentum); its decoder's column space is compared with the top-k right
singular vectors from an SVD (largest principal angle), its encoder∘decoder
with the PCA projector, and its error with the sum of the discarded squared
singular values. Its decoder columns are neither orthonormal nor the axes.
"""

TITLE = {
    "en": "Linear autoencoder + MSE = the PCA subspace",
    "zh": "线性自编码器 + MSE = PCA 子空间",
}
CLAIMS = [
    {
        "en": "For a fixed decoder W the MSE-optimal code is h = (WᵀW)⁻¹Wᵀx: the reconstruction is the "
              "orthogonal projection onto col(W), and the error is tr Σ − tr(PΣ).",
        "zh": "固定解码器 W 时，MSE 最优的编码为 h = (WᵀW)⁻¹Wᵀx：重构是到 col(W) 的正交投影，误差为 tr Σ − tr(PΣ)。",
    },
    {
        "en": "The error is minimised when col(W) is the span of the top-k eigenvectors of the covariance "
              "(the top-k principal subspace); other eigen-subspaces are saddle points or maxima.",
        "zh": "当 col(W) 等于协方差前 k 个特征向量张成的子空间（前 k 主成分子空间）时误差最小；其他特征子空间是鞍点或极大值。",
    },
    {
        "en": "A trained linear AE's decoder spans the top-k principal subspace (principal angles ≈ 0) and its "
              "error equals PCA's, but its columns are an arbitrary invertible mix of the principal axes.",
        "zh": "训练好的线性自编码器的解码器张成前 k 主成分子空间（主角度 ≈ 0），误差与 PCA 相同，"
              "但其列是主轴的任意可逆线性组合，而不是主轴本身。",
    },
]


def derive(p):
    import sympy as sp

    a, b, h, x1, x2 = sp.symbols("a b h x1 x2", real=True)
    W = sp.Matrix([a, b])
    x = sp.Matrix([x1, x2])
    err = sp.expand(((x - W * h).T * (x - W * h))[0])
    p.step("One code unit, decoder W = (a, b)ᵀ: squared error ‖x − W h‖²", err)
    h_best = sp.solve(sp.diff(err, h), h)[0]
    p.step("Set ∂/∂h = 0 and solve for the best code", h_best)
    p.identity("h* = (WᵀW)⁻¹Wᵀx", h_best, ((W.T * W).inv() * W.T * x)[0])
    P = (W * (W.T * W).inv() * W.T).applyfunc(sp.cancel)
    p.step("Reconstruction W h* = P x with P = W(WᵀW)⁻¹Wᵀ", P)
    p.identity("P² = P (a projection)", (P * P).applyfunc(sp.cancel), P)
    c = sp.Symbol("c", nonzero=True)
    Wc = c * W
    p.identity("P is unchanged by W → cW (only col(W) matters)",
               (Wc * (Wc.T * Wc).inv() * Wc.T).applyfunc(sp.cancel), P)

    # In the eigenbasis Σ = diag(λ1, λ2); the decoder is a unit vector at angle θ.
    l1, l2 = sp.symbols("lambda1 lambda2", positive=True)
    th = sp.Symbol("theta", real=True)
    u = sp.Matrix([sp.cos(th), sp.sin(th)])
    Sigma = sp.diag(l1, l2)
    loss = Sigma.trace() - (u.T * Sigma * u)[0]
    p.step("Expected error E‖x − Px‖² = tr Σ − tr(PΣ) = tr Σ − uᵀΣu, P = uuᵀ, u = (cos θ, sin θ)", loss)
    p.identity("error(θ) = λ₁ sin²θ + λ₂ cos²θ", loss, l1 * sp.sin(th) ** 2 + l2 * sp.cos(th) ** 2)
    dloss = sp.diff(loss, th)
    p.step("d error / dθ", sp.factor(sp.expand_trig(dloss)))
    p.identity("the slope vanishes on both eigenvectors (θ = 0 and θ = π/2)",
               sp.Matrix([dloss.subs(th, 0), dloss.subs(th, sp.pi / 2)]), sp.zeros(2, 1))
    d2 = sp.diff(loss, th, 2)
    p.identity("curvature at θ = 0 (top eigenvector, λ₁ > λ₂): 2(λ₁ − λ₂) > 0, a minimum",
               d2.subs(th, 0), 2 * (l1 - l2))
    p.identity("curvature at θ = π/2 (bottom eigenvector): −2(λ₁ − λ₂) < 0, a maximum",
               d2.subs(th, sp.pi / 2), -2 * (l1 - l2))
    p.identity("error at the minimum = the discarded eigenvalue λ₂", loss.subs(th, 0), l2)

    # Two code units: an invertible A mixes the code and leaves the map unchanged.
    A = sp.Matrix(2, 2, sp.symbols("a0:4"))
    p.step("Mix the two code units with any invertible A; its inverse", A.inv())
    Wd, E = sp.Matrix(3, 2, sp.symbols("w0:6")), sp.Matrix(2, 3, sp.symbols("e0:6"))
    mixed = ((Wd * A) * (A.inv() * E)).applyfunc(sp.cancel)
    p.identity("decoder W → WA, encoder E → A⁻¹E: (WA)(A⁻¹E) = W(AA⁻¹)E = WE, the same autoencoder",
               mixed, Wd * E, shown=sp.Eq(sp.Symbol("(WA)(A⁻¹E)"), sp.Symbol("WE")))


def _sin_largest_angle(basis, target):
    """sin of the largest principal angle between col(basis) and col(target) (target orthonormal)."""
    import torch

    Q, _ = torch.linalg.qr(basis)
    return torch.linalg.matrix_norm(target - Q @ (Q.T @ target), ord=2)


def experiment(p):
    import numpy as np
    import torch

    g = torch.Generator().manual_seed(p.seed)
    n, d, k = (400, 6, 2) if p.quick else (8000, 16, 4)
    scales = torch.linspace(1.0, 0.2, d, dtype=torch.float64)  # distinct variances: a unique subspace
    rotation, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    X = (torch.randn(n, d, generator=g, dtype=torch.float64) * scales) @ rotation.T
    X = (X - X.mean(0)).to(p.device)

    # Independent reference: PCA by SVD in NumPy.
    _, s, Vt = np.linalg.svd(X.cpu().numpy(), full_matrices=False)
    V_k = torch.from_numpy(Vt[:k].T.copy()).to(p.device)
    pca_error = float((s[k:] ** 2).sum() / n)

    enc = torch.nn.Linear(d, k, bias=False, dtype=torch.float64)
    dec = torch.nn.Linear(k, d, bias=False, dtype=torch.float64)
    with torch.no_grad():
        enc.weight.copy_(torch.randn(k, d, generator=g, dtype=torch.float64) * 0.3)
        dec.weight.copy_(torch.randn(d, k, generator=g, dtype=torch.float64) * 0.3)
    enc, dec = enc.to(p.device), dec.to(p.device)
    # Full-batch gradient descent with momentum on the MSE, gradients from autograd:
    # nothing about PCA is built in.
    params = [enc.weight, dec.weight]
    velocity = [torch.zeros_like(w) for w in params]
    steps, angles = [], []
    for step in range(1, (1000 if p.quick else 3000) + 1):
        loss = ((dec(enc(X)) - X) ** 2).sum(1).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for w, v, gw in zip(params, velocity, grads):
                v.mul_(0.9).add_(gw)
                w.sub_(0.1 * v)
        if step % 20 == 0:
            with torch.no_grad():
                steps.append(step)
                angles.append(max(float(_sin_largest_angle(dec.weight, V_k)), 1e-16))

    with torch.no_grad():
        final = float(((dec(enc(X)) - X) ** 2).sum(1).mean())
        Wd = dec.weight
        angle = angles[-1]
        wrong = torch.from_numpy(np.stack([Vt[0], Vt[k]], 1).copy()).to(p.device)
        if p.myth:  # the misconception: the autoencoder finds other (better) features than PCA's
            projector = wrong @ torch.linalg.pinv(wrong)
            final = float(((X @ projector - X) ** 2).sum(1).mean())
            angle = float(_sin_largest_angle(wrong, V_k))
        p.less("sin(largest principal angle) between col(decoder) and PCA top-k", angle, 1e-5, id="ae_pca_angle")
        p.close("AE reconstruction error vs PCA's Σ_{i>k} sᵢ²/n", final, pca_error, rtol=1e-8, id="ae_error_is_pca",
                refutes="a linear autoencoder trained with MSE extracts other features than PCA and can beat it")
        p.allclose("decoder∘encoder = PCA projector V_k V_kᵀ", Wd @ enc.weight, V_k @ V_k.T, atol=1e-5)
        # A wrong subspace (top-1 axis plus axis k+1) is far away: the angle check can fail.
        p.greater("sin(largest angle) to a wrong subspace span(v₁, v_{k+1})",
                  _sin_largest_angle(Wd, wrong), 0.5)
        cols = Wd / Wd.norm(dim=0)
        off_axis = 1 - (cols.T @ V_k).abs().max(dim=1).values.min()
        p.greater("decoder columns are not the principal axes: max over columns of 1 − max |cos(col, vᵢ)|",
                  off_axis, 1e-3)
        p.greater("decoder columns are not even orthogonal (the axes are): |cos(col₁, col₂)|",
                  (cols[:, 0] @ cols[:, 1]).abs(), 1e-3)
    p.plot("Linear AE trained by gradient descent: sin(largest angle to the PCA subspace)",
           {"sin θ_max": (steps, angles)}, xlabel="gradient steps", ylabel="sin θ", logy=True)
