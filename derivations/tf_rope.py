"""RoPE: rotating q and k by their positions makes q_mᵀk_n a function of m − n; added encodings do not.

Symbolic: with R(θ) the 2×2 rotation, (R(mθ)q)ᵀ(R(nθ)k) = qᵀR((n − m)θ)k, since R(a)ᵀR(b) = R(b − a);
the rotation preserves norms. For additive absolute encodings, (x_m + p_m)ᵀA(x_n + p_n) expands
into four terms, and the cross terms x_mᵀA p_n, p_mᵀA x_n depend on the absolute positions.
Numeric (float64): RoPE written with cos/sin on pairs equals the complex-number form
(torch.polar / view_as_complex); the score over many (m, n) with the same offset is constant to
rounding; with sinusoidal encodings added to the inputs it is not. Extrapolation: with d = 128 and
base 10000, the slowest frequency pairs never complete a turn within 2048 positions, so a longer
context shows them angles never seen in training; position interpolation (m·L/L′) keeps them in range.
"""

TITLE = {
    "en": "RoPE: q_mᵀk_n depends on m − n only (checked numerically); additive encodings do not",
    "zh": "RoPE：q_mᵀk_n 只依赖 m − n（数值验证）；加性位置编码不是",
}
CLAIMS = [
    {
        "en": "With RoPE, (R_m q)ᵀ(R_n k) = qᵀR_{n−m}k: the attention score depends on the positions only through m − n.",
        "zh": "使用 RoPE 时 (R_m q)ᵀ(R_n k) = qᵀR_{n−m}k：注意力分数只通过 m − n 依赖位置。",
    },
    {
        "en": "Sinusoidal encodings added to the input do not give relative-only scores: the cross terms between "
              "content and position depend on absolute positions.",
        "zh": "加到输入上的正弦编码不会使分数只依赖相对位置：内容与位置的交叉项依赖绝对位置。",
    },
]


def derive(p):
    import sympy as sp

    m, n, th = sp.symbols("m n theta", real=True)
    q = sp.Matrix(sp.symbols("q1 q2", real=True))
    k = sp.Matrix(sp.symbols("k1 k2", real=True))

    def R(a):
        return sp.Matrix([[sp.cos(a), -sp.sin(a)], [sp.sin(a), sp.cos(a)]])

    score = ((R(m * th) * q).T * (R(n * th) * k))[0]
    p.step("(R(mθ)q)ᵀ(R(nθ)k), expanded", sp.expand(score))
    rhs = (q.T * R((n - m) * th) * k)[0]
    p.identity("(R(mθ)q)ᵀ(R(nθ)k) = qᵀR((n − m)θ)k", sp.expand(sp.expand_trig(score)), sp.expand(sp.expand_trig(rhs)),
               sp.Eq(sp.Symbol("(R(mθ)q)ᵀ(R(nθ)k)"), rhs), id="rope_relative")
    norm2 = ((R(m * th) * q).T * (R(m * th) * q))[0]
    p.identity("‖R(mθ)q‖² = ‖q‖²", sp.expand(norm2).subs(sp.sin(m * th) ** 2, 1 - sp.cos(m * th) ** 2).expand(),
               (q.T * q)[0])
    d, base, L, i = sp.symbols("d base L i", positive=True)
    edge = _edge(symbolic=True)
    p.identity("pair i* = (d/2)·ln((L−1)/2π)/ln(base) turns exactly once in L − 1 steps: θ_{i*}·(L − 1) = 2π",
               sp.simplify(sp.powsimp(sp.expand_log((base ** (-2 * edge / d) * (L - 1)), force=True))), 2 * sp.pi,
               id="edge_pair")
    x, y, a, b = sp.symbols("x y a b", real=True)   # content and position, one dimension, A = 1
    p.step("additive: (x + a)(y + b) has the cross terms x·b + a·y", sp.expand((x + a) * (y + b)))


def _rope_pairs(x, pos, base=10000.0):
    """Rotate consecutive pairs (x₀, x₁), (x₂, x₃), … of x by pos·θᵢ, θᵢ = base^(−2i/d)."""
    import torch

    d = x.shape[-1]
    theta = base ** (-torch.arange(0, d, 2, dtype=x.dtype, device=x.device) / d)
    ang = pos[:, None].to(x.dtype) * theta
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.stack([x1 * ang.cos() - x2 * ang.sin(), x1 * ang.sin() + x2 * ang.cos()], -1)
    return out.flatten(-2)


def _rope_complex(x, pos, base=10000.0):
    """The complex form (as in the LLaMA reference code): x as d/2 complex numbers times e^{i·pos·θ}."""
    import torch

    d = x.shape[-1]
    theta = base ** (-torch.arange(0, d, 2, dtype=x.dtype, device=x.device) / d)
    rot = torch.polar(torch.ones_like(theta), pos[:, None].to(x.dtype) * theta)
    return torch.view_as_real(torch.view_as_complex(x.reshape(*x.shape[:-1], d // 2, 2).contiguous()) * rot).flatten(-2)


def experiment(p):
    import math

    import torch

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    d, L = 16, 64
    q, k = (torch.randn(d, generator=g, dtype=f64).to(p.device) for _ in range(2))
    pos = torch.arange(L, device=p.device)
    Q, K = q.expand(L, d), k.expand(L, d)           # the same content at every position
    p.allclose("RoPE by pairs (cos/sin) = RoPE as complex multiplication", _rope_pairs(Q, pos), _rope_complex(Q, pos),
               rtol=0, atol=1e-13, id="two_forms_agree")
    S = _rope_pairs(Q, pos) @ _rope_pairs(K, pos).T
    spread = [(f"n−m={off}", (torch.diagonal(S, off).max() - torch.diagonal(S, off).min()).item())
              for off in range(-30, 31, 3)]
    p.sweep("RoPE score q_mᵀk_n along each offset: max − min over m", spread, "<=", 1e-12, id="rope_shift_invariant")
    p.less("RoPE keeps norms: max |‖R_m q‖ − ‖q‖|", (_rope_pairs(Q, pos).norm(dim=-1) - q.norm()).abs().max(), 1e-12)

    omega = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=f64) / d).to(p.device)
    ang = pos[:, None].to(f64) * omega
    pe = torch.stack([ang.sin(), ang.cos()], -1).reshape(L, d)
    A = torch.randn(d, d, generator=g, dtype=f64).to(p.device)  # W_Q W_Kᵀ

    def additive_scores():
        """Content plus position, then the bilinear form; the myth keeps only the position–position term
        p_m·p_n (as if added encodings acted like relative ones)."""
        if p.myth:
            return pe @ pe.T
        return (Q + pe) @ A @ (K + pe).T

    S_add = additive_scores()
    worst = max((torch.diagonal(S_add, off).max() - torch.diagonal(S_add, off).min()).item() for off in range(-30, 31, 3))
    p.greater("sinusoidal added to x: largest spread of the score along a fixed offset", worst, 1e-3,
              id="additive_not_relative", refutes="added sinusoidal encodings make scores depend on m − n only")

    d_big, base, L_train = 128, 10000.0, 2048
    theta = base ** (-torch.arange(0, d_big, 2, dtype=f64) / d_big)
    unseen = int((theta * (L_train - 1) < 2 * math.pi).sum())
    p.equal("d = 128, base 10000: frequency pairs that never complete a turn within 2048 positions "
            "(torch count vs the derived edge i* = (d/2)·ln((L−1)/2π)/ln(base))", unseen,
            d_big // 2 - 1 - math.floor(_edge()(d_big, base, L_train)),
            id="rope_incomplete_pairs")
    longer = 4 * L_train

    def slowest_angle(positions):
        """The angle _rope_pairs actually applies to the slowest pair, read back with atan2 from a unit vector."""
        unit = torch.zeros(len(positions), d_big, dtype=f64)
        unit[:, -2] = 1.0
        rotated = _rope_pairs(unit, positions)
        return torch.atan2(rotated[:, -1], rotated[:, -2]).max().item()

    trained = slowest_angle(torch.arange(L_train, dtype=f64))
    scale = 1.0 if p.myth else L_train / longer            # the myth: a longer context needs no interpolation
    p.less(f"position interpolation (m·L/L′) of {longer} positions: largest angle of the slowest pair / the largest "
           f"one in training (positions 0 … {L_train - 1})", slowest_angle(torch.arange(longer, dtype=f64) * scale)
           / trained, 1.001, id="pi_in_range", refutes="RoPE extends to a longer context without seeing new angles")


def _edge(symbolic=False):
    """The pair index i* where θᵢ·(L − 1) = 2π, θᵢ = base^(−2i/d): pairs i > i* never complete a turn."""
    import sympy as sp

    d, base, L = sp.symbols("d base L", positive=True)
    edge = d / 2 * sp.log((L - 1) / (2 * sp.pi)) / sp.log(base)
    return edge if symbolic else sp.lambdify((d, base, L), edge, "math")
