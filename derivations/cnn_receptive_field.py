"""Receptive fields: two 3×3 see 5×5, three see 7×7, with fewer parameters — measured.

Symbolic: the recurrence r_l = r_{l−1} + D_l(F_l − 1)·J_{l−1}, J_l = J_{l−1}·S_l solved with
rsolve for n stacked 3×3 layers (r = 2n + 1); the parameter counts n·9C² vs (2n+1)²C²;
and the weights of the paths through two 3×3 all-ones kernels as the product of
generating polynomials (1 + z + z²)². Numeric: the receptive field MEASURED as the
support of the input gradient of one output pixel (autograd), for many stacks,
including strided and dilated ones, against the recurrence.
"""

TITLE = {
    "en": "Receptive field of stacked convolutions, measured by autograd",
    "zh": "堆叠卷积的感受野：用自动微分实测",
}
CLAIMS = [
    {
        "en": "n stacked 3×3 stride-1 convolutions see a (2n+1)×(2n+1) patch: two see 5×5, three "
              "see 7×7, with 18C² and 27C² weights instead of 25C² and 49C².",
        "zh": "n 个 3×3、步长 1 的卷积堆叠后感受野为 (2n+1)×(2n+1)：两个为 5×5，三个为 7×7，"
              "权重分别为 18C² 和 27C²，而非 25C² 和 49C²。",
    },
    {
        "en": "The receptive field is not a function of kernel sizes alone: r_l = r_{l−1} + D_l(F_l − 1)·∏S, "
              "so a stride-2 first layer makes 3×3 then 3×3 see 7×7, and one dilated (D = 2) 3×3 sees 5×5.",
        "zh": "感受野不只由卷积核大小决定：r_l = r_{l−1} + D_l(F_l − 1)·∏S，第一层步长为 2 时两个 3×3 "
              "看到 7×7，一个膨胀率 D = 2 的 3×3 看到 5×5。",
    },
    {
        "en": "Inside the field the pixels do not count equally: for two all-ones 3×3 kernels the "
              "input gradient is (1,2,3,2,1)ᵀ(1,2,3,2,1), peaked at the centre.",
        "zh": "感受野内的像素权重并不相同：两个全 1 的 3×3 核叠加时，输入梯度为 (1,2,3,2,1)ᵀ(1,2,3,2,1)，"
              "中心最大。",
    },
]


def derive(p):
    import sympy as sp

    n = sp.Symbol("n", integer=True, nonnegative=True)
    r = sp.Function("r")
    p.step("Each 3×3 stride-1 layer widens the field by F − 1 = 2", sp.Eq(r(n + 1), r(n) + 2))
    r_n = sp.rsolve(r(n + 1) - r(n) - 2, r(n), {r(0): 1})
    p.step("Solve with r(0) = 1 (one pixel sees itself)", sp.Eq(r(n), r_n))
    p.identity("two layers see 5, three see 7", sp.Matrix([[r_n.subs(n, 2), r_n.subs(n, 3)]]),
               sp.Matrix([[5, 7]]))

    C = sp.Symbol("C", positive=True)
    stacked, single = n * 9 * C**2, r_n**2 * C**2
    p.step("Weights (C → C channels, no bias): n stacked 3×3 vs one (2n+1)×(2n+1)",
           sp.Matrix([[stacked, single]]))
    p.identity("n = 2: 18C² vs 25C²;  n = 3: 27C² vs 49C²",
               sp.Matrix([[stacked.subs(n, 2), single.subs(n, 2), stacked.subs(n, 3), single.subs(n, 3)]]),
               sp.Matrix([[18 * C**2, 25 * C**2, 27 * C**2, 49 * C**2]]))

    # With strides: r_l = r_{l−1} + (F_l − 1)·J_{l−1}, J = product of earlier strides.
    s1, F = sp.symbols("S_1 F", positive=True, integer=True)
    r2 = 1 + (F - 1) * 1 + (F - 1) * s1
    p.step("Two F×F layers, the first with stride S₁", r2)
    p.identity("3×3 with S₁ = 2 then 3×3: 7, not 5", r2.subs({F: 3, s1: 2}), 7)

    # Path counts: a 1-D all-ones 3-tap kernel is the polynomial 1 + z + z²; stacking multiplies.
    z = sp.Symbol("z")
    paths = sp.expand((1 + z + z**2) ** 2)
    p.step("Paths from each input offset through two all-ones 3-tap kernels", paths)
    p.identity("coefficients 1, 2, 3, 2, 1 (5 taps, centre-heavy)",
               sp.Matrix([sp.Poly(paths, z).all_coeffs()]), sp.Matrix([[1, 2, 3, 2, 1]]))


def _recurrence(layers):
    field, jump = 1, 1
    for f, s, d in layers:
        field += d * (f - 1) * jump
        jump *= s
    return field


def _measured(layers, ones, device, gen):
    import torch

    dev = {"dtype": torch.float64, "device": device}
    size = 41
    modules = []
    for f, s, d in layers:
        conv = torch.nn.Conv2d(2, 2, f, stride=s, dilation=d, bias=False, **dev)
        with torch.no_grad():
            # Positive weights: no two paths can cancel, so the support is exactly the field.
            # Scaled by 1/(2·F²) so tanh stays far from saturation (tanh' would round to 0).
            kernel = torch.ones(conv.weight.shape, dtype=torch.float64) if ones else \
                0.5 + torch.rand(conv.weight.shape, generator=gen, dtype=torch.float64)
            conv.weight.copy_(kernel / (2 * f * f))
        # A non-linearity with a positive slope does not change the support; the all-ones
        # run stays linear so that the path counts come out exactly.
        modules += [conv] if ones else [conv, torch.nn.Tanh()]
    net = torch.nn.Sequential(*modules)
    x = (0.1 * torch.rand(1, 2, size, size, generator=gen, dtype=torch.float64)).to(device)
    x.requires_grad_(True)
    y = net(x)
    h, w = y.shape[-2] // 2, y.shape[-1] // 2
    y[0, 0, h, w].backward()
    support = x.grad.abs().sum(dim=(0, 1)) > 0
    rows = torch.nonzero(support.any(dim=1)).flatten()
    cols = torch.nonzero(support.any(dim=0)).flatten()
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1), x.grad[0, 0]


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    stacks = {
        "one 3×3": [(3, 1, 1)],
        "two 3×3": [(3, 1, 1)] * 2,
        "three 3×3": [(3, 1, 1)] * 3,
        "one 5×5": [(5, 1, 1)],
        "one 7×7": [(7, 1, 1)],
        "3×3 stride 2, then 3×3": [(3, 2, 1), (3, 1, 1)],
        "3×3 stride 2, then two 3×3": [(3, 2, 1), (3, 1, 1), (3, 1, 1)],
        "one 3×3, dilation 2": [(3, 1, 2)],
        "5×5 stride 2, 3×3 dilation 2": [(5, 2, 1), (3, 1, 2)],
    }
    # p.myth: the misconception's rule, a field that depends on the kernel sizes only.
    rule = (lambda layers: 1 + sum(f - 1 for f, _, _ in layers)) if p.myth else _recurrence
    for name, layers in stacks.items():
        if name == "3×3 stride 2, then 3×3":
            continue
        h, w, _ = _measured(layers, False, p.device, gen)
        side = rule(layers)
        p.equal(f"{name}: measured field (gradient support) vs recurrence", [h, w], [side, side])
    h, w, _ = _measured(stacks["3×3 stride 2, then 3×3"], False, p.device, gen)
    side = rule(stacks["3×3 stride 2, then 3×3"])
    p.equal("3×3 stride 2, then 3×3: measured field (gradient support) vs recurrence", [h, w], [side, side],
            id="stride2_field_vs_recurrence", refutes="the receptive field depends only on the kernel sizes")

    # Parameters of the real modules, C = 16 channels, no bias.
    def params(f, count):
        return count * sum(t.numel() for t in torch.nn.Conv2d(16, 16, f, bias=False).parameters())

    p.equal("parameters: two 3×3 vs one 5×5; three 3×3 vs one 7×7 (C = 16)",
            [params(3, 2), params(5, 1), params(3, 3), params(7, 1)],
            [18 * 256, 25 * 256, 27 * 256, 49 * 256])

    # Not a flat window: how much each input pixel of the field counts (all-ones kernels, linear).
    _, _, grad = _measured([(3, 1, 1)] * 2, True, p.device, gen)
    nz = grad[grad.abs().sum(dim=1) > 0][:, grad.abs().sum(dim=0) > 0]
    tri = torch.tensor([1.0, 2, 3, 2, 1], dtype=torch.float64)
    pyramid = (tri[:, None] * tri[None, :]).to(nz.device)
    p.allclose("two all-ones 3×3: gradient on the 5×5 field ∝ (1,2,3,2,1)ᵀ(1,2,3,2,1)",
               nz / nz.max() * 9, pyramid, rtol=1e-12, atol=1e-12)
    # Deeper all-ones stacks: the field grows like 2n + 1, the spread of the influence only like √n.
    spreads = []
    for n in (2, 4, 8):
        side, _, grad = _measured([(3, 1, 1)] * n, True, p.device, gen)
        profile = grad.abs().sum(dim=0)  # 1-D marginal of the influence along the columns
        pos = torch.arange(profile.numel(), dtype=torch.float64, device=profile.device)
        mean = (pos * profile).sum() / profile.sum()
        std = (((pos - mean) ** 2 * profile).sum() / profile.sum()).sqrt()
        spreads.append((f"n = {n}", float(2 * std / side)))
    p.holds("all-ones 3×3 stacks, n = 2, 4, 8: 2·(std of the influence) / field side falls with depth",
            spreads[0][1] > spreads[1][1] > spreads[2][1], " > ".join(f"{v:.3f}" for _, v in spreads),
            id="influence_concentrates_with_depth")
