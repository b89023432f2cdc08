"""Loss gradients by autograd (softmax cross-entropy, BCE with logits) and the KL of two Gaussians."""

from __future__ import annotations

import math
import random

from dlstudy.exercises import ATOL, RTOL, Drawing, Exercise, generator, o, r, text


def _logits(rng: random.Random, count: int) -> list[float]:
    return [rng.choice([-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3]) for _ in range(count)]


def _vector(values: list[float] | list[int] | list[str]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


@generator("loss_softmax_ce_grad")
def softmax_ce_grad(rng: random.Random) -> Drawing:
    classes = rng.randint(3, 5)
    z = _logits(rng, classes)
    target = rng.randrange(classes)
    j = target if rng.random() < 0.4 else rng.randrange(classes)
    prompt = text(f"Logits z = {_vector(z)} for one example whose target class is {target} "
                  f"(classes counted from 0). For L = F.cross_entropy(z, {target}), what is "
                  f"∂L/∂z_{j}? (3 significant figures)",
                  f"一个样本的 logits 为 z = {_vector(z)}，目标类别是 {target}（类别从 0 开始数）。"
                  f"对 L = F.cross_entropy(z, {target})，∂L/∂z_{j} 是多少？（3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    logits = torch.tensor([z], dtype=torch.float64, requires_grad=True)
    F.cross_entropy(logits, torch.tensor([target])).backward()
    assert logits.grad is not None
    expected = float(logits.grad[0, j])

    exps = [math.exp(v) for v in z]
    p = [e / sum(exps) for e in exps]
    hit = 1 if j == target else 0
    return Exercise(
        params={"logits": z, "target": target, "index": j}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"∂L/∂z = softmax(z) − onehot(target).\nsoftmax(z) = {_vector([r(v, 3) for v in p])}\n"
                      f"∂L/∂z_{j} = p_{j} − {hit} = {r(p[j])} − {hit} = {r(expected)}",
                      f"∂L/∂z = softmax(z) − onehot(目标)。\nsoftmax(z) = {_vector([r(v, 3) for v in p])}\n"
                      f"∂L/∂z_{j} = p_{j} − {hit} = {r(p[j])} − {hit} = {r(expected)}"),
    )


@generator("loss_bce_logits_grad")
def bce_logits_grad(rng: random.Random) -> Drawing:
    size = rng.choice([1, 2, 4])
    z = _logits(rng, size)
    y = [rng.randint(0, 1) for _ in range(size)]
    k = rng.randrange(size)
    prompt = text(f"A batch of {size} logit{'s' if size != 1 else ''} z = {_vector(z)} with labels y = {_vector(y)}. For "
                  f"L = F.binary_cross_entropy_with_logits(z, y) (reduction='mean'), what is "
                  f"∂L/∂z_{k}? (counting from 0; 3 significant figures)",
                  f"一个批次有 {size} 个 logit：z = {_vector(z)}，标签 y = {_vector(y)}。对 "
                  f"L = F.binary_cross_entropy_with_logits(z, y)（reduction='mean'），∂L/∂z_{k} 是多少？"
                  "（从 0 开始数；3 位有效数字）")
    yield prompt

    import torch
    import torch.nn.functional as F

    logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(logits, torch.tensor(y, dtype=torch.float64)).backward()
    assert logits.grad is not None
    expected = float(logits.grad[k])

    s = 1 / (1 + math.exp(-z[k]))
    mean = f"/{size}" if size > 1 else ""
    return Exercise(
        params={"logits": z, "labels": y, "index": k}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"∂L/∂z_i = (σ(z_i) − y_i)/N: the sigmoid's σ(1 − σ) cancels against the log.\n"
                      f"σ({z[k]}) = {r(s)}; ∂L/∂z_{k} = ({r(s)} − {y[k]}){mean} = {r(expected)}",
                      f"∂L/∂z_i = (σ(z_i) − y_i)/N：sigmoid 的 σ(1 − σ) 与对数抵消。\n"
                      f"σ({z[k]}) = {r(s)}；∂L/∂z_{k} = ({r(s)} − {y[k]}){mean} = {r(expected)}"),
    )


@generator("loss_kl_gaussians")
def kl_gaussians(rng: random.Random) -> Drawing:
    while True:
        mu1, mu2 = (rng.choice([-2, -1, -0.5, 0, 0.5, 1, 2]) for _ in range(2))
        s1, s2 = (rng.choice([0.5, 1, 1, 1.5, 2, 3]) for _ in range(2))
        if (mu1, s1) != (mu2, s2):
            break
    prompt = text(f"What is KL(p ‖ q) for p = N(μ = {mu1}, σ = {s1}) and q = N(μ = {mu2}, σ = {s2}) "
                  "(in nats)? (3 significant figures)",
                  f"p = N(μ = {mu1}, σ = {s1})，q = N(μ = {mu2}, σ = {s2})，KL(p ‖ q) 是多少（单位 nat）？"
                  "（3 位有效数字）")
    yield prompt

    import torch
    from torch.distributions import Normal, kl_divergence

    expected = float(kl_divergence(Normal(torch.tensor(float(mu1), dtype=torch.float64),
                                          torch.tensor(float(s1), dtype=torch.float64)),
                                   Normal(torch.tensor(float(mu2), dtype=torch.float64),
                                          torch.tensor(float(s2), dtype=torch.float64))))

    log_term = math.log(s2 / s1)
    ratio = (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2)
    return Exercise(
        params={"mu1": mu1, "sigma1": s1, "mu2": mu2, "sigma2": s2}, prompt=prompt,
        expected=expected, answer_type="real", rtol=RTOL, atol=ATOL,
        solution=text(f"KL(p ‖ q) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½\n"
                      f"= log({s2}/{s1}) + ({s1}² + ({mu1} − {o(mu2)})²)/(2·{s2}²) − ½\n"
                      f"= {r(log_term)} + {o(ratio)} − 0.5 = {r(expected)}",
                      f"KL(p ‖ q) = log(σ_q/σ_p) + (σ_p² + (μ_p − μ_q)²)/(2σ_q²) − ½\n"
                      f"= log({s2}/{s1}) + ({s1}² + ({mu1} − {o(mu2)})²)/(2·{s2}²) − ½\n"
                      f"= {r(log_term)} + {o(ratio)} − 0.5 = {r(expected)}"),
    )
