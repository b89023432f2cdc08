"""BatchNorm in training (forward with running statistics, and backward); LayerNorm backward."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

BN_FORWARD_STUB = '''import numpy as np


def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """torch.nn.BatchNorm1d(D) in training mode, one forward pass.

    x: (N, D) float64 (N >= 2); gamma, beta, running_mean, running_var: (D,).
    Normalise each feature with the batch's mean and variance, then scale and shift.
    Update the running statistics with PyTorch's convention:
        running = (1 − momentum) · running + momentum · batch_statistic
    Returns (out, new_running_mean, new_running_var); do not modify the inputs.
    """
    ...
'''

BN_FORWARD = '''import numpy as np


def batchnorm_train_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)                                  # biased (÷N): what normalises
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    new_mean = (1 - momentum) * running_mean + momentum * mean
    new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)   # unbiased (÷N−1)
    return out, new_mean, new_var
'''

UNBIASED_NORM = BN_FORWARD.replace("var = x.var(axis=0) ", "var = x.var(axis=0, ddof=1) ") \
    .replace("momentum * var * n / (n - 1)", "momentum * var")
BIASED_RUNNING = BN_FORWARD.replace("momentum * var * n / (n - 1)", "momentum * var")
KERAS_MOMENTUM = BN_FORWARD.replace("new_mean = (1 - momentum) * running_mean + momentum * mean",
                                    "new_mean = momentum * running_mean + (1 - momentum) * mean") \
    .replace("new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)",
             "new_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)")


def bn_forward_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, n: int, d: int, scale: float, momentum: float,
             eps: float = 1e-5) -> Case:
        x = rng.normal(size=(n, d)) * scale + rng.normal(size=d)
        gamma, beta = rng.normal(size=d), rng.normal(size=d)
        rm, rv = rng.normal(size=d), rng.random(size=d) + 0.5
        bn = torch.nn.BatchNorm1d(d, eps=eps, momentum=momentum, dtype=torch.float64)
        running_mean, running_var = bn.running_mean, bn.running_var
        assert running_mean is not None and running_var is not None
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(gamma))
            bn.bias.copy_(torch.tensor(beta))
            running_mean.copy_(torch.tensor(rm))
            running_var.copy_(torch.tensor(rv))
            bn.train()
            out = bn(torch.tensor(x))
        args = {"x": x, "gamma": gamma, "beta": beta, "running_mean": rm, "running_var": rv,
                "momentum": momentum, **({"eps": eps} if eps != 1e-5 else {})}
        return Case(en, zh, args,
                    (out.numpy(), running_mean.numpy(), running_var.numpy()),
                    rtol=1e-7, atol=1e-9)

    n, d = int(rng.integers(4, 12)), int(rng.integers(2, 6))
    return [case(f"N={n}, D={d}, momentum=0.1", f"N={n}，D={d}，momentum=0.1", n, d, 2.0, 0.1),
            # eps given (0.01): a solution that ignores the argument must not pass
            case("the smallest batch, N=2, momentum=0.3, eps=0.01", "最小的批，N=2，momentum=0.3，eps=0.01",
                 2, d, 1.0, 0.3, 1e-2),
            case(f"N={n}, features of scale 100", f"N={n}，特征量级 100", n, d, 100.0, 0.1)]


register(Task(
    name="batchnorm_forward", cases_version=2, function="batchnorm_train_forward",
    outputs=("out", "new_running_mean", "new_running_var"), stub=BN_FORWARD_STUB,
    solution=BN_FORWARD, build=bn_forward_cases, keeps_inputs=True,
    mistakes=(
        Mistake("unbiased_normalisation", "normalised with the unbiased variance (÷N−1); "
                "training mode normalises with the biased one (÷N)",
                "用无偏方差（÷N−1）做了归一化；训练模式用的是有偏方差（÷N）", UNBIASED_NORM),
        Mistake("biased_running", "the running variance stores the unbiased variance (÷N−1) in "
                "PyTorch, not the biased one", "PyTorch 的 running_var 记录的是无偏方差（÷N−1），"
                "不是有偏方差", BIASED_RUNNING),
        Mistake("keras_momentum", "Keras's momentum convention (running = m·running + (1−m)·batch); "
                "PyTorch's momentum weighs the new batch: (1−m)·running + m·batch",
                "用了 Keras 的动量约定（running = m·running + (1−m)·batch）；PyTorch 的 momentum 是新批次的"
                "权重：(1−m)·running + m·batch", KERAS_MOMENTUM),
    )))


BN_BACKWARD_STUB = '''import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    """The backward pass of BatchNorm in training mode, over a (N, D) batch.

    Forward was: mu = mean(x, axis 0); var = biased variance (÷N) along axis 0;
    xhat = (x − mu)/sqrt(var + eps); out = gamma·xhat + beta. mu and var depend on x.
    dout: (N, D) = ∂loss/∂out; x: (N, D) float64; gamma: (D,).
    Returns (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,).
    """
    ...
'''

BN_BACKWARD = '''import numpy as np


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    inv = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    # the mean and the variance depend on every row: two correction terms
    dx = inv / n * (n * dxhat - dxhat.sum(axis=0)
                    - xhat * (dxhat * xhat).sum(axis=0))
    return dx, dgamma, dbeta
'''

STATS_CONSTANT = BN_BACKWARD.replace(
    """dx = inv / n * (n * dxhat - dxhat.sum(axis=0)
                    - xhat * (dxhat * xhat).sum(axis=0))""",
    "dx = dxhat * inv")
BN_UNBIASED = BN_BACKWARD.replace("mu, var = x.mean(axis=0), x.var(axis=0)",
                                  "mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)")
MEAN_ONLY = BN_BACKWARD.replace(
    """dx = inv / n * (n * dxhat - dxhat.sum(axis=0)
                    - xhat * (dxhat * xhat).sum(axis=0))""",
    "dx = inv / n * (n * dxhat - dxhat.sum(axis=0))")


def _norm_backward_case(rng: Any, en: str, zh: str, n: int, d: int, scale: float,
                        layer: bool, eps: float = 1e-5) -> Case:
    import torch

    x = rng.normal(size=(n, d)) * scale + rng.normal(size=d)
    dout, gamma, beta = rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=d)
    xt = torch.tensor(x, requires_grad=True)
    gt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    if layer:
        out = torch.nn.functional.layer_norm(xt, (d,), gt, bt, eps=eps)
    else:
        out = torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    out.backward(torch.tensor(dout))
    grads = (xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy())  # type: ignore[union-attr]
    args = {"dout": dout, "x": x, "gamma": gamma, **({"eps": eps} if eps != 1e-5 else {})}
    return Case(en, zh, args, grads, rtol=1e-6, atol=1e-9)


def bn_backward_cases(rng: Any) -> list[Case]:
    n, d = int(rng.integers(4, 12)), int(rng.integers(2, 6))
    return [_norm_backward_case(rng, f"N={n}, D={d}", f"N={n}，D={d}", n, d, 1.0, False),
            _norm_backward_case(rng, f"the smallest batch, N=2, D={d}, eps=0.01",
                                f"最小的批，N=2，D={d}，eps=0.01", 2, d, 1.0, False, 1e-2),
            _norm_backward_case(rng, f"N={n}, features of scale 50", f"N={n}，特征量级 50", n, d,
                                50.0, False)]


register(Task(
    name="batchnorm_backward", cases_version=2, function="batchnorm_backward", outputs=("dx", "dgamma", "dbeta"),
    stub=BN_BACKWARD_STUB, solution=BN_BACKWARD, build=bn_backward_cases,
    mistakes=(
        Mistake("stats_constant", "the batch mean and variance were treated as constants: they "
                "depend on x, which adds two terms to dx", "把批均值和方差当成了常数：它们依赖 x，"
                "dx 因此多出两项", STATS_CONSTANT),
        Mistake("unbiased", "training-mode BatchNorm normalises with the biased variance (÷N)",
                "训练模式的 BatchNorm 用有偏方差（÷N）归一化", BN_UNBIASED),
        Mistake("mean_only", "the term from the variance's dependence on x is missing",
                "缺少方差对 x 的依赖带来的那一项", MEAN_ONLY),
    )))


LN_BACKWARD_STUB = '''import numpy as np


def layernorm_backward(dout, x, gamma, eps=1e-5):
    """The backward pass of LayerNorm over the last axis of a (N, D) input.

    Forward was (per row): mu = mean(x[i]); var = biased variance of x[i] (÷D);
    xhat = (x − mu)/sqrt(var + eps); out = gamma·xhat + beta (gamma, beta: (D,)).
    dout: (N, D) = ∂loss/∂out. Returns (dx, dgamma, dbeta) of shapes (N, D), (D,), (D,).
    """
    ...
'''

LN_BACKWARD = '''import numpy as np


def layernorm_backward(dout, x, gamma, eps=1e-5):
    d = x.shape[1]
    mu, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)   # per row
    inv = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv
    dbeta = dout.sum(axis=0)                         # gamma and beta are shared by the rows
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = inv / d * (d * dxhat - dxhat.sum(axis=1, keepdims=True)
                    - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta
'''

LN_AS_BN = BN_BACKWARD.replace("def batchnorm_backward", "def layernorm_backward")
LN_CONSTANT = LN_BACKWARD.replace('''    dx = inv / d * (d * dxhat - dxhat.sum(axis=1, keepdims=True)
                    - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))''', "    dx = dxhat * inv")
LN_GAMMA_PER_ROW = LN_BACKWARD.replace("dgamma = (dout * xhat).sum(axis=0)",
                                       "dgamma = (dout * xhat).mean(axis=0)") \
    .replace("dbeta = dout.sum(axis=0) ", "dbeta = dout.mean(axis=0) ")


def ln_backward_cases(rng: Any) -> list[Case]:
    n, d = int(rng.integers(3, 9)), int(rng.integers(3, 9))
    return [_norm_backward_case(rng, f"N={n}, D={d}", f"N={n}，D={d}", n, d, 1.0, True),
            _norm_backward_case(rng, f"a batch of one, D={d}, eps=0.01", f"批大小为 1，D={d}，eps=0.01",
                                1, d, 1.0, True, 1e-2),
            _norm_backward_case(rng, f"N={n}, values of scale 50", f"N={n}，数值量级 50", n, d,
                                50.0, True)]


register(Task(
    name="layernorm_backward", cases_version=2, function="layernorm_backward", outputs=("dx", "dgamma", "dbeta"),
    stub=LN_BACKWARD_STUB, solution=LN_BACKWARD, build=ln_backward_cases,
    mistakes=(
        Mistake("batch_axis", "the statistics were taken over the batch (axis 0, BatchNorm); "
                "LayerNorm normalises each row over its features (axis 1)",
                "统计量是沿批次（第 0 轴，BatchNorm）算的；LayerNorm 对每一行沿特征（第 1 轴）归一化",
                LN_AS_BN),
        Mistake("stats_constant", "the row's mean and variance were treated as constants: they "
                "depend on x", "把每行的均值和方差当成了常数：它们依赖 x", LN_CONSTANT),
        Mistake("param_mean", "gamma and beta are shared by every row: their gradients are sums "
                "over the batch, not means", "gamma 和 beta 由所有行共享：梯度是对批次求和，不是平均",
                LN_GAMMA_PER_ROW),
    )))
