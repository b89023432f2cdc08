"""Encoder–decoder attention in an RNN seq2seq: the fixed-vector bottleneck it removes.

Symbolic: a linear encoder that squeezes a sequence of n tokens of width e (ne numbers with
identity covariance) into one vector c ∈ ℝ^d, and the best linear decoder, keep a rank-d
projection: the reconstructed share of the variance is tr(P)/(ne) = d/(ne), so at least
1 − d/(ne) of it is lost whatever the training. With attention the decoder reads a softmax-
weighted mix of ALL encoder states, c_i = Σ_j α_ij h_j, recomputed at every output step.
Additive scores e_ij = vᵀtanh(W s_i + U h_j) have d_a(d_s + d_h + 1) parameters (no biases, as
Bahdanau et al. write it); dot-product scores sᵀh have none. Numeric: torch.linalg.svd on 20000
sampled sequences loses the derived share; F.scaled_dot_product_attention with position queries
copies every token back exactly; the parameter count of real nn.Linear score layers equals the
formula; additive attention weights from those layers sum to 1 per output step. Counterfactual
(p.myth): the decoder reads a d-wide context for the whole sequence even 'with attention'.
"""

TITLE = {
    "en": "Seq2seq attention removes the fixed-vector bottleneck; additive vs dot-product scores",
    "zh": "Seq2seq 注意力消除定长向量瓶颈；加性与点积打分",
}
CLAIMS = [
    {
        "en": "Through one d-vector, a linear encoder–decoder loses at least 1 − d/(ne) of the variance of n isotropic e-dimensional tokens; attention over the encoder states loses none.",
        "zh": "经过一个 d 维向量，线性编码器–解码器至少丢失 n 个各向同性 e 维 token 方差的 1 − d/(ne)；对编码器各状态做注意力则一点不丢。",
    },
    {
        "en": "Additive (Bahdanau) scores vᵀtanh(W s + U h) cost d_a(d_s + d_h + 1) parameters; dot-product scores sᵀh need d_s = d_h and no parameters.",
        "zh": "加性（Bahdanau）打分 vᵀtanh(W s + U h) 需要 d_a(d_s + d_h + 1) 个参数；点积打分 sᵀh 要求 d_s = d_h，且没有参数。",
    },
]


def _lost_share():
    import sympy as sp

    d, n, e = sp.symbols("d n e", positive=True, integer=True)
    return d, n, e, 1 - d / (n * e)


def derive(p):
    import sympy as sp

    # A rank-d orthogonal projection in ℝ^{ne} keeps tr(P Σ) of tr(Σ); with Σ = I that is tr(P).
    # A 2-D subspace of ℝ⁴ in general position: e₁, e₂ turned by three Givens rotations with free angles.
    t1, t2, t3 = sp.symbols("theta1:4", real=True)

    def givens(i, j, t):
        G = sp.eye(4)
        G[i, i], G[i, j], G[j, i], G[j, j] = sp.cos(t), -sp.sin(t), sp.sin(t), sp.cos(t)
        return G

    Q = (givens(0, 2, t1) * givens(1, 3, t2) * givens(0, 1, t3))[:, :2]
    gram = (Q.T * Q).applyfunc(sp.trigsimp)
    p.identity("its basis is orthonormal for any angles, QᵀQ = I₂, so P = QQᵀ is a projection (P² = Q(QᵀQ)Qᵀ = P)",
               gram, sp.eye(2))
    kept = sp.trigsimp((Q * Q.T).trace())
    p.identity("kept share of isotropic variance tr(P)/(n·e) = 2/4 for every such subspace", kept / 4, sp.Rational(2, 4))
    d, n, e, lost = _lost_share()
    p.step("in general, for Σ = I in ℝ^{ne}: kept share = tr(P)/(ne) = d/(ne); lost at least", lost)
    p.identity("the general 1 − d/(ne) at d = 2, n·e = 2·2 equals 1 − tr(P)/4 derived above",
               lost.subs({d: 2, n: 2, e: 2}), 1 - kept / 4)
    da, ds, dh = sp.symbols("d_a d_s d_h", positive=True, integer=True)
    count = da * ds + da * dh + da                           # W (d_a × d_s), U (d_a × d_h), v (d_a)
    p.identity("additive score parameters: d_a·d_s + d_a·d_h + d_a = d_a(d_s + d_h + 1)", count,
               da * (ds + dh + 1), id="additive_param_formula")


def experiment(p):
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    n, e, dim = 6, 4, 8                                       # 24 numbers through an 8-vector
    X = torch.randn(20000, n * e, generator=g, dtype=f64).to(p.device)
    fit, held = X[:10000], X[10000:]
    _, _, Vt = torch.linalg.svd(fit, full_matrices=False)   # best rank-d linear encoder/decoder (Eckart–Young)
    code = held @ Vt[:dim].T                                  # c = E·x, an 8-vector per sequence
    kept = ((code @ Vt[:dim]) ** 2).sum() / (held ** 2).sum()
    d, nn_, ee, lost = _lost_share()
    exact_lost = float(lost.subs({d: dim, nn_: n, ee: e}))
    p.close("held-out share of variance lost through an 8-vector (n = 6 tokens × e = 4) vs 1 − d/(ne)", 1 - kept,
            exact_lost, rtol=0.05, id="bottleneck_loss")

    tokens = X[:64].reshape(64, n, e)                         # encoder states h_j = the tokens
    positions = torch.eye(n, dtype=f64, device=p.device)
    keys = positions.expand(64, n, n)
    queries = 50.0 * positions.expand(64, n, n)               # output step i asks for position i
    copied = F.scaled_dot_product_attention(queries, keys, tokens, scale=1.0)
    if p.myth:                                                # one context for every step: the bottleneck again
        copied = copied.mean(dim=1, keepdim=True).expand_as(copied)
    p.less("attention decoder: max |copied token − original| over 64 sequences", (copied - tokens).abs().max(), 1e-12,
           id="attention_copies", refutes="attention cannot recover more than the final encoder state holds")

    cases = []
    for d_s, d_h, d_a in ((16, 32, 10), (256, 512, 128), (7, 7, 3)):
        W = torch.nn.Linear(d_s, d_a, bias=False)
        U = torch.nn.Linear(d_h, d_a, bias=False)
        v = torch.nn.Linear(d_a, 1, bias=False)
        count = sum(q.numel() for m in (W, U, v) for q in m.parameters())
        cases.append((f"d_s = {d_s}, d_h = {d_h}, d_a = {d_a}", abs(count - d_a * (d_s + d_h + 1))))
    p.sweep("|parameters of nn.Linear W, U, v − d_a(d_s + d_h + 1)| over 3 sizes", cases, "<=", 0,
            id="additive_param_count")

    W, U, v = (torch.nn.Linear(a, b, bias=False, dtype=f64).to(p.device) for a, b in ((5, 7), (3, 7), (7, 1)))
    s = torch.randn(4, 5, generator=g, dtype=f64).to(p.device)       # 4 decoder states
    h = torch.randn(9, 3, generator=g, dtype=f64).to(p.device)       # 9 encoder states
    scores = v(torch.tanh(W(s)[:, None, :] + U(h)[None, :, :])).squeeze(-1)
    try:
        s @ h.T                                                        # a dot-product score sᵀh
        dot_ok = True
    except RuntimeError:
        dot_ok = False
    p.holds("d_s = 5, d_h = 3: additive scores have shape 4 × 9; the dot-product score sᵀh raises a shape error",
            tuple(scores.shape) == (4, 9) and not dot_ok, f"{tuple(scores.shape)}, dot {'ran' if dot_ok else 'raised'}",
            "(4, 9), dot raised", id="additive_handles_unequal_sizes")
