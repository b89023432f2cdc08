"""Gradient accumulation: k micro-batches, each loss divided by k, give the full batch's gradient.

Symbolic: the mean over B = k·b examples is (1/k)·Σ_j (mean over micro-batch j) when the
micro-batches have equal size, and the gradient is linear: so summing the gradients of
loss_j / k equals the gradient of the full-batch loss. Without the 1/k the gradient is k times
too large. With a per-token mean over a varying number of real tokens (padding masked out),
the micro-batch means carry different weights and 1/k is no longer exact.
Numeric: a small model with LayerNorm (no batch-coupled layer) — gradients and one
torch.optim.AdamW step of the accumulated run against one run on the whole batch; then a
padded next-token loss (ignore_index) and a BatchNorm model, where the equality breaks.
Counterfactual (p.myth): the misconception's picture of .grad — successive backward calls average their
gradients instead of adding them — under which the unscaled sum would be the mean and loss/k would be k
times too small.
"""

TITLE = {
    "en": "Gradient accumulation = the big batch's gradient (divide each micro-batch loss by k)",
    "zh": "梯度累积 = 大 batch 的梯度（每个 micro-batch 的损失除以 k）",
}
CLAIMS = [
    {
        "en": "Summing the gradients of loss_j/k over k equal micro-batches gives the gradient of the mean loss over the "
              "whole batch, and the optimizer step that follows is the same — for models without batch-coupled layers.",
        "zh": "对 k 个等大的 micro-batch 累加 loss_j/k 的梯度，等于整个 batch 平均损失的梯度，随后的优化器更新也相同 "
              "——前提是模型没有跨样本耦合的层。",
    },
    {
        "en": "It breaks with BatchNorm (statistics per micro-batch) and with per-token means over unequal numbers of "
              "real tokens (weight each micro-batch by its token count instead).",
        "zh": "遇到 BatchNorm（按 micro-batch 统计）或对真实 token 数不等的 micro-batch 做逐 token 平均时不再成立"
              "（应按 token 数加权）。",
    },
]


def derive(p):
    import sympy as sp

    k, b = 3, 2
    losses = sp.symbols(f"l1:{k * b + 1}")
    full = sum(losses) / (k * b)
    micro = [sum(losses[j * b:(j + 1) * b]) / b for j in range(k)]
    p.identity("mean over k·b examples = (1/k)·Σ_j mean over micro-batch j (k = 3, b = 2)", sum(micro) / k, full,
               id="mean_of_means")
    p.identity("without the 1/k: Σ_j mean_j = k × the full-batch mean", sum(micro), k * full)
    n1, n2 = sp.symbols("n1 n2", positive=True)
    s1, s2 = sp.symbols("s1 s2")
    token_mean = (s1 + s2) / (n1 + n2)
    naive = (s1 / n1 + s2 / n2) / 2
    p.step("per-token means with n1 ≠ n2 real tokens: naive (mean1 + mean2)/2 − true mean",
           sp.factor(naive - token_mean))
    p.identity("weighting each micro-batch's mean by n_j/(n1 + n2) is exact", (n1 * s1 / n1 + n2 * s2 / n2) / (n1 + n2),
               token_mean)


def experiment(p):
    import torch

    gen = torch.Generator().manual_seed(p.seed)
    f64 = torch.float64
    B, k, d = 12, 4, 8

    def make(norm):
        torch.manual_seed(p.seed)
        return torch.nn.Sequential(torch.nn.Linear(d, 16), norm(16), torch.nn.Tanh(),
                                   torch.nn.Linear(16, 1)).to(dtype=f64, device=p.device)

    x = torch.randn(B, d, generator=gen, dtype=f64).to(p.device)
    y = torch.randn(B, 1, generator=gen, dtype=f64).to(p.device)

    def grads(model):
        return torch.cat([q.grad.flatten() for q in model.parameters()])

    def full_step(model):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
        torch.nn.functional.mse_loss(model(x), y).backward()
        g = grads(model).clone()
        opt.step()
        return g, torch.cat([q.detach().flatten() for q in model.parameters()])

    def accumulated_step(model, divide=True):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
        for xb, yb in zip(x.chunk(k), y.chunk(k)):
            loss = torch.nn.functional.mse_loss(model(xb), yb)
            (loss / k if divide else loss).backward()
        if p.myth:  # the myth: .grad keeps the mean of the k backward calls, not their sum
            for q in model.parameters():
                q.grad /= k
        g = grads(model).clone()
        opt.step()
        return g, torch.cat([q.detach().flatten() for q in model.parameters()])

    g_full, w_full = full_step(make(torch.nn.LayerNorm))
    g_acc, w_acc = accumulated_step(make(torch.nn.LayerNorm))
    p.allclose("LayerNorm model: accumulated gradient (loss/k, k = 4) vs whole batch", g_acc, g_full, rtol=1e-10,
               atol=1e-13, id="accumulated_equals_full", refutes="accumulating micro-batch gradients needs no 1/k")
    p.allclose("… and the weights after one AdamW step", w_acc, w_full, rtol=1e-10, atol=1e-13)
    g_raw, _ = accumulated_step(make(torch.nn.LayerNorm), divide=False)
    p.close("without the 1/k: ‖sum of the k micro-batch mean-loss gradients‖ / ‖full-batch gradient‖ (k = 4)",
            g_raw.norm() / g_full.norm(), k, rtol=1e-10, id="unscaled_sum_is_k_times",
            refutes="summing the micro-batch mean-loss gradients gives the full-batch gradient")

    # Why a forgotten 1/k hides under Adam: its step m̂/(√v̂ + ε) is invariant to scaling the gradient, up to ε.
    w_adam = {}
    for scale in (1, k):
        model = make(torch.nn.LayerNorm)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(3):
            opt.zero_grad()
            (scale * torch.nn.functional.mse_loss(model(x), y)).backward()
            opt.step()
        w_adam[scale] = torch.cat([q.detach().flatten() for q in model.parameters()])
    p.less("Adam, 3 steps: max |Δw| between gradients × k and × 1 (lr 1e-2)", (w_adam[k] - w_adam[1]).abs().max(), 1e-4,
           id="adam_hides_missing_1_over_k")

    g_bn_full, _ = full_step(make(torch.nn.BatchNorm1d))
    g_bn_acc, _ = accumulated_step(make(torch.nn.BatchNorm1d))
    p.greater("BatchNorm model: max |accumulated − full| gradient (batch statistics differ)",
              (g_bn_acc - g_bn_full).abs().max(), 1e-6, id="batchnorm_breaks")

    V, T = 11, 6
    logits = torch.randn(2, T, V, generator=gen, dtype=f64).to(p.device).requires_grad_()
    target = torch.randint(0, V, (2, T), generator=gen).to(p.device)
    target[1, 2:] = -100  # the second sequence is padding after two real tokens
    full = torch.nn.functional.cross_entropy(logits.reshape(-1, V), target.reshape(-1), ignore_index=-100)
    (g_true,) = torch.autograd.grad(full, logits)
    naive = sum(torch.nn.functional.cross_entropy(logits[j], target[j], ignore_index=-100) / 2 for j in range(2))
    (g_naive,) = torch.autograd.grad(naive, logits)
    p.greater("padded tokens: max |(mean1 + mean2)/2 gradient − full token-mean gradient|", (g_naive - g_true).abs().max(),
              1e-3, id="unequal_tokens_break")
    counts = (target != -100).sum(1)
    weighted = sum(torch.nn.functional.cross_entropy(logits[j], target[j], ignore_index=-100, reduction="sum")
                   for j in range(2)) / counts.sum()
    (g_w,) = torch.autograd.grad(weighted, logits)
    p.allclose("summed losses / total real tokens: gradient equals the full token mean", g_w, g_true, rtol=1e-12,
               atol=1e-15)
