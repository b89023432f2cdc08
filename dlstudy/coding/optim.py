"""One step of SGD with momentum and weight decay, of Adam (L2 in the gradient) and of AdamW."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

SGD_STUB = '''import numpy as np


def sgd_step(param, grad, buf, lr, momentum, weight_decay):
    """One step of torch.optim.SGD(lr=lr, momentum=momentum, weight_decay=weight_decay)
    (dampening 0, no Nesterov).

    param, grad: float64 arrays of one shape. buf: the momentum buffer from the previous step,
    or None before the first step. Weight decay is L2 in the gradient: g = grad + wd·param.
    PyTorch's momentum: buf = g on the first step, else buf = momentum·buf + g; then
    param = param − lr·buf.
    Returns (new_param, new_buf); do not modify the inputs.
    """
    ...
'''

SGD = '''import numpy as np


def sgd_step(param, grad, buf, lr, momentum, weight_decay):
    g = grad + weight_decay * param                 # L2 enters the gradient
    buf = g.copy() if buf is None else momentum * buf + g
    return param - lr * buf, buf
'''

SGD_EMA = SGD.replace("momentum * buf + g", "momentum * buf + (1 - momentum) * g")
SGD_KERAS = '''import numpy as np


def sgd_step(param, grad, buf, lr, momentum, weight_decay):
    g = grad + weight_decay * param
    v = np.zeros_like(param) if buf is None else buf
    v = momentum * v - lr * g                       # Keras/TF: the velocity holds lr·g
    return param + v, v
'''
SGD_DECAY_OUTSIDE = '''import numpy as np


def sgd_step(param, grad, buf, lr, momentum, weight_decay):
    buf = grad.copy() if buf is None else momentum * buf + grad
    return param - lr * (buf + weight_decay * param), buf
'''


def sgd_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, shape: tuple[int, ...], first: bool) -> Case:
        param, grad = rng.normal(size=shape), rng.normal(size=shape)
        buf = None if first else rng.normal(size=shape)
        lr, momentum, wd = (float(value) for value in next(settings))
        p = torch.tensor(param, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum, weight_decay=wd)
        if buf is not None:
            opt.state[p]["momentum_buffer"] = torch.tensor(buf)
        p.grad = torch.tensor(grad)
        opt.step()
        return Case(en, zh, {"param": param, "grad": grad, "buf": buf, "lr": lr,
                             "momentum": momentum, "weight_decay": wd},
                    (p.detach().numpy(), opt.state[p]["momentum_buffer"].numpy()),
                    rtol=1e-9, atol=1e-12)

    # each hyperparameter differs from case to case (momentum between the two later steps, the
    # only ones it enters): one written in place of its argument, say momentum = 0.9, fails
    settings = iter(zip(rng.permutation([0.01, 0.1, 0.5]), rng.permutation([0.5, 0.9, 0.99]),
                        rng.permutation([1e-4, 1e-2, 0.1])))
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    return [case("a later step (buffer given)", "后续的一步（已有缓冲）", shape, False),
            case("the first step (buf is None)", "第一步（buf 为 None）", shape, True),
            case("a later step, a vector", "后续的一步，向量", (int(rng.integers(1, 8)),), False)]


register(Task(
    name="sgd_momentum", cases_version=2, function="sgd_step", outputs=("new_param", "new_buf"), stub=SGD_STUB,
    solution=SGD, build=sgd_cases, keeps_inputs=True,
    mistakes=(
        Mistake("ema_momentum", "the buffer was an average, m·buf + (1 − m)·g (dampening); "
                "PyTorch's default adds the whole gradient: m·buf + g",
                "缓冲用了滑动平均 m·buf + (1 − m)·g（dampening）；PyTorch 默认加上整个梯度：m·buf + g",
                SGD_EMA),
        Mistake("keras_momentum", "Keras's convention (v = m·v − lr·g; p += v) keeps lr inside the "
                "buffer; PyTorch's buffer holds gradients and lr multiplies it",
                "用了 Keras 的约定（v = m·v − lr·g；p += v），学习率在缓冲里；PyTorch 的缓冲存梯度，"
                "学习率乘在外面", SGD_KERAS),
        Mistake("decay_outside", "weight decay in torch.optim.SGD is L2 added to the gradient "
                "before momentum, not added to the step after it",
                "torch.optim.SGD 的权重衰减是在动量之前加进梯度的 L2，不是在动量之后加到步长上",
                SGD_DECAY_OUTSIDE),
    )))


ADAM_STUB = '''import numpy as np


def {name}(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """One step of torch.optim.{cls}(lr, betas=(beta1, beta2), eps, weight_decay).

    param, grad, m, v: float64 arrays of one shape (m, v: the first and second moment
    estimates after step t − 1; zeros before the first step). t: this step's number (1, 2, …).
    {decay}
    Returns (new_param, new_m, new_v); do not modify the inputs.
    """
    ...
'''

ADAM = '''import numpy as np


def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    g = grad + weight_decay * param                   # Adam: L2 enters the gradient
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)                       # bias correction
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
'''

ADAM_NO_CORRECTION = ADAM.replace("m_hat = m / (1 - beta1 ** t) ", "m_hat = m ") \
    .replace("v_hat = v / (1 - beta2 ** t)", "v_hat = v")
ADAM_EPS_INSIDE = ADAM.replace("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)")
ADAM_DECOUPLED = '''import numpy as np


def adam_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    param = param * (1 - lr * weight_decay)            # AdamW's decay: not what Adam does
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
'''

ADAMW = ADAM_DECOUPLED.replace("def adam_step", "def adamw_step") \
    .replace("# AdamW's decay: not what Adam does", "# decoupled: shrink, outside the moments")
ADAMW_L2 = ADAM.replace("def adam_step", "def adamw_step")
ADAMW_NO_LR = ADAMW.replace("param = param * (1 - lr * weight_decay)",
                            "param = param * (1 - weight_decay)")
ADAMW_AFTER = '''import numpy as np


def adamw_step(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    new = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new - lr * weight_decay * new, m, v
'''


def _adam_cases(rng: Any, decoupled: bool) -> list[Case]:
    import numpy as np
    import torch

    def case(en: str, zh: str, shape: tuple[int, ...], t: int, grad_scale: float,
             decay: bool = True) -> Case:
        param, grad = rng.normal(size=shape), rng.normal(size=shape) * grad_scale
        if t == 1:
            m, v = np.zeros(shape), np.zeros(shape)
        else:
            m, v = rng.normal(size=shape) * 0.1, rng.random(size=shape) * 0.01
        # lr of 1e-2 and up: a step small next to the weights would hide errors in it
        lr, wd, beta1, beta2, eps = (float(value) for value in next(settings))
        wd = wd if decay else 0.0
        p = torch.tensor(param, requires_grad=True)
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        opt = cls([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=wd)
        p.grad = torch.tensor(grad)
        if t > 1:
            opt.state[p] = {"step": torch.tensor(float(t - 1)), "exp_avg": torch.tensor(m),
                            "exp_avg_sq": torch.tensor(v)}
        opt.step()
        state = opt.state[p]
        return Case(en, zh, {"param": param, "grad": grad, "m": m, "v": v, "t": t, "lr": lr,
                             "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": wd},
                    (p.detach().numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()),
                    rtol=1e-8, atol=1e-12)

    # each hyperparameter differs from case to case (weight decay between the two cases that
    # decay): one written in place of its argument, say beta2 = 0.999, fails
    settings = iter(zip(rng.permutation([1e-2, 0.05, 0.1]), rng.permutation([1e-2, 0.1, 0.5]),
                        rng.permutation([0.9, 0.8, 0.95]), rng.permutation([0.999, 0.99, 0.9]),
                        rng.permutation([1e-8, 1e-3, 1e-6])))
    shape = (int(rng.integers(2, 6)), int(rng.integers(2, 6)))
    t = int(rng.integers(2, 50))
    return [case(f"step t={t}", f"第 t={t} 步", shape, t, 1.0),
            case("the first step, t=1 (moments are zeros)", "第一步 t=1（矩为零）", shape, 1, 1.0),
            case("the first step, tiny gradients (1e-4), no decay", "第一步，很小的梯度（1e-4），无衰减",
                 shape, 1, 1e-4, decay=False)]


def adam_cases(rng: Any) -> list[Case]:
    return _adam_cases(rng, False)


def adamw_cases(rng: Any) -> list[Case]:
    return _adam_cases(rng, True)


register(Task(
    name="adam_step", cases_version=2, function="adam_step", outputs=("new_param", "new_m", "new_v"),
    stub=ADAM_STUB.format(name="adam_step", cls="Adam", decay=(
        "Weight decay in Adam is L2 in the gradient: g = grad + weight_decay·param.")),
    solution=ADAM, build=adam_cases, keeps_inputs=True,
    mistakes=(
        Mistake("no_bias_correction", "the moments were not bias-corrected: divide m by 1 − β₁ᵗ "
                "and v by 1 − β₂ᵗ", "矩估计没有做偏差校正：m 除以 1 − β₁ᵗ，v 除以 1 − β₂ᵗ",
                ADAM_NO_CORRECTION),
        Mistake("eps_inside", "ε is added to √v̂, outside the square root",
                "ε 加在 √v̂ 上，在平方根之外", ADAM_EPS_INSIDE),
        Mistake("decoupled", "this is AdamW's decoupled decay; torch.optim.Adam adds "
                "weight_decay·param to the gradient", "这是 AdamW 的解耦衰减；torch.optim.Adam 把 "
                "weight_decay·param 加到梯度上", ADAM_DECOUPLED),
    )))

register(Task(
    name="adamw_step", cases_version=2, function="adamw_step", outputs=("new_param", "new_m", "new_v"),
    stub=ADAM_STUB.format(name="adamw_step", cls="AdamW", decay=(
        "AdamW decouples the decay: param ← param·(1 − lr·weight_decay) first, then the Adam\n"
        "    step on the raw gradient.")),
    solution=ADAMW, build=adamw_cases, keeps_inputs=True,
    mistakes=(
        Mistake("l2", "weight decay was added to the gradient (Adam + L2); AdamW shrinks the "
                "weights directly, outside the moments", "把权重衰减加进了梯度（Adam + L2）；AdamW "
                "在矩估计之外直接缩小权重", ADAMW_L2),
        Mistake("no_lr", "AdamW's decay is multiplied by the learning rate: param·(1 − lr·λ)",
                "AdamW 的衰减要乘以学习率：param·(1 − lr·λ)", ADAMW_NO_LR),
        Mistake("decay_after", "PyTorch decays the old weights before the Adam step, not the "
                "updated ones", "PyTorch 在 Adam 更新之前衰减旧权重，而不是衰减更新后的权重",
                ADAMW_AFTER),
    )))
