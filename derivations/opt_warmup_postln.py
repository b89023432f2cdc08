"""Post-LN vs Pre-LN transformers at initialisation: why Post-LN needs a warm-up (Xiong et al. 2020).

Symbolic: in a Pre-LN stack the residual stream is x_l = x_{l−1} + F_l(LN(x_{l−1})); with
independent branch outputs of variance v, Var x_L = Var x₀ + L·v (solved from the recursion), and
the final LayerNorm divides the stream by its standard deviation, so the gradient reaching the
last block is scaled by 1/√(Var x₀ + L·v): it falls like 1/√L with depth. In a Post-LN stack
x_l = LN(x_{l−1} + F_l(x_{l−1})) every block's output is renormalised to unit variance, so nothing
divides the gradient near the output as the stack grows: relative to Pre-LN, the parameters near
the output get large gradients — the reason Xiong et al. give for Post-LN needing a small
learning rate (warm-up) at the start, and Pre-LN not.
Numeric: independently initialised nn.TransformerEncoderLayer stacks (norm_first=True/False),
L = 1, 16, float64, a cross-entropy head: the Pre-LN stream variance against the derived
linear law (a lower bound: measured, branch outputs correlate with the stream and it grows faster), and the gradient norm of the last block's second FFN weight at L = 16 relative to
L = 1, for both placements (mean over seeds).
"""

TITLE = {
    "en": "Post-LN vs Pre-LN at initialisation: the near-output gradient falls with depth only in Pre-LN",
    "zh": "初始化时的 Post-LN 与 Pre-LN：只有 Pre-LN 中靠近输出的梯度随深度下降",
}
CLAIMS = [
    {
        "en": "Pre-LN: the residual stream's variance grows with depth — V₀ + L·v if every branch output were "
              "independent of the stream, at least that fast as measured — and the final LayerNorm divides the "
              "gradient by the stream's standard deviation, so the last block's gradient falls with depth.",
        "zh": "Pre-LN：残差流方差随深度增长——若每个分支输出都与残差流独立则为 V₀ + L·v，实测至少这么快——"
              "最后的 LayerNorm 把梯度除以残差流的标准差，所以最后一块的梯度随深度下降。",
    },
    {
        "en": "Post-LN renormalises after every block, so the last block's gradient does not fall with depth: at "
              "initialisation the near-output gradients are larger than in Pre-LN (Xiong et al.'s argument for warm-up).",
        "zh": "Post-LN 每块之后都重新归一化，所以最后一块的梯度不随深度下降：初始化时靠近输出的梯度比 Pre-LN 大"
              "（Xiong 等人关于预热的论证）。",
    },
]


def _stream():
    import sympy as sp

    L = sp.Symbol("L", integer=True, nonnegative=True)
    V0, v = sp.symbols("V_0 v", positive=True)
    V = sp.Function("V")
    var_L = sp.rsolve(V(L) - V(L - 1) - v, V(L), {V(0): V0})  # independent branch adds variance v
    return L, V0, v, var_L


def derive(p):
    import sympy as sp

    L, V0, v, var_L = _stream()
    p.step("Pre-LN stream: Var x_l = Var x_{l−1} + v (independent branch output), Var x₀ = V₀ ⇒", var_L)
    p.identity("Var x_L = V₀ + L·v: linear in depth", var_L, V0 + L * v)
    s = sp.Symbol("s", positive=True)
    us = sp.Matrix(sp.symbols("u1:4", real=True))

    def layer_norm(u):
        mean = sum(u) / len(u)
        return (u - sp.ones(len(u), 1) * mean) / sp.sqrt(sum((ui - mean) ** 2 for ui in u) / len(u))

    p.identity("a LayerNorm is scale-invariant: LN(s·u) = LN(u) (3 features, s > 0)",
               (layer_norm(s * us) - layer_norm(us)).applyfunc(sp.factor_terms), sp.zeros(3, 1),
               shown=sp.Eq(sp.Symbol("LN(s·u)"), sp.Symbol("LN(u)")))
    p.step("so by the chain rule J_LN(s·u)·s = J_LN(u): the gradient into a stream s times larger is divided by s")
    ratio = sp.sqrt(var_L.subs(L, 1) / var_L.subs(L, 16))
    p.step("Pre-LN, last-block gradient at L = 16 relative to L = 1: √((V₀ + v)/(V₀ + 16v))", ratio)
    p.identity("it tends to 0 like 1/√L as L grows", sp.limit(sp.sqrt(L) / sp.sqrt(var_L), L, sp.oo), 1 / sp.sqrt(v))
    z = sp.symbols("z1:5", real=True)
    mu = sum(z) / 4
    sigma2 = sum((zi - mu) ** 2 for zi in z) / 4
    normed_var = sum(((zi - mu) / sp.sqrt(sigma2)) ** 2 for zi in z) / 4
    p.identity("Post-LN: a LayerNorm output has variance 1 whatever its input (shown for 4 features), so the "
               "stream is back at unit scale after every block and nothing shrinks with L", normed_var, 1)


def experiment(p):
    import sympy as sp
    import torch

    L_s, V0_s, v_s, var_L = _stream()
    law = sp.lambdify((V0_s, v_s, L_s), var_L)
    d, seeds = 32, (4 if p.quick else 16)

    def stack(norm_first, depth, seed):
        torch.manual_seed(p.seed + seed)
        layers = [torch.nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.0, norm_first=norm_first,
                                                   batch_first=True, dtype=torch.float64).to(p.device)
                  for _ in range(depth)]  # independent initialisations (nn.TransformerEncoder would clone one)
        final = torch.nn.LayerNorm(d, dtype=torch.float64).to(p.device) if norm_first else torch.nn.Identity()
        head = torch.nn.Linear(d, 10, dtype=torch.float64).to(p.device)
        gen = torch.Generator().manual_seed(1000 + p.seed + seed)
        x = torch.randn(8, 16, d, generator=gen, dtype=torch.float64).to(p.device)
        y = torch.randint(0, 10, (8, 16), generator=gen).to(p.device)
        h = x
        for layer in layers:
            h = layer(h)
        stream_var = float(h.detach().var())
        torch.nn.functional.cross_entropy(head(final(h)).reshape(-1, 10), y.reshape(-1)).backward()
        return stream_var, float(layers[-1].linear2.weight.grad.norm())

    def mean(values):
        return sum(values) / len(values)

    pre = {L: [stack(True, L, s) for s in range(seeds)] for L in (1, 16)}
    post = {L: [stack(False, L, s) for s in range(seeds)] for L in (1, 16)}
    v0 = 1.0  # the input x₀ ~ N(0, 1)
    var16 = mean([a for a, _ in pre[16]])
    # v is read off one-block stacks and multiplied by 16 in the law, so its sampling noise is too: estimate it
    # from 8× as many (cheap) one-block draws as the 16-block mean uses.
    var1 = mean([a for a, _ in pre[1]] + [stack(True, 1, s)[0] for s in range(seeds, 8 * seeds)])
    # The derived law V₀ + L·v assumes each branch output is independent of the stream. Measured, the
    # branch outputs correlate with the stream and the variance grows faster: at least linearly (measured ÷ law
    # 1.05–1.32 over seeds 0–40 with v from 32 one-block draws; with v from 4 it fell below 1 at some seeds).
    p.greater("Pre-LN stream variance at L = 16 vs the independent-branch law V₀ + 16·v (v from L = 1): "
              "at least linear", var16, law(v0, var1 - v0, 16), id="preln_variance_linear")
    p.greater("Pre-LN: stream std at L = 16 / at L = 1 (what the final LayerNorm divides by)",
              (var16 / var1) ** 0.5, 1.2, id="preln_std_growth")
    pre_ratio = mean([b for _, b in pre[16]]) / mean([b for _, b in pre[1]])
    post_ratio = mean([b for _, b in post[16]]) / mean([b for _, b in post[1]])
    p.less("Pre-LN: ‖∇W_ffn2 of the last block‖ at L = 16 / at L = 1 (falls with depth)", pre_ratio, 0.9,
           id="preln_grad_ratio")
    p.greater("Post-LN: the same ratio (does not fall with depth)", post_ratio, 0.9, id="postln_grad_ratio")
    p.close("Post-LN stream variance at L = 16 (renormalised every block)", mean([a for a, _ in post[16]]), 1.0,
            rtol=0.01, id="postln_variance")
    p.greater("at L = 16: last-block gradient, Post-LN / Pre-LN", mean([b for _, b in post[16]])
              / mean([b for _, b in pre[16]]), 1.2, id="post_over_pre_l16")
