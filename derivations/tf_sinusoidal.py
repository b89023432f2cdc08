"""Sinusoidal positional encodings: PE(pos + k) is a fixed linear map of PE(pos); learned positions stop at max_len.

Symbolic: with PE(pos, 2i) = sin(pos·ωᵢ), PE(pos, 2i+1) = cos(pos·ωᵢ), ωᵢ = 10000^(−2i/d), the angle-
addition formulas give (sin, cos)((pos+k)ω) = R(kω)·(sin, cos)(pos·ω) with R a 2×2 rotation that
depends on k only: PE(pos + k) = M_k·PE(pos), M_k block-diagonal. The dot product
PE(m)·PE(n) = Σᵢ cos((m − n)ωᵢ) depends on m − n only, and is even in it: it cannot tell
'k before' from 'k after'.
Numeric (float64): the derived M_k maps PE(pos) to PE(pos + k) at every position of a table of 96
and is orthogonal; PE(m)·PE(n) over many (m, n) with the same offset is constant;
nn.Embedding(max_len, d) (learned positions) has no row for position max_len.
"""

TITLE = {
    "en": "Sinusoidal encodings: a fixed linear map between offsets; learned positions stop at max_len",
    "zh": "正弦位置编码：偏移之间是固定的线性映射；可学习位置编码止于 max_len",
}
CLAIMS = [
    {
        "en": "For every offset k there is one matrix M_k (block-diagonal rotations by k·ωᵢ) with PE(pos + k) = "
              "M_k·PE(pos) for all pos.",
        "zh": "对每个偏移 k 都有一个矩阵 M_k（按 k·ωᵢ 旋转的分块对角阵），使所有 pos 满足 PE(pos + k) = M_k·PE(pos)。",
    },
    {
        "en": "PE(m)·PE(n) = Σᵢ cos((m − n)ωᵢ): a function of the offset only, and the same for −k as for k.",
        "zh": "PE(m)·PE(n) = Σᵢ cos((m − n)ωᵢ)：只依赖偏移，且 −k 与 k 相同。",
    },
    {
        "en": "A learned position table (nn.Embedding(max_len, d)) has nothing for positions ≥ max_len.",
        "zh": "可学习的位置表（nn.Embedding(max_len, d)）对 ≥ max_len 的位置没有任何向量。",
    },
]


def _rotation():
    import sympy as sp

    k, w = sp.symbols("k omega", real=True)
    return (k, w), sp.Matrix([[sp.cos(k * w), sp.sin(k * w)], [-sp.sin(k * w), sp.cos(k * w)]])


def derive(p):
    import sympy as sp

    (k, w), M = _rotation()
    pos, m, n = sp.symbols("pos m n", real=True)
    pair = sp.Matrix([sp.sin(pos * w), sp.cos(pos * w)])
    shifted = sp.Matrix([sp.sin((pos + k) * w), sp.cos((pos + k) * w)])
    p.step("M_k for one frequency ω (no pos in it)", M)
    p.identity("(sin, cos)((pos + k)ω) = M_k·(sin, cos)(pos·ω)", sp.expand(sp.expand_trig(shifted)),
               sp.expand(M * pair), sp.Eq(shifted, sp.MatMul(M, pair)), id="linear_map")
    dot = sp.sin(m * w) * sp.sin(n * w) + sp.cos(m * w) * sp.cos(n * w)
    p.identity("sin(mω)sin(nω) + cos(mω)cos(nω) = cos((m − n)ω)", dot, sp.expand(sp.expand_trig(sp.cos((m - n) * w))),
               sp.Eq(dot, sp.cos((m - n) * w)), id="dot_offset")


def experiment(p):
    import math

    import sympy as sp
    import torch

    f64 = torch.float64
    (k_s, w_s), M = _rotation()
    rot = sp.lambdify((k_s, w_s), M)
    d, length, k = 16, 96, 5
    omega = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=f64) / d)
    ang = torch.arange(length, dtype=f64)[:, None] * omega
    pe = torch.stack([ang.sin(), ang.cos()], -1).reshape(length, d).to(p.device)
    derived = torch.block_diag(*[torch.tensor(rot(k, float(wi)), dtype=f64) for wi in omega]).to(p.device)
    p.allclose(f"the derived M_k (k = {k}) times PE(pos) vs PE(pos + k), every pos = 0 … {length - k - 1}",
               pe[:length - k] @ derived.T, pe[k:], rtol=0, atol=1e-12, id="map_extends")
    p.less("M_k is orthogonal: max |M_kᵀM_k − I|", (derived.T @ derived - torch.eye(d, dtype=f64,
           device=p.device)).abs().max(), 1e-14)
    gram = pe @ pe.T
    spread = [(f"k={off}", (torch.diagonal(gram, off).max() - torch.diagonal(gram, off).min()).item())
              for off in range(-20, 21)]
    p.sweep("PE(m)·PE(n) along each offset k = m − n: max − min", spread, "<=", 1e-12, id="dot_depends_on_offset")
    p.less("PE(m)·PE(m + 3) − PE(m)·PE(m − 3): the sign of the offset is invisible",
           (torch.diagonal(gram, 3) - torch.diagonal(gram, -3)).abs().max(), 1e-12, id="dot_even")
    table = torch.nn.Embedding(64, d)
    try:
        table(torch.tensor([64]))
        missing = False
    except IndexError:
        missing = True
    p.holds("nn.Embedding(64, d): looking up position 64 raises IndexError", missing, "IndexError", "IndexError",
            id="learned_no_row")
