"""FlashAttention's tiled online softmax: running max and rescaled sums give exactly softmax attention.

Symbolic: for a row split into blocks with maxima m₁, m₂, sums ℓᵢ = Σ e^(s − mᵢ) and partial outputs
oᵢ = Σ e^(s − mᵢ)v/ℓᵢ, the merge m = max(m₁, m₂), ℓ = e^(m₁−m)ℓ₁ + e^(m₂−m)ℓ₂,
o = (e^(m₁−m)ℓ₁o₁ + e^(m₂−m)ℓ₂o₂)/ℓ equals Σ e^s v / Σ e^s — the full softmax, no approximation.
Numeric (float64): the tiled algorithm (blocks of B_r queries × B_c keys, one pass over the keys,
state m, ℓ, O per query) against F.scaled_dot_product_attention over sequence lengths, tile sizes
(including lengths the tiles do not divide) and a causal case; the largest temporary it holds is one
B_r × B_c tile and its softmax state is 2 numbers per query — O(N) beyond the output, not O(N²).
"""

TITLE = {
    "en": "FlashAttention: tiled online softmax equals full softmax attention exactly, with O(N) extra memory",
    "zh": "FlashAttention：分块在线 softmax 与完整 softmax 注意力完全相等，额外内存 O(N)",
}
CLAIMS = [
    {
        "en": "Processing the keys in tiles with a running max m and a rescaled running sum ℓ gives exactly "
              "softmax(QKᵀ/√d)V: FlashAttention is exact, not an approximation.",
        "zh": "用运行最大值 m 和重新缩放的运行和 ℓ 分块处理 key，得到的正是 softmax(QKᵀ/√d)V：FlashAttention 是精确的，不是近似。",
    },
    {
        "en": "Its working memory is one B_r × B_c tile plus two numbers per query, so the extra memory is O(N) instead of "
              "the O(N²) score matrix.",
        "zh": "它的工作内存是一个 B_r × B_c 的块加上每个 query 两个数，所以额外内存是 O(N)，而不是 O(N²) 的分数矩阵。",
    },
]


def derive(p):
    import sympy as sp

    s = sp.symbols("s1:5", real=True)
    v = sp.symbols("v1:5", real=True)
    m1, m2 = sp.Max(s[0], s[1]), sp.Max(s[2], s[3])
    l1 = sp.exp(s[0] - m1) + sp.exp(s[1] - m1)
    l2 = sp.exp(s[2] - m2) + sp.exp(s[3] - m2)
    o1 = (sp.exp(s[0] - m1) * v[0] + sp.exp(s[1] - m1) * v[1]) / l1
    o2 = (sp.exp(s[2] - m2) * v[2] + sp.exp(s[3] - m2) * v[3]) / l2
    m = sp.Symbol("m", real=True)   # the merged max; the identity holds for any m, max is only for range
    ell = sp.exp(m1 - m) * l1 + sp.exp(m2 - m) * l2
    o = (sp.exp(m1 - m) * l1 * o1 + sp.exp(m2 - m) * l2 * o2) / ell
    full = sum(sp.exp(si) * vi for si, vi in zip(s, v)) / sum(sp.exp(si) for si in s)
    p.step("merged output o = (e^(m₁−m)ℓ₁o₁ + e^(m₂−m)ℓ₂o₂)/ℓ", o)
    p.identity("merged output = Σ e^(sᵢ)vᵢ / Σ e^(sᵢ) (the full softmax), for any reference m",
               sp.simplify(sp.powsimp(sp.expand(o), combine="exp")), full, id="merge_exact")
    p.identity("ℓ·e^m = Σ e^(sᵢ): the running sum is the softmax denominator, rescaled", sp.simplify(ell * sp.exp(m)),
               sum(sp.exp(si) for si in s))


def flash_attention(q, k, v, br, bc, causal=False, rescale=True):
    """Tiled attention with an online softmax. q, k, v: (N, d). ``rescale=False`` is the myth: each tile's
    softmax taken on its own and the tiles averaged, as an approximation would."""
    import torch

    n, d = q.shape
    out = torch.zeros_like(q)
    for i0 in range(0, n, br):
        qi = q[i0:i0 + br] / d ** 0.5
        m = torch.full((qi.shape[0], 1), float("-inf"), dtype=q.dtype, device=q.device)
        ell = torch.zeros(qi.shape[0], 1, dtype=q.dtype, device=q.device)
        acc = torch.zeros_like(qi)
        tiles = 0
        for j0 in range(0, n, bc):
            s = qi @ k[j0:j0 + bc].T                                   # one B_r × B_c tile
            if causal:
                rows = torch.arange(i0, i0 + qi.shape[0], device=q.device)[:, None]
                cols = torch.arange(j0, j0 + s.shape[1], device=q.device)[None, :]
                s = s.masked_fill(cols > rows, float("-inf"))
            if not rescale:
                if torch.isinf(s).all():
                    continue
                acc += torch.softmax(s, -1).nan_to_num() @ v[j0:j0 + bc]
                tiles += 1
                continue
            m_new = torch.maximum(m, s.max(-1, keepdim=True).values)
            scale = torch.exp(m - m_new)                                 # rescale the old state
            pexp = torch.exp(s - m_new)
            ell = scale * ell + pexp.sum(-1, keepdim=True)
            acc = scale * acc + pexp @ v[j0:j0 + bc]
            m = m_new
        out[i0:i0 + br] = acc / ell if rescale else acc / max(tiles, 1)
    return out


def _largest_intermediate(fn, args, skip_shape):
    """numel of the largest tensor any aten op returns while fn(*args) runs, tensors of skip_shape (N × d) aside:
    observed from outside the code under test, so an N × N score matrix anywhere would show up."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    class Largest(TorchDispatchMode):
        largest = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and tuple(t.shape) != skip_shape:
                    self.largest = max(self.largest, t.numel())
            return out

    with Largest() as seen:
        fn(*args)
    return seen.largest


def experiment(p):
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    g = torch.Generator().manual_seed(p.seed)
    cases, causal_cases = [], []
    for n, br, bc in ((64, 16, 16), (100, 32, 24), (37, 8, 5), (128, 128, 32)):
        q, k, v = (torch.randn(n, 8, generator=g, dtype=f64).to(p.device) for _ in range(3))
        ref = F.scaled_dot_product_attention(q[None], k[None], v[None])[0]
        cases.append((f"N={n}, B_r={br}, B_c={bc}",
                       (flash_attention(q, k, v, br, bc, rescale=not p.myth) - ref).abs().max().item()))
        ref_c = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]
        causal_cases.append((f"N={n}, B_r={br}, B_c={bc}, causal",
                             (flash_attention(q, k, v, br, bc, causal=True) - ref_c).abs().max().item()))
    p.sweep("max |tiled online softmax − F.scaled_dot_product_attention| over N × tile sizes", cases, "<", 1e-12,
            id="flash_equals_sdpa", refutes="FlashAttention approximates softmax attention")
    p.sweep("the same with a causal mask", causal_cases, "<", 1e-12, id="flash_causal")
    sizes = []
    for n in (64, 256, 1024):
        q, k, v = (torch.randn(n, 8, generator=g, dtype=f64).to(p.device) for _ in range(3))
        sizes.append((n, _largest_intermediate(flash_attention, (q, k, v, 32, 32), (n, 8))))
    p.sweep("largest tensor any op produced (seen by a TorchDispatchMode; the N × d inputs/output aside), "
            "B_r = B_c = 32, for N = 64, 256, 1024", [(f"N={n}", t) for n, t in sizes],
            "<=", 32 * 32, id="tile_bounded")
    p.greater("the full score matrix at N = 1024 / the largest tile", 1024 * 1024 / sizes[-1][1], 1000,
              id="n2_over_tile")
