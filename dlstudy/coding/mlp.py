"""A two-layer network's forward and backward pass in NumPy."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

STUB = '''import numpy as np


def mlp_forward_backward(x, y, W1, b1, W2, b2):
    """Two-layer net: h = relu(x @ W1 + b1); scores = h @ W2 + b2; loss = mean softmax
    cross-entropy of scores against y. Forward and backward by hand (no autograd).

    x: (N, D) float64, y: (N,) int in 0..C-1, W1: (D, H), b1: (H,), W2: (H, C), b2: (C,).
    x may be large (scores in the thousands): the softmax must not overflow.
    Returns (loss, dW1, db1, dW2, db2): loss a float, each gradient the shape of its parameter.
    """
    ...
'''

SOLUTION = '''import numpy as np


def mlp_forward_backward(x, y, W1, b1, W2, b2):
    n = x.shape[0]
    z = x @ W1 + b1
    h = np.maximum(z, 0.0)
    s = h @ W2 + b2
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))   # not log(p): p may underflow
    loss = -log_p[np.arange(n), y].mean()
    p = np.exp(log_p)
    ds = p.copy()
    ds[np.arange(n), y] -= 1.0
    ds /= n                                   # the loss is a mean over the batch
    dW2, db2 = h.T @ ds, ds.sum(axis=0)
    dz = (ds @ W2.T) * (z > 0)                # ReLU passes gradient only where z > 0
    dW1, db1 = x.T @ dz, dz.sum(axis=0)
    return loss, dW1, db1, dW2, db2
'''

NO_MEAN = SOLUTION.replace("    ds /= n ", "    ds /= 1 ")
NO_RELU_GRAD = SOLUTION.replace("dz = (ds @ W2.T) * (z > 0)", "dz = (ds @ W2.T)")
UNSTABLE = SOLUTION.replace("    s = s - s.max(axis=1, keepdims=True)\n", "")
LOG_OF_PROBS = SOLUTION.replace('''    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))   # not log(p): p may underflow
    loss = -log_p[np.arange(n), y].mean()
    p = np.exp(log_p)
''', '''    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).mean()            # p underflows to 0: log 0
''')
BIAS_MEAN = SOLUTION.replace("db2 = h.T @ ds, ds.sum(axis=0)", "db2 = h.T @ ds, ds.mean(axis=0)") \
    .replace("db1 = x.T @ dz, dz.sum(axis=0)", "db1 = x.T @ dz, dz.mean(axis=0)")


def cases(rng: Any) -> list[Case]:
    import numpy as np
    import torch

    def case(en: str, zh: str, n: int, d: int, h: int, c: int, large: bool = False) -> Case:
        args = {"x": rng.normal(size=(n, d)) * (3000.0 if large else 1.0), "y": rng.integers(0, c, size=n),
                "W1": rng.normal(size=(d, h)) / d ** 0.5, "b1": rng.normal(size=h) * 0.1,
                "W2": rng.normal(size=(h, c)) / h ** 0.5, "b2": rng.normal(size=c) * 0.1}
        if large:  # every score above 1000 (exp overflows unshifted); each label the row's lowest
            # score, thousands below its max (the log of the probability is log 0)
            args["b2"] += 1000.0
            hidden = np.maximum(args["x"] @ args["W1"] + args["b1"], 0.0)
            args["y"] = (hidden @ args["W2"] + args["b2"]).argmin(axis=1)
        params = {k: torch.tensor(args[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2")}
        net_h = torch.relu(torch.tensor(args["x"]) @ params["W1"] + params["b1"])
        loss = torch.nn.functional.cross_entropy(net_h @ params["W2"] + params["b2"],
                                                 torch.tensor(args["y"]))
        loss.backward()
        grads = tuple(params[k].grad.numpy() for k in ("W1", "b1", "W2", "b2"))  # type: ignore[union-attr]
        return Case(en, zh, args, (loss.item(), *grads), rtol=1e-6, atol=1e-9)

    n, d, h, c = (int(rng.integers(lo, hi)) for lo, hi in ((4, 9), (3, 7), (4, 9), (3, 6)))
    return [case(f"N={n}, D={d}, H={h}, C={c}", f"N={n}，D={d}，H={h}，C={c}", n, d, h, c),
            case(f"a batch of one, D={d}, H={h}, C={c}", f"批大小为 1，D={d}，H={h}，C={c}", 1, d, h, c),
            case(f"large inputs (x of scale 3000, scores above 1000), N={n}",
                 f"很大的输入（x 量级 3000，分数都高于 1000），N={n}", n, d, h, c, large=True)]


register(Task(
    name="mlp_two_layer", cases_version=2, function="mlp_forward_backward",
    outputs=("loss", "dW1", "db1", "dW2", "db2"), stub=STUB, solution=SOLUTION, build=cases,
    mistakes=(
        Mistake("no_mean", "the gradients are not divided by N (the loss is a mean over the batch)",
                "梯度没有除以 N（损失是对批次取的平均）", NO_MEAN),
        Mistake("no_relu_grad", "the gradient flows through the ReLU where z ≤ 0: multiply by (z > 0)",
                "ReLU 在 z ≤ 0 处也传了梯度：要乘以 (z > 0)", NO_RELU_GRAD),
        Mistake("log_of_probs", "the loss took the log of the softmax probabilities, which "
                "underflow to 0 for a label far below its row's max: use log p = s − log Σ exp(s) "
                "(s shifted by the row's max)", "损失对 softmax 概率取了对数：标签的分数远低于该行最大值时"
                "概率下溢为 0；应使用 log p = s − log Σ exp(s)（s 已减去该行最大值）", LOG_OF_PROBS),
        Mistake("unstable", "exp of unshifted scores overflows: subtract each row's max first",
                "未平移的分数取 exp 会溢出：先减去每行的最大值", UNSTABLE),
        Mistake("bias_mean", "a bias gradient is the sum over the batch, not the mean",
                "偏置的梯度是对批次求和，不是取平均", BIAS_MEAN),
    )))
