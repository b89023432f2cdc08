"""One step of an LSTM cell and of a GRU cell, in PyTorch's conventions."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

LSTM_STUB = '''import numpy as np


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step of torch.nn.LSTMCell.

    x: (N, D), h, c: (N, H) float64; W_ih: (4H, D), W_hh: (4H, H), b_ih, b_hh: (4H,).
    The 4H rows are the gates in PyTorch's order: input i, forget f, cell g, output o.
    Returns (h_new, c_new), both (N, H).
    """
    ...
'''

LSTM = '''import numpy as np


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    sigmoid = lambda a: 1.0 / (1.0 + np.exp(-a))
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=1)            # PyTorch's order: i, f, g, o
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h_new = sigmoid(o) * np.tanh(c_new)
    return h_new, c_new
'''

LSTM_IFOG = LSTM.replace("i, f, g, o = np.split", "i, f, o, g = np.split")
LSTM_NO_TANH = LSTM.replace("h_new = sigmoid(o) * np.tanh(c_new)", "h_new = sigmoid(o) * c_new")


def _cell_case(rng: Any, en: str, zh: str, n: int, d: int, h: int, gates: int,
               gru: bool, scale: float = 1.0) -> Case:
    import torch

    x, h0 = rng.normal(size=(n, d)) * scale, rng.normal(size=(n, h))
    bound = 1.0 / h ** 0.5
    w_ih = rng.uniform(-bound, bound, size=(gates * h, d))
    w_hh = rng.uniform(-bound, bound, size=(gates * h, h))
    b_ih, b_hh = rng.uniform(-bound, bound, size=gates * h), rng.uniform(-bound, bound, size=gates * h)
    cell = (torch.nn.GRUCell if gru else torch.nn.LSTMCell)(d, h, dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                            ("bias_hh", b_hh)):
            getattr(cell, name).copy_(torch.tensor(value))
        args = {"x": x, "h": h0, "W_ih": w_ih, "W_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh}
        if gru:
            expected: tuple[Any, ...] = (cell(torch.tensor(x), torch.tensor(h0)).numpy(),)
        else:
            c0 = rng.normal(size=(n, h))
            args = {**args, "c": c0}
            h1, c1 = cell(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
            expected = (h1.numpy(), c1.numpy())
    return Case(en, zh, args, expected, rtol=1e-7, atol=1e-10)


def lstm_cases(rng: Any) -> list[Case]:
    n, d, h = int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
    h += h == d  # D ≠ H: gates sliced by D instead of H must not pass
    return [_cell_case(rng, f"N={n}, D={d}, H={h}", f"N={n}，D={d}，H={h}", n, d, h, 4, False),
            _cell_case(rng, f"a batch of one, D={d}, H={h}", f"批大小为 1，D={d}，H={h}", 1, d, h, 4, False),
            _cell_case(rng, "large inputs (saturated gates)", "很大的输入（门饱和）", n, d, h, 4,
                       False, 30.0)]


register(Task(
    name="lstm_cell", function="lstm_cell", outputs=("h_new", "c_new"), stub=LSTM_STUB,
    solution=LSTM, build=lstm_cases,
    mistakes=(
        Mistake("gate_order", "the gates were split as i, f, o, g; PyTorch stacks them i, f, g, o",
                "门按 i, f, o, g 切分了；PyTorch 的顺序是 i, f, g, o", LSTM_IFOG),
        Mistake("no_tanh", "h = o ⊙ tanh(c), not o ⊙ c", "h = o ⊙ tanh(c)，不是 o ⊙ c", LSTM_NO_TANH),
    )))


GRU_STUB = '''import numpy as np


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of torch.nn.GRUCell.

    x: (N, D), h: (N, H) float64; W_ih: (3H, D), W_hh: (3H, H), b_ih, b_hh: (3H,).
    The 3H rows are, in PyTorch's order: reset r, update z, new n. PyTorch's equations:
        r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h
    Returns h' (N, H).
    """
    ...
'''

GRU = '''import numpy as np


def gru_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    sigmoid = lambda a: 1.0 / (1.0 + np.exp(-a))
    gi = x @ W_ih.T + b_ih
    gh = h @ W_hh.T + b_hh
    i_r, i_z, i_n = np.split(gi, 3, axis=1)
    h_r, h_z, h_n = np.split(gh, 3, axis=1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)                 # r multiplies (W_hn h + b_hn), after the matmul
    return (1 - z) * n + z * h                 # z keeps the old state
'''

GRU_SWAPPED_Z = GRU.replace("return (1 - z) * n + z * h", "return z * n + (1 - z) * h")
GRU_RESET_BEFORE = GRU.replace("n = np.tanh(i_n + r * h_n)",
                               "n = np.tanh(i_n + (r * h) @ W_hh[2 * h.shape[1]:].T + b_hh[2 * h.shape[1]:])")


def gru_cases(rng: Any) -> list[Case]:
    n, d, h = int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
    h += h == d  # D ≠ H: gates sliced by D instead of H must not pass
    return [_cell_case(rng, f"N={n}, D={d}, H={h}", f"N={n}，D={d}，H={h}", n, d, h, 3, True),
            _cell_case(rng, f"a batch of one, D={d}, H={h}", f"批大小为 1，D={d}，H={h}", 1, d, h, 3, True),
            _cell_case(rng, "large inputs (saturated gates)", "很大的输入（门饱和）", n, d, h, 3,
                       True, 30.0)]


register(Task(
    name="gru_cell", function="gru_cell", outputs=("h_new",), stub=GRU_STUB, solution=GRU,
    build=gru_cases,
    mistakes=(
        Mistake("swapped_update", "h' = z ⊙ n + (1 − z) ⊙ h is the other convention (Chung et al., "
                "colah's blog); in PyTorch, as in Cho et al., z keeps the old state: "
                "h' = (1 − z) ⊙ n + z ⊙ h",
                "h' = z ⊙ n + (1 − z) ⊙ h 是另一种约定（Chung 等、colah 的博客）；PyTorch 与 Cho 等一样，"
                "z 保留旧状态：h' = (1 − z) ⊙ n + z ⊙ h", GRU_SWAPPED_Z),
        Mistake("reset_before", "the reset gate was applied to h before the matmul, W_hn(r ⊙ h); "
                "PyTorch applies it after: r ⊙ (W_hn h + b_hn)",
                "重置门在矩阵乘法之前作用于 h，即 W_hn(r ⊙ h)；PyTorch 在之后：r ⊙ (W_hn h + b_hn)",
                GRU_RESET_BEFORE),
    )))
