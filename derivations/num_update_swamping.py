"""Small updates vanish in low precision: why mixed precision keeps float32 master weights.

Symbolic: for w in [2^E, 2^{E+1}) the next float up is 2^{E−m} away, so w + Δ (Δ > 0) rounds back to
w whenever Δ < 2^{E−m−1} (half a spacing; exactly half rounds to the even neighbour; below a power of two the spacing
is half as large). At w = 1
that is 2⁻¹¹ ≈ 4.9·10⁻⁴ in fp16 and 2⁻⁸ ≈ 3.9·10⁻³ in bf16, but 2⁻²⁴ in fp32. An update η·g of
10⁻⁴ — ordinary late in training — is lost entirely in fp16 and bf16.
Numeric: torch.optim.SGD on a weight stored in fp16 / bf16 / fp32 with a constant gradient, for
update sizes 10⁻⁵ … 10⁻² and ¾, 1 and 1.5 × the derived cut-off, stepping up from 1: whether the weight moves against the derived threshold, and 100 steps of
10⁻⁴ in fp16 against a float32 master copy.
"""

TITLE = {
    "en": "Updates smaller than half a spacing vanish: fp16/bf16 weights need float32 master copies",
    "zh": "小于半个间距的更新会消失：fp16/bf16 权重需要 float32 主副本",
}
CLAIMS = [
    {
        "en": "w + Δ rounds back to w when |Δ| is below half the spacing at w: at w = 1 that is 2⁻¹¹ in fp16 and 2⁻⁸ "
              "in bf16, so an update of 10⁻⁴ is lost in both.",
        "zh": "当 |Δ| 小于 w 处间距的一半时，w + Δ 舍入回 w：w = 1 时 fp16 为 2⁻¹¹、bf16 为 2⁻⁸，所以 10⁻⁴ 的更新在两者中都丢失。",
    },
    {
        "en": "Mixed-precision training therefore applies the optimizer step to a float32 master copy and casts it "
              "to fp16/bf16 for the forward pass.",
        "zh": "因此混合精度训练把优化器的步骤作用在 float32 主副本上，前向时再转成 fp16/bf16。",
    },
]

MANTISSA = {"float16": 10, "bfloat16": 7, "float32": 23}
SWEEP_IDS = {"float16": dict(id="float16_threshold_sweep"), "bfloat16": dict(id="bfloat16_threshold_sweep"),
             "float32": dict(id="float32_threshold_sweep")}


def derive(p):
    import sympy as sp

    E, m, f = sp.symbols("E m f", integer=True)
    spacing = (1 + (f + 1) / 2**m) * 2**E - (1 + f / 2**m) * 2**E
    p.identity("spacing of floats in [2^E, 2^{E+1}) = 2^{E−m}", spacing, 2 ** (E - m))
    p.step("w + Δ rounds to w for |Δ| < half the spacing, 2^{E−m−1}")
    for name, mb in MANTISSA.items():
        p.step(f"{name} at w = 1 (E = 0): threshold 2^(−{mb + 1}) =", sp.N(sp.Integer(2) ** (-mb - 1), 4))


def experiment(p):
    import torch

    dtypes = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}
    sizes = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)

    def moves(dtype, update, steps=1):
        w = torch.ones(1, dtype=dtype, device=p.device, requires_grad=True)
        opt = torch.optim.SGD([w], lr=update)
        for _ in range(steps):
            w.grad = -torch.ones_like(w)  # steps up from 1: the spacing above 1 is 2⁻ᵐ
            opt.step()
        return float(w.detach()[0]) != 1.0, w.detach().clone()

    for name, dtype in dtypes.items():
        threshold = 2.0 ** (-MANTISSA[name] - 1)
        # the decades plus three sizes at the cut-off: ¾ of it, the tie itself, and 1.5× (below a full spacing, so a
        # "Δ must exceed the whole spacing" rule or a quarter-spacing rule would disagree somewhere)
        bracket = (0.75 * threshold, threshold, 1.5 * threshold)
        agree = [(f"Δ = {u:.3g}", float(moves(dtype, u)[0] == (u > threshold))) for u in sizes + bracket]
        p.sweep(f"{name}: weight 1 moves after one SGD step of Δ exactly when Δ > 2^(−{MANTISSA[name] + 1}) (1 = agrees)",
                agree, ">=", 1.0, **SWEEP_IDS[name])

    # 100 steps of 1e-4: the fp16 weight never moves, a float32 master copy does.
    stuck, w16 = moves(torch.float32 if p.myth else torch.float16, 1e-4, steps=100)
    p.equal("fp16 weight after 100 SGD steps of 1e-4 (each below half a spacing)", float(w16[0]), 1.0,
            id="fp16_weight_stuck", refutes="small updates accumulate in an fp16 weight")
    _, master = moves(torch.float32, 1e-4, steps=100)
    p.close("float32 master copy after the same 100 steps vs 1 + 100·1e-4", float(master[0]), 1 + 100 * 1e-4,
            rtol=1e-5, id="master_weight_moves")
    p.close("… cast to fp16 for the forward pass: fp16(1.01)", float(master.half()[0]), float(torch.tensor(1.01).half()),
            rtol=0, id="master_cast_fp16")
