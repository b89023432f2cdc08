"""Without positional information, self-attention is permutation-equivariant: it cannot see order.

Symbolic: for a permutation matrix P, the scores of the permuted input are (PX)W_Q((PX)W_K)ᵀ =
P S Pᵀ, and a row-wise softmax commutes with permuting rows and columns together:
softmax(PSPᵀ)·PV = P·softmax(S)V. The position-wise FFN, LayerNorm and the residual act on each
row separately, so a whole encoder layer satisfies f(PX) = P f(X).
Numeric (float64): nn.TransformerEncoderLayer (Post-LN and Pre-LN, dropout 0) over random
permutations and seeds: f(PX) = P f(X) to rounding, so a sentence and its reversal give the same
mean-pooled vector; adding sinusoidal positions breaks it, and so does a causal mask.
"""

TITLE = {
    "en": "Without positions, self-attention is permutation-equivariant: it cannot see word order",
    "zh": "没有位置信息时自注意力是置换等变的：看不到词序",
}
CLAIMS = [
    {
        "en": "An encoder layer without positional encodings satisfies f(PX) = P f(X) for every permutation P: "
              "'dog bites man' and 'man bites dog' get the same set of output vectors.",
        "zh": "没有位置编码的编码器层对任意置换 P 满足 f(PX) = P f(X)：“狗咬人”和“人咬狗”得到同一组输出向量。",
    },
    {
        "en": "Adding positional encodings, or a causal mask, breaks the equivariance.",
        "zh": "加入位置编码或因果掩码都会破坏这种等变性。",
    },
]


def derive(p):
    import sympy as sp

    S = sp.Matrix(3, 3, sp.symbols("s1:10", real=True))
    V = sp.Matrix(3, 2, sp.symbols("v1:7", real=True))
    P = sp.Matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]])

    def softmax_rows(M):
        E = M.applyfunc(sp.exp)
        return sp.Matrix(M.rows, M.cols, lambda i, j: E[i, j] / sum(E[i, k] for k in range(M.cols)))

    p.step("the permuted input's scores: (PX)W_Q(PXW_K)ᵀ = P S Pᵀ", P * S * P.T)
    p.identity("softmax(PSPᵀ)·(PV) = P·softmax(S)·V", softmax_rows(P * S * P.T) * (P * V),
               P * softmax_rows(S) * V, id="softmax_commutes")


def experiment(p):
    import math

    import torch

    f64 = torch.float64
    n, d = 7, 8
    g = torch.Generator().manual_seed(p.seed)
    pos = torch.arange(n, dtype=f64)[:, None] * torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=f64) / d)
    pe = torch.stack([pos.sin(), pos.cos()], -1).reshape(n, d).to(p.device)

    def layer(seed, norm_first):
        torch.manual_seed(seed)
        return torch.nn.TransformerEncoderLayer(d, 2, 4 * d, dropout=0.0, batch_first=True, norm_first=norm_first,
                                                dtype=f64).to(p.device).eval()

    def run(f, x, causal=False):
        """The layer; the myth has it see order, as if positions were built in (sinusoidal, added)."""
        x = x + pe if p.myth else x
        mask = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=f64, device=p.device) if causal else None
        return f(x, src_mask=mask, is_causal=causal)

    cases = []
    with torch.no_grad():
        for seed in range(3):
            for norm_first in (False, True):
                f = layer(p.seed + seed, norm_first)
                x = torch.randn(1, n, d, generator=g, dtype=f64).to(p.device)
                perm = torch.randperm(n, generator=g).to(p.device)
                gap = (run(f, x[:, perm]) - run(f, x)[:, perm]).abs().max().item()
                cases.append((f"seed {seed}, norm_first={norm_first}", gap))
        p.sweep("max |f(PX) − P f(X)| over seeds × Post-/Pre-LN × random P", cases, "<=", 1e-12,
                id="equivariant", refutes="self-attention by itself knows the order of the tokens")
        f = layer(p.seed, False)
        x = torch.randn(1, n, d, generator=g, dtype=f64).to(p.device)
        rev = torch.arange(n - 1, -1, -1, device=p.device)
        p.less("mean-pooled output: sentence vs its reversal, max |Δ|",
               (run(f, x).mean(1) - run(f, x[:, rev]).mean(1)).abs().max(), 1e-12, id="reversal_same_pool")
        with_pe = (f(x[:, rev] + pe) - f(x + pe)[:, rev]).abs().max()
        p.greater("with sinusoidal positions added: max |f(PX + E) − P f(X + E)|", with_pe, 1e-2, id="pe_breaks")
        causal = (run(f, x[:, rev], causal=True) - run(f, x, causal=True)[:, rev]).abs().max()
        p.greater("with a causal mask: max |f(PX) − P f(X)|", causal, 1e-2, id="causal_breaks")
