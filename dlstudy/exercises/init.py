"""Initialisation scales: the std or bound that torch.nn.init actually draws with.

The answer is read off the real call: a dispatch mode records the arguments of the
``normal_`` / ``uniform_`` kernel that ``nn.init.xavier_normal_``, ``kaiming_uniform_`` or a
module's default ``reset_parameters`` runs (on the ``meta`` device, so nothing is drawn).
"""

from __future__ import annotations

import math
import random
from typing import Any

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, r, text

CALLS = {"xavier_normal_": "nn.init.xavier_normal_(w)",
         "xavier_normal_tanh": "nn.init.xavier_normal_(w, gain=nn.init.calculate_gain('tanh'))",
         "xavier_uniform_": "nn.init.xavier_uniform_(w)",
         "kaiming_normal_": "nn.init.kaiming_normal_(w, nonlinearity='relu')",
         "kaiming_normal_fan_out": "nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')",
         "kaiming_uniform_": "nn.init.kaiming_uniform_(w, nonlinearity='relu')",
         "default": "the module's own default initialisation (reset_parameters)"}
CALLS_ZH = {**CALLS, "default": "模块自带的默认初始化（reset_parameters）"}


def _drawn(make: Any) -> tuple[str, tuple[float, ...]]:
    """The first ``normal_``/``uniform_`` kernel ``make()`` runs: its name and (a, b) arguments."""
    from torch.utils._python_dispatch import TorchDispatchMode

    calls: list[tuple[str, tuple[float, ...]]] = []

    class Record(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name in ("normal_", "uniform_"):
                calls.append((name, tuple(float(a) for a in args[1:3])))
            return func(*args, **(kwargs or {}))

    with Record():
        make()
    return calls[0]


@generator("init_scale")
def init_scale(rng: random.Random) -> Drawing:
    conv = rng.random() < 0.4
    if conv:
        c_in, c_out, k = rng.choice([3, 16, 32, 64]), rng.choice([16, 32, 64, 128]), rng.choice([1, 3, 5])
        layer = f"nn.Conv2d({c_in}, {c_out}, {k})"
        shape: tuple[int, ...] = (c_out, c_in, k, k)
    else:
        c_in, c_out, k = rng.choice([64, 100, 128, 256, 300, 512, 784]), rng.choice([10, 64, 128, 256]), 1
        layer = f"nn.Linear({c_in}, {c_out})"
        shape = (c_out, c_in)
    scheme = rng.choice(list(CALLS))
    uniform = scheme.endswith("uniform_") or scheme == "default"
    ask_en = "the bound a of the U(−a, a) it draws from" if uniform else "the standard deviation it draws with"
    ask_zh = "所用均匀分布 U(−a, a) 的边界 a" if uniform else "所用的标准差"
    prompt = text(f"w = {layer}.weight (shape {'×'.join(map(str, shape))}) is initialised with "
                  f"{CALLS[scheme]}. What is {ask_en}? (3 significant figures)",
                  f"w = {layer}.weight（形状 {'×'.join(map(str, shape))}）用 {CALLS_ZH[scheme]} 初始化。"
                  f"{ask_zh}是多少？（3 位有效数字）")
    yield prompt

    import torch

    nn = torch.nn
    w = torch.empty(shape)  # on the CPU: the "meta" kernels of normal_/uniform_ load sympy
    makers = {
        "xavier_normal_": lambda: nn.init.xavier_normal_(w),
        "xavier_normal_tanh": lambda: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh")),
        "xavier_uniform_": lambda: nn.init.xavier_uniform_(w),
        "kaiming_normal_": lambda: nn.init.kaiming_normal_(w, nonlinearity="relu"),
        "kaiming_normal_fan_out": lambda: nn.init.kaiming_normal_(w, mode="fan_out",
                                                                  nonlinearity="relu"),
        "kaiming_uniform_": lambda: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
        "default": lambda: nn.Conv2d(c_in, c_out, k) if conv else nn.Linear(c_in, c_out),
    }
    kernel, (_, expected) = _drawn(makers[scheme])  # uniform_(−a, a) or normal_(mean, std)
    assert uniform == (kernel == "uniform_")

    fan_in, fan_out = c_in * k * k, c_out * k * k
    fans = (f"fan_in = C_in·k·k = {c_in}·{k}·{k} = {fan_in}, fan_out = C_out·k·k = {c_out}·{k}·{k} = "
            f"{fan_out}" if conv else f"fan_in = in_features = {fan_in}, fan_out = out_features = {fan_out}")
    if scheme.startswith("xavier"):
        gain = 5 / 3 if scheme.endswith("tanh") else 1.0
        std = gain * math.sqrt(2 / (fan_in + fan_out))
        formula = f"std = gain·√(2/(fan_in + fan_out)) = {r(gain)}·√(2/{fan_in + fan_out}) = {r(std)}"
        if scheme.endswith("tanh"):
            formula += " (gain('tanh') = 5/3)"
    elif scheme == "default":
        std = 1 / math.sqrt(3 * fan_in)
        formula = (f"kaiming_uniform_(w, a=√5): gain = √(2/(1 + 5)) = √(1/3), std = gain/√fan_in = "
                   f"1/√(3·{fan_in}) = {r(std)}")
    else:
        fan = fan_out if scheme.endswith("fan_out") else fan_in
        std = math.sqrt(2) / math.sqrt(fan)
        formula = f"std = gain/√fan = √2/√{fan} = {r(std)} (gain('relu') = √2)"
    bound = f"\nuniform: a = √3·std = {r(expected)}" if uniform else ""
    return Exercise(
        params={"shape": list(shape), "scheme": scheme, "fan_in": fan_in, "fan_out": fan_out,
                "uniform": uniform}, prompt=prompt,
        expected=expected, answer_type="expression", rtol=RTOL, atol=ATOL,
        solution=text(f"{fans}\n{formula}{bound}",
                      f"{fans}\n{formula}{bound}".replace("uniform:", "均匀分布：")),
    )
