"""Floating-point and second-order exercises: the numbers of a float format from its bit layout, the
spacing of floats at a value, one Newton step, the memory of a full Hessian and gradient descent's
contraction factor on an ill-conditioned quadratic."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import Drawing, Exercise, generator, n, o, r, significant, text

# IEEE-754-style formats: the all-ones exponent is reserved for inf/NaN, the all-zeros one for subnormals.
# The ones torch has a dtype for are answered with torch.finfo / the dtype itself.
TORCH_FORMATS = {(5, 10): "float16", (8, 7): "bfloat16", (8, 23): "float32", (5, 2): "float8_e5m2"}
QUANTITIES = {
    "eps": ("machine epsilon (the gap between 1 and the next larger float)", "机器精度（1 与下一个更大浮点数之差）"),
    "max": ("largest finite value", "最大有限值"),
    "smallest_normal": ("smallest positive normal value", "最小正规正数"),
    "smallest_subnormal": ("smallest positive subnormal value", "最小正次正规数"),
}
RTOL3 = significant(3)


def _decode(bits: int, e: int, m: int) -> float:
    """The value of an IEEE-style bit pattern sign|exponent|mantissa with e and m bits."""
    sign = -1.0 if bits >> (e + m) & 1 else 1.0
    field, frac = bits >> m & ((1 << e) - 1), bits & ((1 << m) - 1)
    bias = (1 << (e - 1)) - 1
    if field == 0:
        return sign * math.ldexp(frac, 1 - bias - m)
    return sign * math.ldexp((1 << m) + frac, field - bias - m)


@generator("num_float_format")
def float_format(rng: random.Random) -> Drawing:
    e, m = rng.choice([(5, 10), (8, 7), (8, 23), (5, 2), (4, 3), (6, 9), (3, 4), (7, 8), (6, 5), (4, 11)])
    quantity = rng.choice(sorted(QUANTITIES))
    what_en, what_zh = QUANTITIES[quantity]
    prompt = text(f"An IEEE-754-style binary float has 1 sign bit, {e} exponent bits and {m} mantissa (fraction) bits "
                  f"(all-ones exponent = inf/NaN, all-zeros = subnormals). What is its {what_en}? "
                  "(3 significant figures, or an expression such as 2^-10)",
                  f"一种 IEEE-754 风格的二进制浮点数有 1 位符号、{e} 位指数、{m} 位尾数（小数）位"
                  f"（指数全 1 表示 inf/NaN，全 0 表示次正规数）。它的{what_zh}是多少？（3 位有效数字，或 2^-10 这样的表达式）")
    yield prompt

    bias = (1 << (e - 1)) - 1
    patterns = {"eps": None, "max": ((1 << e) - 2) << m | ((1 << m) - 1), "smallest_normal": 1 << m,
                "smallest_subnormal": 1}
    name = TORCH_FORMATS.get((e, m))
    if name is not None:
        import torch

        dtype = getattr(torch, name)
        fi = torch.finfo(dtype)
        ints = {32: torch.int32, 16: torch.int16, 8: torch.uint8}[fi.bits]
        expected = {"eps": fi.eps, "max": fi.max, "smallest_normal": fi.smallest_normal,
                    "smallest_subnormal": float(torch.tensor([1], dtype=ints).view(dtype)[0].float())}[quantity]
        source = f"torch.finfo(torch.{name})"
    else:
        pattern = patterns[quantity]
        if pattern is None:
            expected = _decode((bias << m) | 1, e, m) - _decode(bias << m, e, m)
        else:
            expected = _decode(pattern, e, m)
        source = "the bit pattern decoded"
    formula = {"eps": (f"2^-m = 2^-{m}", f"2^-{m}"),
               "max": (f"(2 − 2^-m)·2^bias = (2 − 2^-{m})·2^{bias}", ""),
               "smallest_normal": (f"2^(1 − bias) = 2^{1 - bias}", ""),
               "smallest_subnormal": (f"2^(1 − bias − m) = 2^{1 - bias - m}", "")}[quantity][0]
    solution = text(f"bias = 2^(e−1) − 1 = {bias}. {what_en.capitalize()} = {formula} = {r(expected)} ({source}).",
                    f"偏置 bias = 2^(e−1) − 1 = {bias}。{what_zh} = {formula} = {r(expected)}（{source}）。")
    return Exercise(params={"e": e, "m": m, "quantity": quantity}, prompt=prompt, expected=float(expected),
                    answer_type="real", rtol=RTOL3, atol=0.0, solution=solution)


@generator("num_float_spacing")
def float_spacing(rng: random.Random) -> Drawing:
    dtype_name = rng.choice(["float16", "bfloat16", "float32"])
    x = rng.choice([1, 3, 10, 100, 1000, 0.1, 0.3, 2048, 5000, 60000 if dtype_name != "float16" else 40000])
    prompt = text(f"In torch.{dtype_name}, what is the gap between x = {x} (rounded to {dtype_name}) and the next larger "
                  "representable number? Any increase smaller than half of it is lost when added to x. "
                  "(3 significant figures, or an expression such as 2^-7)",
                  f"在 torch.{dtype_name} 中，x = {x}（先舍入到 {dtype_name}）与下一个更大的可表示数之间的间距是多少？"
                  "小于它一半的增量加到 x 上会丢失。（3 位有效数字，或 2^-7 这样的表达式）")
    yield prompt

    import torch

    dtype = getattr(torch, dtype_name)
    v = torch.tensor(float(x), dtype=dtype)
    gap = float((torch.nextafter(v, torch.tensor(math.inf, dtype=dtype)) - v).double())
    m = {"float16": 10, "bfloat16": 7, "float32": 23}[dtype_name]
    E = math.floor(math.log2(abs(float(v))))
    solution = text(f"x lies in [2^{E}, 2^{E + 1}); the spacing there is 2^(E − m) = 2^({E} − {m}) = {r(gap)} "
                    f"(torch.nextafter).",
                    f"x 位于 [2^{E}, 2^{E + 1})；该区间的间距为 2^(E − m) = 2^({E} − {m}) = {r(gap)}（torch.nextafter）。")
    return Exercise(params={"dtype": dtype_name, "x": x}, prompt=prompt, expected=gap, answer_type="real",
                    rtol=RTOL3, atol=0.0, solution=solution)


@generator("so_newton_step")
def newton_step(rng: random.Random) -> Drawing:
    kind = rng.choice(["quadratic", "quartic"])
    x0: float
    if kind == "quadratic":
        a, d = rng.choice([2, 3, 4, 5]), rng.choice([1, 2, 3, 6])
        c = rng.choice([-1, 0, 1])
        b1, b2 = rng.choice([-2, -1, 1, 2, 3]), rng.choice([-3, -1, 1, 2])
        x0, y0 = rng.choice([-2, 0, 1, 5]), rng.choice([-1, 3, 4])
        f_text = f"f(x, y) = ½({a}x² + {o(2 * c)}xy + {d}y²) − {o(b1)}x − {o(b2)}y"
        prompt = text(f"{f_text}. Take one Newton step (x, y) ← (x, y) − H⁻¹∇f from ({x0}, {y0}). "
                      "What is the new x? (3 significant figures)",
                      f"{f_text}。从 ({x0}, {y0}) 出发做一步牛顿法 (x, y) ← (x, y) − H⁻¹∇f。新的 x 是多少？（3 位有效数字）")
    else:
        a, b = rng.choice([-2, -1, 1, 2, 3]), rng.choice([-2, -1, 1, 2])
        x0 = rng.choice([0.5, 1, 1.5, 2, -1, -2])
        f_text = f"f(x) = x⁴/4 + {o(a)}·x²/2 − {o(b)}·x"
        prompt = text(f"{f_text}. Take one Newton step x ← x − f′(x)/f″(x) from x₀ = {x0}. What is x₁? "
                      "(3 significant figures)",
                      f"{f_text}。从 x₀ = {x0} 出发做一步牛顿法 x ← x − f′(x)/f″(x)。x₁ 是多少？（3 位有效数字）")
    yield prompt

    import torch
    from torch.autograd.functional import hessian

    if kind == "quadratic":
        def fun(v):
            return 0.5 * (a * v[0] ** 2 + 2 * c * v[0] * v[1] + d * v[1] ** 2) - b1 * v[0] - b2 * v[1]
        start = torch.tensor([float(x0), float(y0)], dtype=torch.float64)
    else:
        def fun(v):
            return v[0] ** 4 / 4 + a * v[0] ** 2 / 2 - b * v[0]
        start = torch.tensor([float(x0)], dtype=torch.float64)
    w = start.clone().requires_grad_()
    (g,) = torch.autograd.grad(fun(w), w)
    H = hessian(fun, start)
    new = start - torch.linalg.solve(H, g)
    expected = float(new[0])
    if kind == "quadratic":
        det = a * d - c * c
        solution = text(f"H = [[{a}, {c}], [{c}, {d}]] is constant and positive definite (det {det}): on a quadratic one "
                        f"Newton step lands on the minimum H⁻¹b from any start, x = ({d}·{o(b1)} − {o(c)}·{o(b2)})/{det} = "
                        f"{r(expected)}.",
                        f"H = [[{a}, {c}], [{c}, {d}]] 为常数且正定（行列式 {det}）：二次函数上从任何起点出发一步牛顿法"
                        f"都落在极小点 H⁻¹b，x = ({d}·{o(b1)} − {o(c)}·{o(b2)})/{det} = {r(expected)}。")
        params = {"kind": kind, "a": a, "c": c, "d": d, "b": [b1, b2], "start": [x0, y0]}
    else:
        fp, fpp = x0**3 + a * x0 - b, 3 * x0**2 + a
        solution = text(f"f′(x₀) = x₀³ + {o(a)}x₀ − {o(b)} = {r(fp)}, f″(x₀) = 3x₀² + {o(a)} = {r(fpp)}; "
                        f"x₁ = {x0} − {o(fp)}/{o(fpp)} = {r(expected)}"
                        + (" (f″ < 0 here: the step heads for a maximum, not a minimum)." if fpp < 0 else "."),
                        f"f′(x₀) = x₀³ + {o(a)}x₀ − {o(b)} = {r(fp)}，f″(x₀) = 3x₀² + {o(a)} = {r(fpp)}；"
                        f"x₁ = {x0} − {o(fp)}/{o(fpp)} = {r(expected)}"
                        + ("（这里 f″ < 0：这一步走向极大值而不是极小值）。" if fpp < 0 else "。"))
        params = {"kind": kind, "a": a, "b": b, "start": [x0]}
    return Exercise(params=params, prompt=prompt, expected=expected, answer_type="real", rtol=RTOL3, atol=1e-9,
                    solution=solution)


@generator("so_hessian_memory")
def hessian_memory(rng: random.Random) -> Drawing:
    params_n = rng.choice([10_000, 125_000, 1_000_000, 3_148_800, 25_557_032, 124_439_808])
    dtype_name = rng.choice(["float32", "float16", "bfloat16", "float64"])
    prompt = text(f"A model has {n(params_n)} parameters. How many gigabytes (10⁹ bytes) would its full Hessian take "
                  f"stored densely in torch.{dtype_name}? (3 significant figures)",
                  f"一个模型有 {n(params_n)} 个参数。把它的完整 Hessian 以 torch.{dtype_name} 稠密存储需要多少 GB（10⁹ 字节）？"
                  "（3 位有效数字）")
    yield prompt

    import torch

    size = torch.empty((), dtype=getattr(torch, dtype_name)).element_size()
    expected = size * float(params_n) ** 2 / 1e9
    solution = text(f"n² entries × {size} bytes (element_size of {dtype_name}) = {n(params_n)}² × {size} / 10⁹ = "
                    f"{r(expected)} GB.",
                    f"n² 个元素 × {size} 字节（{dtype_name} 的 element_size）= {n(params_n)}² × {size} / 10⁹ = {r(expected)} GB。")
    return Exercise(params={"n": params_n, "dtype": dtype_name, "bytes": size}, prompt=prompt, expected=expected,
                    answer_type="real", rtol=RTOL3, atol=0.0, solution=solution)


@generator("so_gd_factor")
def gd_factor(rng: random.Random) -> Drawing:
    low = rng.choice([0.5, 1, 2])
    kappa = rng.choice([2, 3, 5, 10, 20, 50, 100, 1000])
    high = low * kappa
    ask = rng.choice(["factor", "steps"])
    k = rng.choice([3, 6])
    setting = (f"Gradient descent with the best fixed step η = 2/(L + m) on a quadratic whose Hessian eigenvalues "
               f"lie in [m, L] = [{low}, {r(high)}] (the extremes both occur). ")
    setting_zh = (f"在 Hessian 特征值位于 [m, L] = [{low}, {r(high)}]（两个端点都出现）的二次函数上，"
                  f"用最优定步长 η = 2/(L + m) 做梯度下降。")
    if ask == "factor":
        prompt = text(setting + "By what factor does the worst-case error shrink per step? (3 significant figures)",
                      setting_zh + "最坏情况下误差每步缩小为原来的多少倍？（3 位有效数字）")
    else:
        prompt = text(setting + f"Starting with error 1 along both extreme eigenvectors, after how many steps is the "
                      f"largest error component first ≤ 10^-{k}?",
                      setting_zh + f"沿两个极端特征向量的初始误差都为 1，第几步之后最大的误差分量首次 ≤ 10^-{k}？")
    yield prompt

    import torch

    h = torch.tensor([float(low), float(high)], dtype=torch.float64)
    w = torch.ones(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=2 / (low + high))
    errors = [1.0]
    limit = 1 if ask == "factor" else 100000
    while len(errors) <= limit and (ask == "factor" or errors[-1] > 10.0**-k * (1 + 1e-12)):
        opt.zero_grad()
        (0.5 * (h * w * w).sum()).backward()
        opt.step()
        errors.append(float(w.detach().abs().max()))
    factor = errors[1]
    rho = (kappa - 1) / (kappa + 1)
    if ask == "factor":
        expected: float | int = factor
        solution = text(f"κ = L/m = {kappa}; the factor is (κ − 1)/(κ + 1) = {kappa - 1}/{kappa + 1} = {r(factor)} "
                        "(|1 − ηm| = |1 − ηL| at η = 2/(L + m)).",
                        f"κ = L/m = {kappa}；缩小因子 (κ − 1)/(κ + 1) = {kappa - 1}/{kappa + 1} = {r(factor)}"
                        "（η = 2/(L + m) 时 |1 − ηm| = |1 − ηL|）。")
        return Exercise(params={"m": low, "L": high, "kappa": kappa, "ask": ask}, prompt=prompt, expected=expected,
                        answer_type="real", rtol=RTOL3, atol=0.0, solution=solution)
    steps = len(errors) - 1
    solution = text(f"Each step multiplies both errors by (κ − 1)/(κ + 1) = {r(rho)} in size, so the answer is "
                    f"⌈ln 10^{k} / ln(1/{r(rho)})⌉ = {steps} (torch.optim.SGD run until the error is ≤ 10^-{k}).",
                    f"每一步把两个误差的大小都乘以 (κ − 1)/(κ + 1) = {r(rho)}，所以答案为 "
                    f"⌈ln 10^{k} / ln(1/{r(rho)})⌉ = {steps}（torch.optim.SGD 运行到误差 ≤ 10^-{k}）。")
    return Exercise(params={"m": low, "L": high, "kappa": kappa, "ask": ask, "k": k}, prompt=prompt, expected=steps,
                    answer_type="integer", solution=solution)
