"""Inverted dropout (forward and backward) and gradient clipping by the global norm."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

DROPOUT_STUB = '''import numpy as np


def dropout(x, dout, p, u, train):
    """Inverted dropout, as torch.nn.Dropout(p): forward and backward.

    x: (N, D) float64 input; dout: (N, D) the gradient of the loss w.r.t. the output.
    p: the probability of DROPPING an element (0 <= p < 1).
    u: (N, D) uniform draws in [0, 1): element i is dropped where u[i] < p, kept otherwise.
    train: True in training; False in evaluation (model.eval()).
    Returns (out, dx): the output and ∂loss/∂x, both (N, D).
    """
    ...
'''

DROPOUT = '''import numpy as np


def dropout(x, dout, p, u, train):
    if not train:
        return x.copy(), dout.copy()             # inverted dropout: nothing to do at test time
    keep = (u >= p) / (1.0 - p)                  # scale the survivors by 1/(1 − p) now
    return x * keep, dout * keep
'''

NOT_INVERTED = '''import numpy as np


def dropout(x, dout, p, u, train):
    if not train:
        return x * (1.0 - p), dout * (1.0 - p)   # classic dropout: scale at test time
    keep = (u >= p).astype(float)
    return x * keep, dout * keep
'''

P_IS_KEEP = DROPOUT.replace("keep = (u >= p) / (1.0 - p)", "keep = (u < p) / p")
SCALE_BY_P = DROPOUT.replace("keep = (u >= p) / (1.0 - p)", "keep = (u >= p) / p")
NO_BACKWARD_MASK = DROPOUT.replace("return x * keep, dout * keep", "return x * keep, dout.copy()")


def dropout_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, n: int, d: int, p: float, train: bool) -> Case:
        x, dout, u = rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.random(size=(n, d))
        xt = torch.tensor(x, requires_grad=True)
        layer = torch.nn.Dropout(p)
        layer.train(train)
        if train:  # the real module's rule, with these draws standing in for its RNG
            mask = torch.tensor(u >= p, dtype=torch.float64)
            out = xt * mask / (1 - p)
        else:
            out = layer(xt)
        out.backward(torch.tensor(dout))
        return Case(en, zh, {"x": x, "dout": dout, "p": p, "u": u, "train": train},
                    (out.detach().numpy(), xt.grad.numpy()), rtol=1e-9, atol=1e-12)  # type: ignore[union-attr]

    n, d = int(rng.integers(3, 8)), int(rng.integers(4, 10))
    # never 0.5 here (the batch of one has it): at p = 0.5, 1/p and 1/(1 − p) are the same
    p = float(rng.choice([0.1, 0.25, 0.4]))
    return [case(f"training, p={p}, ({n}, {d})", f"训练，p={p}，({n}, {d})", n, d, p, True),
            case(f"evaluation, p={p}", f"评估模式，p={p}", n, d, p, False),
            case("a batch of one, training, p=0.5", "批大小为 1，训练，p=0.5", 1, d, 0.5, True)]


register(Task(
    name="dropout", cases_version=2, function="dropout", outputs=("out", "dx"), stub=DROPOUT_STUB,
    solution=DROPOUT, build=dropout_cases,
    mistakes=(
        Mistake("not_inverted", "classic (non-inverted) dropout: PyTorch scales the kept units by "
                "1/(1 − p) during training and does nothing in evaluation",
                "经典（非倒置）dropout：PyTorch 在训练时把保留的单元乘以 1/(1 − p)，评估时什么也不做",
                NOT_INVERTED),
        Mistake("p_is_keep", "p is the probability of dropping, not of keeping",
                "p 是丢弃的概率，不是保留的概率", P_IS_KEEP),
        Mistake("scale_by_p", "the survivors are scaled by 1/(1 − p), one over the probability "
                "of keeping, not 1/p", "保留的单元乘以 1/(1 − p)，即保留概率的倒数，不是 1/p", SCALE_BY_P),
        Mistake("no_backward_mask", "the backward pass must apply the same mask and scale as the forward",
                "反向传播必须使用与前向相同的掩码和缩放", NO_BACKWARD_MASK),
    )))


CLIP_STUB = '''import numpy as np


def clip_grad_norm(grads, max_norm):
    """Clip gradients by their global L2 norm, as torch.nn.utils.clip_grad_norm_.

    grads: a list of float64 arrays (one per parameter, any shapes); max_norm: a float > 0.
    Returns (clipped, total_norm): clipped a list of arrays of the same shapes, each grad
    scaled by min(1, max_norm / (total_norm + 1e-6)); total_norm the norm before clipping.
    """
    ...
'''

CLIP = '''import numpy as np


def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum((g ** 2).sum() for g in grads))     # one norm over all parameters
    scale = min(1.0, max_norm / (total + 1e-6))              # never scales up
    return [g * scale for g in grads], total
'''

PER_TENSOR = '''import numpy as np


def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum((g ** 2).sum() for g in grads))
    out = []
    for g in grads:
        norm = np.sqrt((g ** 2).sum())
        out.append(g * min(1.0, max_norm / (norm + 1e-6)))
    return out, total
'''

BY_VALUE = '''import numpy as np


def clip_grad_norm(grads, max_norm):
    total = np.sqrt(sum((g ** 2).sum() for g in grads))
    return [np.clip(g, -max_norm, max_norm) for g in grads], total
'''

ALWAYS_RESCALE = CLIP.replace("scale = min(1.0, max_norm / (total + 1e-6))",
                              "scale = max_norm / (total + 1e-6)")


def clip_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, shapes: list[tuple[int, ...]], scale: float, max_norm: float) -> Case:
        grads = [rng.normal(size=s) * scale for s in shapes]
        params = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
        for param, g in zip(params, grads):
            param.grad = torch.tensor(g)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm)
        clipped = [param.grad.numpy() for param in params]  # type: ignore[union-attr]
        return Case(en, zh, {"grads": grads, "max_norm": max_norm}, (clipped, total.item()),
                    rtol=1e-9, atol=1e-12)

    shapes = [(int(rng.integers(2, 6)), int(rng.integers(2, 6))), (int(rng.integers(2, 6)),),
              (int(rng.integers(1, 4)), 3, 3)]
    return [case("three tensors, total norm above max_norm", "三个张量，总范数大于 max_norm",
                 shapes, 3.0, 1.0),
            case("one large and one tiny tensor", "一个很大的和一个很小的张量",
                 [(4, 4), (3,)], 1.0, 2.0),
            case("total norm below max_norm: unchanged", "总范数小于 max_norm：不变", shapes, 0.01, 5.0)]


register(Task(
    name="clip_grad_norm", function="clip_grad_norm", outputs=("clipped", "total_norm"),
    stub=CLIP_STUB, solution=CLIP, build=clip_cases,
    mistakes=(
        Mistake("per_tensor", "each tensor was clipped by its own norm: the norm is one, over all "
                "parameters together", "每个张量按自己的范数裁剪：范数应是所有参数合起来的一个", PER_TENSOR),
        Mistake("by_value", "clipping by value (each element into ±max_norm) is not clipping by norm: "
                "it changes the gradient's direction", "按值裁剪（每个元素截到 ±max_norm）不是按范数裁剪："
                "它改变了梯度方向", BY_VALUE),
        Mistake("always_rescale", "a gradient already within max_norm must be left alone: the "
                "factor is min(1, max_norm/‖g‖)", "范数已在 max_norm 以内的梯度不应改变：系数是 "
                "min(1, max_norm/‖g‖)", ALWAYS_RESCALE),
    )))
