"""Queries, keys and values are three projections of one input; q_A·k_B ≠ q_B·k_A; tying W_Q = W_K.

Symbolic: with S = XW_Q(XW_K)ᵀ the entry S_AB − S_BA = x_Aᵀ(W_QW_Kᵀ − W_KW_Qᵀ)x_B, which is
zero for every pair only when W_QW_Kᵀ is symmetric (W_Q = W_K is one way). Tied, S = (XW)(XW)ᵀ
is a Gram matrix: symmetric, zᵀSz = ‖(XW)ᵀz‖² ≥ 0, rank ≤ d_k, and by Cauchy–Schwarz
S_AB ≤ max(S_AA, S_BB): no token can score another higher than the larger of the two self-scores.
Numeric (float64): the scores built from nn.MultiheadAttention's own in_proj weights reproduce
its attention weights; at its default initialisation S is far from symmetric; with W_K := W_Q
(and b_K := b_Q) it is symmetric, positive semi-definite and of rank d_k — the symmetry read back from the
tied module's own attention weights (log-weight test), the untied module failing the same test.
"""

TITLE = {
    "en": "Q, K, V are projections of one input; q_A·k_B ≠ q_B·k_A unless W_QW_Kᵀ is symmetric (e.g. W_Q = W_K)",
    "zh": "Q、K、V 是同一输入的三个投影；除非 W_QW_Kᵀ 对称（例如 W_Q = W_K），否则 q_A·k_B ≠ q_B·k_A",
}
CLAIMS = [
    {
        "en": "The score of A on B is q_A·k_B = x_AᵀW_QW_Kᵀx_B; the score of B on A is x_BᵀW_QW_Kᵀx_A: different "
              "unless W_QW_Kᵀ is symmetric.",
        "zh": "A 对 B 的分数是 q_A·k_B = x_AᵀW_QW_Kᵀx_B，B 对 A 的分数是 x_BᵀW_QW_Kᵀx_A：除非 W_QW_Kᵀ 对称，否则两者不同。",
    },
    {
        "en": "With W_Q = W_K the score matrix is a Gram matrix: symmetric, positive semi-definite, rank ≤ d_k, "
              "and each off-diagonal score is at most the larger of the two self-scores.",
        "zh": "W_Q = W_K 时分数矩阵是 Gram 矩阵：对称、半正定、秩 ≤ d_k，且每个非对角分数不超过两个自身分数中较大的那个。",
    },
]


def derive(p):
    import sympy as sp

    d = 2
    xa = sp.Matrix(sp.symbols("a1:3", real=True))
    xb = sp.Matrix(sp.symbols("b1:3", real=True))
    Wq = sp.Matrix(d, d, sp.symbols("q1:5", real=True))
    Wk = sp.Matrix(d, d, sp.symbols("k1:5", real=True))
    s_ab = ((Wq.T * xa).T * (Wk.T * xb))[0]   # q_A·k_B with q = W_Qᵀx (row convention x W_Q)
    s_ba = ((Wq.T * xb).T * (Wk.T * xa))[0]
    p.step("q_A·k_B − q_B·k_A, expanded", sp.expand(s_ab - s_ba))
    p.identity("q_A·k_B − q_B·k_A = x_Aᵀ(W_QW_Kᵀ − W_KW_Qᵀ)x_B", s_ab - s_ba,
               (xa.T * (Wq * Wk.T - Wk * Wq.T) * xb)[0], id="asymmetry_form")
    p.identity("tied W_K = W_Q: q_A·k_B − q_B·k_A = 0", (s_ab - s_ba).subs(dict(zip(Wk, Wq))), 0,
               id="tied_symmetric")
    X = sp.Matrix(3, d, sp.symbols("x1:7", real=True))
    z = sp.Matrix(sp.symbols("z1:4", real=True))
    S = X * Wq * (X * Wq).T
    v = (X * Wq).T * z
    p.identity("tied: zᵀSz = ‖(XW)ᵀz‖² ≥ 0 (positive semi-definite)", (z.T * S * z)[0], (v.T * v)[0])


def experiment(p):
    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, d = 12, 4
    torch.manual_seed(p.seed)  # nn.MultiheadAttention initialises from the global generator
    mha = torch.nn.MultiheadAttention(d, 1, batch_first=True, dtype=f64).to(p.device)
    with torch.no_grad():
        mha.in_proj_bias.copy_(0.1 * torch.randn(3 * d, generator=g, dtype=f64))
    x = torch.randn(1, n, d, generator=g, dtype=f64).to(p.device)

    def scores(tied):
        W, b = mha.in_proj_weight, mha.in_proj_bias
        Wq, Wk, bq, bk = W[:d], W[d:2 * d], b[:d], b[d:2 * d]
        if tied:
            Wk, bk = Wq, bq
        return (x[0] @ Wq.T + bq) @ (x[0] @ Wk.T + bk).T / d ** 0.5

    with torch.no_grad():
        _, weights = mha(x, x, x, need_weights=True)
        S = scores(tied=p.myth)  # the myth: one shared similarity, as if W_K were W_Q
        p.allclose("softmax(scores from in_proj_weight) = nn.MultiheadAttention's weights",
                   torch.softmax(scores(tied=False), -1), weights[0], rtol=1e-12, atol=1e-15)
        asym = (S - S.T).norm() / S.norm()
        p.greater("nn.MultiheadAttention at init: ‖S − Sᵀ‖/‖S‖ (score of A on B ≠ score of B on A)", asym, 0.1,
                  id="default_scores_asymmetric", refutes="q_A·k_B = q_B·k_A: attention scores are symmetric")
        T = scores(tied=True)
        # The module itself, tied: its weights are softmax rows of S, so with L = log(weights),
        # L − Lᵀ = (S − Sᵀ) + lse_j − lse_i. S is symmetric exactly when (L − Lᵀ)_ij = (L − Lᵀ)_0j − (L − Lᵀ)_0i.
        tied = torch.nn.MultiheadAttention(d, 1, batch_first=True, dtype=f64).to(p.device)
        tied.load_state_dict(mha.state_dict())
        tied.in_proj_weight[d:2 * d] = tied.in_proj_weight[:d]
        tied.in_proj_bias[d:2 * d] = tied.in_proj_bias[:d]

        def symmetry_residual(module):
            L = module(x, x, x, need_weights=True)[1][0].log()
            A = L - L.T
            return (A - (A[0][None, :] - A[0][:, None])).abs().max() / A.abs().max().clamp_min(1e-300)

        p.less("nn.MultiheadAttention with W_K := W_Q, b_K := b_Q: its weights come from a symmetric S "
               "(log-weight test: max |(L − Lᵀ)_ij − (L − Lᵀ)_0j + (L − Lᵀ)_0i| / max |L − Lᵀ|)",
               symmetry_residual(tied), 1e-10, id="tied_symmetric_num")
        p.greater("…the same test on the untied module (it can fail)", symmetry_residual(mha), 0.01)
        eig = torch.linalg.eigvalsh((T + T.T) / 2)
        p.greater("tied: smallest eigenvalue / largest (positive semi-definite)", eig.min() / eig.max(), -1e-12)
        p.equal(f"tied: rank of the {n}×{n} score matrix (d_k = {d})", int(torch.linalg.matrix_rank(T)), d,
                id="tied_rank")
        p.equal(f"untied: rank of the {n}×{n} score matrix (d_k = {d}) — rank ≤ d_k holds for any QKᵀ",
                int(torch.linalg.matrix_rank(scores(tied=False))), d, id="untied_rank")
        off = ~torch.eye(n, dtype=torch.bool, device=p.device)
        cases = []
        for trial in range(6):                         # random tied projections of random tokens
            W = torch.randn(d + trial, 2 + trial, generator=g, dtype=f64).to(p.device)
            X = torch.randn(n, d + trial, generator=g, dtype=f64).to(p.device) * (1 + trial)
            G = (X @ W) @ (X @ W).T
            dg = torch.diagonal(G)
            cases.append((f"trial {trial}: d = {d + trial}, d_k = {2 + trial}",
                          ((G - torch.maximum(dg[:, None], dg[None, :])) / dg.max())[off].max().item()))
        p.sweep("tied: max over pairs A ≠ B of (S_AB − max(S_AA, S_BB))/max S_AA", cases, "<=", 1e-12,
                id="tied_cauchy_schwarz")
        untied_gap = (S - torch.maximum(torch.diagonal(S)[:, None], torch.diagonal(S)[None, :]))[off].max()
        p.greater("untied: some pair has S_AB above both self-scores", untied_gap, 0, id="untied_exceeds_self")
