"""fp32, fp16 and bf16 from their bit layouts: range, smallest numbers and machine epsilon.

Symbolic: a binary float with 1 sign bit, e exponent bits and m mantissa bits stores
(−1)ˢ·1.f·2^{E − bias} with bias = 2^{e−1} − 1 and exponent field E = 1 … 2^e − 2 (all zeros is
for subnormals 0.f·2^{1 − bias}, all ones for inf/NaN). So the largest value is
(2 − 2⁻ᵐ)·2^{bias}, the smallest normal 2^{1 − bias}, the smallest subnormal 2^{1 − bias − m}, and the
gap from 1 to the next float (machine epsilon) 2⁻ᵐ. fp32 is (8, 23), fp16 (5, 10), bf16 (8, 7):
bf16 keeps fp32's exponent (its range) and gives up mantissa (precision); fp16 the other way round.
Numeric: the lambdified formulas against torch.finfo(dtype).max / .smallest_normal / .eps, the
smallest subnormal as the bit pattern 0…01 viewed as the dtype, and epsilon measured by arithmetic
(1 + ε ≠ 1, 1 + ε/2 = 1 under round-to-nearest-even).
"""

TITLE = {
    "en": "fp32 / fp16 / bf16 from the bit layout: largest value, smallest normal and subnormal, epsilon",
    "zh": "从位布局推出 fp32 / fp16 / bf16：最大值、最小正规数与次正规数、机器精度",
}
CLAIMS = [
    {
        "en": "With e exponent and m mantissa bits: max = (2 − 2⁻ᵐ)·2^{2^{e−1}−1}, smallest normal 2^{2−2^{e−1}}, "
              "smallest subnormal 2^{2−2^{e−1}−m}, machine epsilon 2⁻ᵐ — equal to torch.finfo for fp32, fp16, bf16.",
        "zh": "e 位指数、m 位尾数：最大值 (2 − 2⁻ᵐ)·2^{2^{e−1}−1}，最小正规数 2^{2−2^{e−1}}，最小次正规数 "
              "2^{2−2^{e−1}−m}，机器精度 2⁻ᵐ——与 torch.finfo 对 fp32、fp16、bf16 给出的一致。",
    },
    {
        "en": "bf16 has fp32's range but epsilon 2⁻⁷ = 8× fp16's 2⁻¹⁰: it is less precise than fp16, not more.",
        "zh": "bf16 的范围与 fp32 相同，但机器精度 2⁻⁷ 是 fp16 的 2⁻¹⁰ 的 8 倍：它比 fp16 更不精确，而不是更精确。",
    },
]

LAYOUTS = {"float32": (8, 23), "float16": (5, 10), "bfloat16": (8, 7)}
ROW_IDS = {  # written out, so that cards can name them
    "float32": dict(max=dict(id="float32_max"), normal=dict(id="float32_smallest_normal"),
                    subnormal=dict(id="float32_smallest_subnormal"), eps=dict(id="float32_eps")),
    "float16": dict(max=dict(id="float16_max"), normal=dict(id="float16_smallest_normal"),
                    subnormal=dict(id="float16_smallest_subnormal"), eps=dict(id="float16_eps")),
    "bfloat16": dict(max=dict(id="bfloat16_max"), normal=dict(id="bfloat16_smallest_normal"),
                     subnormal=dict(id="bfloat16_smallest_subnormal"), eps=dict(id="bfloat16_eps")),
}


def formulas():
    """The format's numbers as sympy expressions in e, m (used by the exercises' tests too)."""
    import sympy as sp

    e, m = sp.symbols("e m", positive=True, integer=True)
    bias = 2 ** (e - 1) - 1
    value = {
        "max": (2 - 2**-m) * 2 ** ((2**e - 2) - bias),
        "smallest_normal": 2 ** (1 - bias),
        "smallest_subnormal": 2 ** (1 - bias) * 2**-m,
        "eps": 2**-m,
    }
    return e, m, bias, value


def derive(p):
    import sympy as sp

    e, m, bias, value = formulas()
    f = sp.Symbol("f", nonnegative=True)
    p.step("normal number: (−1)ˢ·(1 + f/2ᵐ)·2^{E − bias}, bias = 2^{e−1} − 1, f = 0 … 2ᵐ − 1")
    p.identity("largest: E = 2ᵉ − 2, f = 2ᵐ − 1 → (2 − 2⁻ᵐ)·2^{bias}",
               (1 + (2**m - 1) / 2**m) * 2 ** ((2**e - 2) - bias), (2 - 2**-m) * 2**bias)
    p.identity("next float after 1 (E = bias, f = 1) minus 1 = 2⁻ᵐ", (1 + f / 2**m).subs(f, 1) - 1, 2**-m)
    p.identity("smallest subnormal 0.0…1·2^{1−bias} = 2^{2 − 2^{e−1} − m}", value["smallest_subnormal"],
               2 ** (2 - 2 ** (e - 1) - m))
    for name, (eb, mb) in LAYOUTS.items():
        vals = {k: v.subs({e: eb, m: mb}) for k, v in value.items()}
        p.step(f"{name} (e = {eb}, m = {mb}): max, smallest normal, smallest subnormal, eps",
               sp.Matrix([vals["max"], vals["smallest_normal"], vals["smallest_subnormal"], vals["eps"]]))
    ratio = value["eps"].subs(m, 7) / value["eps"].subs(m, 10)
    p.identity("eps(bf16)/eps(fp16) = 2⁻⁷/2⁻¹⁰ = 8", ratio, 8, id="eps_ratio_derived")


def experiment(p):
    import sympy as sp
    import torch

    e, m, bias, value = formulas()
    dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    ints = {32: torch.int32, 16: torch.int16}

    def measured_eps(dtype):
        one = torch.ones((), dtype=dtype, device=p.device)
        eps = torch.ones((), dtype=dtype, device=p.device)
        while one + eps / 2 != one:  # halve until 1 + ε/2 rounds back to 1
            eps = eps / 2
        return float(eps)

    eps_by_name = {}
    for name, dtype in dtypes.items():
        eb, mb = LAYOUTS[name]
        fi = torch.finfo(dtype)
        want = {k: float(v.subs({e: eb, m: mb})) for k, v in value.items()}
        ids = ROW_IDS[name]
        p.close(f"{name}: torch.finfo.max vs (2 − 2⁻ᵐ)·2^bias", fi.max, want["max"], rtol=0, **ids["max"])
        p.close(f"{name}: torch.finfo.smallest_normal vs 2^(1 − bias)", fi.smallest_normal, want["smallest_normal"],
                rtol=0, **ids["normal"])
        sub = float(torch.tensor([1], dtype=ints[fi.bits]).view(dtype)[0])
        p.close(f"{name}: bit pattern 0…01 viewed as {name} vs 2^(1 − bias − m)", sub, want["smallest_subnormal"],
                rtol=0, **ids["subnormal"])
        p.close(f"{name}: torch.finfo.eps vs 2⁻ᵐ", fi.eps, want["eps"], rtol=0, **ids["eps"])
        # the myth "bf16 is more precise than fp16": measure bf16's epsilon as if it had fp16's mantissa
        arith = dtypes["float16"] if (p.myth and name == "bfloat16") else dtype
        eps_by_name[name] = measured_eps(arith)
        p.close(f"{name}: ε measured by arithmetic (1 + ε ≠ 1, 1 + ε/2 = 1) vs 2⁻ᵐ", eps_by_name[name], want["eps"],
                rtol=0)
    p.close("measured ε(bf16) / ε(fp16) (8: bf16 has 3 fewer mantissa bits)", eps_by_name["bfloat16"] /
            eps_by_name["float16"], float(sp.Integer(8)), rtol=0, id="bf16_less_precise",
            refutes="bf16 is more precise than fp16")
    x = torch.tensor(0.1, dtype=torch.float64)
    p.greater("rounding error of 0.1: bf16 / fp16", float((x.bfloat16().double() - x).abs() /
                                                          (x.half().double() - x).abs()), 1, id="bf16_rounds_coarser")
    p.close("bf16 max / fp32 max (same 8-bit exponent: about the same range)",
            torch.finfo(torch.bfloat16).max / torch.finfo(torch.float32).max, 1.0, rtol=0.01, id="bf16_range_like_fp32")
    p.greater("bf16 max / fp16 max", torch.finfo(torch.bfloat16).max / torch.finfo(torch.float16).max, 1e33,
              id="bf16_vs_fp16_range")
