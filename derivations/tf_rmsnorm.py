"""RMSNorm against LayerNorm: no mean subtraction, no bias; equal only for zero-mean inputs.

Symbolic: LN(x) = (x − μ)/σ·g + b, RMSNorm(x) = x/rms(x)·g with rms(x)² = mean(x²) = σ² + μ²
(eps = 0). For μ = 0 the two coincide (without LN's bias). LN is invariant to adding c·1 to x,
RMSNorm is not; both are invariant to scaling x by c > 0.
Numeric: torch.nn.RMSNorm exists in the installed torch and equals x/√(mean(x²) + eps)·g with
eps = torch.finfo(dtype).eps when eps=None (told apart from 1e-5 with a tiny input); on centred
inputs it equals nn.LayerNorm (bias 0); on uncentred inputs it does not; parameter counts d vs 2d.
"""

TITLE = {
    "en": "RMSNorm vs LayerNorm: no centring, no bias; the same only for zero-mean inputs",
    "zh": "RMSNorm 与 LayerNorm：不减均值、无偏置；只有零均值输入时才相同",
}
CLAIMS = [
    {
        "en": "RMSNorm(x) = g ⊙ x/√(mean(x²) + ε): it skips LayerNorm's mean subtraction and bias; rms² = σ² + μ², so the "
              "two agree only when the mean is 0.",
        "zh": "RMSNorm(x) = g ⊙ x/√(mean(x²) + ε)：省去 LayerNorm 的减均值和偏置；rms² = σ² + μ²，所以只有均值为 0 时两者一致。",
    },
    {
        "en": "torch.nn.RMSNorm exists (eps=None means torch.finfo(dtype).eps); it has d parameters, LayerNorm 2d.",
        "zh": "torch.nn.RMSNorm 存在（eps=None 表示 torch.finfo(dtype).eps）；它有 d 个参数，LayerNorm 有 2d 个。",
    },
]


def derive(p):
    import sympy as sp

    xs = sp.symbols("x1:5", real=True)
    c = sp.Symbol("c", positive=True)
    n = len(xs)
    mu = sum(xs) / n
    var = sum((x - mu) ** 2 for x in xs) / n
    ms = sum(x ** 2 for x in xs) / n
    p.identity("mean(x²) = σ² + μ²", ms, var + mu ** 2, id="rms_var_mean")
    centred = {xs[-1]: -sum(xs[:-1])}
    p.identity("μ = 0 ⇒ RMSNorm(x)₁ = LN(x)₁", (xs[0] / sp.sqrt(ms)).subs(centred),
               ((xs[0] - mu) / sp.sqrt(var)).subs(centred), id="equal_when_centred")
    shifted = [x + c for x in xs]
    mu_s = sum(shifted) / n
    p.identity("LN(x + c·1) = LN(x)", (shifted[0] - mu_s) / sp.sqrt(sum((x - mu_s) ** 2 for x in shifted) / n),
               (xs[0] - mu) / sp.sqrt(var))
    p.identity("RMSNorm(c·x) = RMSNorm(x), c > 0", (c * xs[0]) / sp.sqrt(sum((c * x) ** 2 for x in xs) / n),
               xs[0] / sp.sqrt(ms))


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    d = 16
    p.holds("torch.nn.RMSNorm exists in the installed torch", hasattr(torch.nn, "RMSNorm"),
            "present" if hasattr(torch.nn, "RMSNorm") else "absent", "present", id="rmsnorm_exists")
    rms = torch.nn.RMSNorm(d).to(p.device)
    with torch.no_grad():
        rms.weight.copy_(1 + 0.1 * torch.randn(d, generator=g))
    tiny = 1e-4 * torch.randn(4, d, generator=g).to(p.device)

    def hand(x, eps):
        return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * rms.weight

    with torch.no_grad():
        eps32 = torch.finfo(torch.float32).eps
        p.allclose("nn.RMSNorm(d) on a tiny input = hand formula with eps = finfo(float32).eps", rms(tiny),
                   hand(tiny, eps32), rtol=1e-5, atol=1e-7, id="default_eps")
        p.greater("… and ≠ the hand formula with eps = 1e-5: max |Δ|", (rms(tiny) - hand(tiny, 1e-5)).abs().max(), 0.1)
        ln = torch.nn.LayerNorm(d, eps=eps32).to(p.device)
        ln.weight.copy_(rms.weight)
        ln.bias.zero_()
        x = torch.randn(64, d, generator=g).to(p.device)
        centred = x - x.mean(-1, keepdim=True)
        p.allclose("centred input: nn.RMSNorm = nn.LayerNorm (bias 0)", rms(centred), ln(centred), rtol=1e-4,
                   atol=1e-5, id="equal_on_centred")

        def rmsnorm(v):
            """The real module; the myth takes RMSNorm to be LayerNorm without its bias."""
            return ln(v) if p.myth else rms(v)

        shifted = x + 2.0
        p.greater("input with mean 2: max |RMSNorm(x) − LayerNorm(x)|", (rmsnorm(shifted) - ln(shifted)).abs().max(),
                  0.1, id="differs_uncentred", refutes="RMSNorm is LayerNorm without the bias")
        p.less("LayerNorm(x + 2) − LayerNorm(x): max |Δ|", (ln(shifted) - ln(x)).abs().max(), 1e-5)
        p.greater("RMSNorm(x + 2) − RMSNorm(x): max |Δ|", (rms(shifted) - rms(x)).abs().max(), 0.1)
    p.equal(f"parameters: nn.RMSNorm({d}), nn.LayerNorm({d})",
            (sum(q.numel() for q in rms.parameters()), sum(q.numel() for q in ln.parameters())), (d, 2 * d),
            id="param_counts")
