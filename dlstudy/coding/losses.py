"""Softmax cross-entropy (forward and backward) and a numerically stable log-softmax."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

SOFTMAX_CE_STUB = '''import numpy as np


def softmax_cross_entropy(logits, labels):
    """Mean softmax cross-entropy over a batch, and its gradient.

    logits: (N, C) float64, any magnitude (rows may hold values in the thousands, and lie
        thousands apart).
    labels: (N,) int, each in 0..C-1.
    Returns (loss, dlogits): loss a float, the mean over the N rows of −log softmax(logits)[label]
    (as torch.nn.functional.cross_entropy, reduction='mean'); dlogits (N, C) = ∂loss/∂logits.
    """
    ...
'''

SOFTMAX_CE = '''import numpy as np


def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)     # exp never overflows
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    dlogits = np.exp(log_p)                                   # softmax
    dlogits[np.arange(n), labels] -= 1.0                      # p − onehot(y)
    return loss, dlogits / n                                  # the mean: 1/N
'''

NO_MEAN = SOFTMAX_CE.replace("return loss, dlogits / n ", "return loss, dlogits     ")
UNSTABLE = SOFTMAX_CE.replace("shifted = logits - logits.max(axis=1, keepdims=True)",
                              "shifted = logits")
NO_ONEHOT = SOFTMAX_CE.replace("dlogits[np.arange(n), labels] -= 1.0", "pass")
CE_GLOBAL_MAX = SOFTMAX_CE.replace("logits.max(axis=1, keepdims=True)", "logits.max()")
LOG_OF_PROBS = '''import numpy as np


def softmax_cross_entropy(logits, labels):
    n = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels]).mean()       # p underflows to 0: log 0
    dlogits = p.copy()
    dlogits[np.arange(n), labels] -= 1.0
    return loss, dlogits / n
'''


def softmax_ce_cases(rng: Any) -> list[Case]:
    import numpy as np
    import torch

    def case(en: str, zh: str, logits: Any, labels: Any) -> Case:
        x = torch.tensor(logits, requires_grad=True)
        loss = torch.nn.functional.cross_entropy(x, torch.tensor(labels))
        loss.backward()
        assert x.grad is not None
        return Case(en, zh, {"logits": logits, "labels": labels},
                    (loss.item(), x.grad.numpy()), rtol=1e-6, atol=1e-9)

    def far_apart(n: int, c: int) -> Case:
        labels = rng.integers(0, c, size=n)
        logits = rng.permutation(np.resize([0.0, 3000.0, -3000.0], n))[:, None] \
            + rng.normal(size=(n, c)) * 3
        logits[np.arange(n), labels] = logits.max(axis=1) - 1000
        return case(f"rows thousands apart (0, ±3000), the labels' logits 1000 below the max, N={n}",
                    f"相距数千的行（0、±3000），标签的 logit 比最大值低 1000，N={n}", logits, labels)

    n, c = int(rng.integers(3, 9)), int(rng.integers(3, 8))
    return [
        case(f"random logits, N={n}, C={c}", f"随机 logits，N={n}，C={c}",
             rng.normal(size=(n, c)), rng.integers(0, c, size=n)),
        case(f"a batch of one, C={c}", f"批大小为 1，C={c}", rng.normal(size=(1, c)) * 3,
             rng.integers(0, c, size=1)),
        case(f"large logits (5000 ± 1000), N={n}", f"很大的 logits（5000 ± 1000），N={n}",
             5000 + rng.normal(size=(n, c)) * 1000, rng.integers(0, c, size=n)),
        # rows thousands apart, each label's logit 1000 below its row's max: a shift by one
        # max for the whole batch, or the log of the probabilities, gives log 0
        far_apart(n, c),
    ]


register(Task(
    name="softmax_ce", cases_version=2, function="softmax_cross_entropy", outputs=("loss", "dlogits"),
    stub=SOFTMAX_CE_STUB, solution=SOFTMAX_CE, build=softmax_ce_cases,
    mistakes=(
        Mistake("no_mean", "the gradient is not divided by N: the loss is a mean, so is its gradient",
                "梯度没有除以 N：损失是平均值，梯度也要取平均", NO_MEAN),
        Mistake("log_of_probs", "the loss took the log of the softmax probabilities, which "
                "underflow to 0 for a label far below its row's max: use log p = shifted − log Σ "
                "exp(shifted)", "损失对 softmax 概率取了对数：标签的 logit 远低于该行最大值时概率下溢为 0；"
                "应使用 log p = shifted − log Σ exp(shifted)", LOG_OF_PROBS),
        Mistake("global_max", "the shift was one max over the whole batch: a row far below it "
                "underflows to log 0; subtract each row's own max",
                "平移用了整个批次的一个最大值：远低于它的行会下溢成 log 0；应减去每一行自己的最大值",
                CE_GLOBAL_MAX),
        Mistake("unstable", "exp of unshifted logits overflows: subtract each row's max first",
                "未平移的 logits 取 exp 会溢出：先减去每行的最大值", UNSTABLE),
        Mistake("no_onehot", "the gradient is softmax − onehot(label), not softmax alone",
                "梯度是 softmax − onehot(标签)，而不只是 softmax", NO_ONEHOT),
    )))


LOG_SOFTMAX_STUB = '''import numpy as np


def log_softmax(x, axis=-1):
    """log softmax(x) along `axis`, numerically stable.

    x: float64 array of any shape; entries may be as large as 1e4 or as small as −1e4,
    and rows may lie thousands apart.
    Returns an array of x's shape: x − log Σ exp(x) along `axis` (as torch.log_softmax(x, dim=axis)).
    """
    ...
'''

LOG_SOFTMAX = '''import numpy as np


def log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)                 # the log-sum-exp trick
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
'''

NAIVE = '''import numpy as np


def log_softmax(x, axis=-1):
    e = np.exp(x)
    return np.log(e / e.sum(axis=axis, keepdims=True))
'''

WRONG_AXIS = LOG_SOFTMAX.replace("def log_softmax(x, axis=-1):\n",
                                 "def log_softmax(x, axis=-1):\n    axis = 0\n")
AXIS_ONE = LOG_SOFTMAX.replace("def log_softmax(x, axis=-1):\n",
                               "def log_softmax(x, axis=-1):\n    axis = 1\n")
LOG_OF_SHIFTED = LOG_SOFTMAX.replace("return x - m - np.log", "return x - np.log")
GLOBAL_MAX = LOG_SOFTMAX.replace("m = x.max(axis=axis, keepdims=True) ", "m = x.max() ")


def log_softmax_cases(rng: Any) -> list[Case]:
    import numpy as np
    import torch

    def case(en: str, zh: str, x: Any, axis: int) -> Case:
        out = torch.log_softmax(torch.tensor(x), dim=axis).numpy()
        return Case(en, zh, {"x": x, "axis": axis}, (out,), rtol=1e-9, atol=1e-9)

    n, c = int(rng.integers(3, 7)), int(rng.integers(4, 9))
    return [
        case(f"random ({n}, {c}), axis=-1", f"随机 ({n}, {c})，axis=-1", rng.normal(size=(n, c)), -1),
        case(f"random ({n}, {c}, 3), axis=1", f"随机 ({n}, {c}, 3)，axis=1",
             rng.normal(size=(n, c, 3)), 1),
        case("one row, large values (1e4)", "一行、很大的值（1e4）", rng.normal(size=(1, c)) * 1e4, -1),
        case("very negative values (−1e4)", "非常负的值（−1e4）",
             -1e4 + rng.normal(size=(n, c)), -1),
        # one max for the whole array underflows every row far below it: shift per row
        case(f"rows thousands apart (offsets 0, ±5000), ({n}, {c})",
             f"相距数千的行（偏移 0、±5000），({n}, {c})",
             rng.permutation(np.resize([0.0, 5000.0, -5000.0], n))[:, None]
             + rng.normal(size=(n, c)), -1),
        # every other case is along axis 1 (the last of a matrix, or the middle of three):
        # a solution that ignores `axis` for axis 1 must not pass
        case(f"random ({c}, {n}), axis=0", f"随机 ({c}, {n})，axis=0", rng.normal(size=(c, n)), 0),
    ]


register(Task(
    name="log_softmax", cases_version=2, function="log_softmax", outputs=("out",), stub=LOG_SOFTMAX_STUB,
    solution=LOG_SOFTMAX, build=log_softmax_cases,
    mistakes=(
        Mistake("global_max", "the shift was one max over the whole array: a row far below it "
                "underflows to log 0; subtract each row's own max (along `axis`)",
                "平移用了整个数组的一个最大值：远低于它的行会下溢成 log 0；应减去每一行（沿 `axis`）"
                "自己的最大值", GLOBAL_MAX),
        Mistake("naive", "log(exp(x)/Σexp(x)) overflows to inf/NaN (or log 0): use x − m − log Σ exp(x − m)",
                "log(exp(x)/Σexp(x)) 会溢出成 inf/NaN（或 log 0）：应写成 x − m − log Σ exp(x − m)",
                NAIVE),
        Mistake("wrong_axis", "normalised along the wrong axis", "沿错误的轴做了归一化", WRONG_AXIS),
        Mistake("axis_one", "the normalisation ran along axis 1 whatever `axis` says",
                "无论 `axis` 是什么，都沿第 1 轴做了归一化", AXIS_ONE),
        Mistake("lost_max", "the shift m was subtracted inside the log but not added back",
                "在 log 里减去了 m，却没有在外面减回来", LOG_OF_SHIFTED),
    )))
