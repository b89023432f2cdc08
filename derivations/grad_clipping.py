"""Gradient clipping: by norm (rescale, direction kept) vs by value (clamp, direction changed).

Symbolic: norm clipping maps g to g·min(1, c/‖g‖); when ‖g‖ > c the result has norm c
and cosine 1 with g. Value clipping clamps each coordinate to [−c, c]: for g = (3, ½)
and c = 1 it returns (1, ½), whose cosine with g is 13/√185 ≈ 0.956 (about 17°).
Neither can make a small gradient larger: min(1, ·) ≤ 1 and a clamp leaves |gᵢ| ≤ c alone.
Numeric: on a small MLP's gradients, torch.nn.utils.clip_grad_norm_ returns the
pre-clipping total norm over *all* parameters, rescales every tensor by the same
factor c/(‖g‖ + 1e-6), keeps the direction (cosine 1) and leaves a gradient with
‖g‖ + 1e-6 ≤ c bit-for-bit unchanged (one within 1e-6 under c is still scaled, by a hair);
torch.nn.utils.clip_grad_value_ equals an element-wise clamp and turns the direction.
"""

TITLE = {
    "en": "Norm clipping keeps the direction, value clipping does not; neither fixes vanishing",
    "zh": "按范数裁剪保持方向，按值裁剪改变方向；二者都不能解决梯度消失",
}
CLAIMS = [
    {
        "en": "clip_grad_norm_ multiplies all gradients by min(1, c/(‖g‖ + 1e-6)), ‖g‖ the norm of all "
              "parameters' gradients concatenated: the direction is kept, and when ‖g‖ > c the new norm is c "
              "(a hair under); with ‖g‖ + 1e-6 ≤ c it is unchanged (‖g‖ = c itself is shortened by a hair).",
        "zh": "clip_grad_norm_ 把所有梯度乘以 min(1, c/(‖g‖ + 1e-6))，其中 ‖g‖ 是全部参数梯度拼接后的范数："
              "方向不变；‖g‖ > c 时新范数为 c（略小于 c）；‖g‖ + 1e-6 ≤ c 时梯度不变（‖g‖ 恰为 c 时也会被缩短一点点）。",
    },
    {
        "en": "clip_grad_value_ clamps each entry to [−c, c], which changes the direction of the update "
              "(g = (3, ½), c = 1: cosine 13/√185 ≈ 0.956).",
        "zh": "clip_grad_value_ 把每个元素截断到 [−c, c]，会改变更新方向（g = (3, ½)，c = 1：余弦 13/√185 ≈ 0.956）。",
    },
    {
        "en": "Clipping only ever shrinks: a gradient well below the threshold (‖g‖ + 1e-6 ≤ c) is returned "
              "unchanged, so clipping is a remedy for exploding gradients, not for vanishing ones.",
        "zh": "裁剪只会缩小：远低于阈值（‖g‖ + 1e-6 ≤ c）的梯度原样返回，所以裁剪只能对付梯度爆炸，不能解决梯度消失。",
    },
]


def derive(p):
    import sympy as sp

    g = sp.Matrix(sp.symbols("g1:4", real=True))
    c = sp.Symbol("c", positive=True)
    norm = sp.sqrt((g.T * g)[0])
    clipped = g * c / norm  # the branch ‖g‖ > c of g·min(1, c/‖g‖)
    p.step("Norm clipping with ‖g‖ > c: ĝ = c·g/‖g‖", clipped)
    p.identity("‖ĝ‖ = c", sp.sqrt((clipped.T * clipped)[0]), c)
    p.identity("cos(ĝ, g) = ĝ·g / (‖ĝ‖‖g‖) = 1: same direction",
               (clipped.T * g)[0] / (c * norm), 1)

    v = sp.Matrix([3, sp.Rational(1, 2)])
    clamp = v.applyfunc(lambda x: sp.Max(-1, sp.Min(1, x)))
    p.step("Value clipping of g = (3, ½) at c = 1", clamp)
    cos = (clamp.T * v)[0] / (clamp.norm() * v.norm())
    p.identity("cos(clamp(g), g) = 13/√185", cos, 13 / sp.sqrt(185))
    p.step("angle between them, degrees", sp.N(sp.acos(cos) * 180 / sp.pi, 4))

    n = sp.Symbol("‖g‖", positive=True)
    factor = sp.Min(1, c / n)
    p.step("Norm-clipping factor min(1, c/‖g‖) for a gradient smaller than c (‖g‖ = c/10)", factor.subs(n, c / 10))
    p.identity("a gradient below the threshold is multiplied by exactly 1", factor.subs(n, c / 10), 1)


def _model_grads(p, scale, seed=None):
    import torch

    gen = torch.Generator().manual_seed(p.seed if seed is None else seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4)).double().to(p.device)
    with torch.no_grad():
        for prm in model.parameters():
            prm.copy_(torch.randn(prm.shape, generator=gen, dtype=torch.float64))
    x = torch.randn(32, 8, generator=gen, dtype=torch.float64).to(p.device)
    (model(x).pow(2).sum() * scale).backward()
    return model


def experiment(p):
    import torch
    from torch.nn.utils import clip_grad_norm_, clip_grad_value_

    def flat(model):
        return torch.cat([prm.grad.reshape(-1) for prm in model.parameters()])

    def clip_norm(params, max_norm):
        """The real clip_grad_norm_, or (p.myth) the misconceptions the claim cards refute:
        clipping each tensor to max_norm on its own, and "clipping" that rescales every
        gradient to length max_norm (which would indeed enlarge a vanishing one)."""
        params = list(params)
        if not p.myth:
            return clip_grad_norm_(params, max_norm)
        total = torch.cat([q.grad.reshape(-1) for q in params]).norm()
        if total < max_norm:
            for q in params:
                q.grad.mul_(max_norm / total)
        else:
            for q in params:
                q.grad.mul_(max_norm / (q.grad.norm() + 1e-6))
        return total

    max_norm = 1.0
    model = _model_grads(p, scale=1.0)
    before = flat(model).clone()
    per_tensor = [prm.grad.clone() for prm in model.parameters()]
    returned = clip_norm(model.parameters(), max_norm)
    after = flat(model)
    p.greater("the test gradient is large: ‖g‖ / max_norm", before.norm() / max_norm, 10)
    p.close("clip_grad_norm_ returns the pre-clipping norm of all grads concatenated", returned, before.norm(),
            rtol=1e-12)
    p.close("norm after clipping = max_norm (up to the 1e-6 guard)", after.norm(), max_norm, rtol=1e-5)
    p.close("cosine(before, after) = 1: direction kept",
            torch.dot(before, after) / (before.norm() * after.norm()), 1.0, rtol=1e-12,
            id="clip_keeps_direction", refutes="clip_grad_norm_ clips each tensor separately")
    ratios = [(prm.grad / g0).flatten()[0].item() for prm, g0 in zip(model.parameters(), per_tensor)]
    p.close("one global factor for every tensor: max/min of per-tensor ratios", max(ratios) / min(ratios), 1.0,
            rtol=1e-12)
    p.close("the factor is max_norm / (‖g‖ + 1e-6)", ratios[0], max_norm / (before.norm().item() + 1e-6), rtol=1e-12)

    model = _model_grads(p, scale=1.0)
    clip_value = 0.05 * before.abs().max().item()
    clip_grad_value_(model.parameters(), clip_value)
    after_v = flat(model)
    p.allclose("clip_grad_value_ = element-wise clamp to [−c, c]", after_v, before.clamp(-clip_value, clip_value),
               rtol=0, atol=0)
    cos_v = torch.dot(before, after_v) / (before.norm() * after_v.norm())
    p.less("value clipping: cosine(before, after) (direction changed)", cos_v, 0.99)
    # The worked example g = (3, ½), c = 1, through the real function, against 13/√185.
    w = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64, device=p.device))
    g = torch.tensor([3.0, 0.5], dtype=torch.float64, device=p.device)
    w.grad = g.clone()
    clip_grad_value_([w], 1.0)
    p.close("clip_grad_value_((3, ½), 1): cosine with g vs 13/√185", torch.dot(w.grad, g) / (w.grad.norm() * g.norm()),
            13 / 185 ** 0.5, rtol=1e-12, id="value_clip_example_cosine")

    # The 1e-6 guard: a gradient just below max_norm (‖g‖ + 1e-6 > max_norm) is still scaled, by a hair.
    w.grad = torch.tensor([max_norm - 1e-7, 0.0], dtype=torch.float64, device=p.device)
    clip_grad_norm_([w], max_norm)
    p.less("‖g‖ = max_norm − 1e-7: factor applied (just under 1)", w.grad[0] / (max_norm - 1e-7), 1.0,
           id="just_below_threshold_factor")

    # A vanishing gradient: far below both thresholds, both functions return it unchanged.
    model = _model_grads(p, scale=1e-9)
    tiny = flat(model).clone()
    clip_norm(model.parameters(), max_norm)
    p.holds("tiny gradient after clip_grad_norm_ is bit-for-bit unchanged", torch.equal(flat(model), tiny),
            id="small_grad_unchanged", refutes="gradient clipping also enlarges vanishing gradients")
    clip_grad_value_(model.parameters(), clip_value)
    p.holds("tiny gradient after clip_grad_value_ is bit-for-bit unchanged", torch.equal(flat(model), tiny))

    # "Only ever shrinks", over gradient scales from vanishing to exploding and several seeds.
    def growth(scale, seed, by_value):
        model = _model_grads(p, scale=scale, seed=seed)
        g0 = flat(model).clone()
        if by_value:
            clip_grad_value_(model.parameters(), 0.05)
            return (flat(model).abs() / g0.abs().clamp_min(1e-300)).max().item()
        clip_norm(model.parameters(), max_norm)
        return (flat(model).norm() / g0.norm()).item()

    cases = [(scale, seed) for scale in (1e-9, 1e-6, 1e-3, 1e-1, 1.0, 1e3) for seed in range(p.seed, p.seed + 3)]
    p.sweep("clip_grad_norm_: ‖g after‖ / ‖g before‖ over gradient scales 1e-9 … 1e3 × 3 seeds",
            [(f"scale {sc:g}, seed {sd}", growth(sc, sd, False)) for sc, sd in cases], "<=", 1.0,
            id="norm_clipping_never_enlarges", refutes="gradient clipping also enlarges vanishing gradients")
    p.sweep("clip_grad_value_: max |gᵢ after| / |gᵢ before| over the same cases",
            [(f"scale {sc:g}, seed {sd}", growth(sc, sd, True)) for sc, sd in cases], "<=", 1.0,
            id="value_clipping_never_enlarges")
