"""The stubs' docstrings in Chinese (a zh session opens the stub with these; the code is the same).

Each entry replaces the text between the stub's triple quotes, indentation included.
"""

from __future__ import annotations

DOCS_ZH = {
    "softmax_ce": """一批样本的平均 softmax 交叉熵，及其梯度。

    logits：(N, C) float64，任意量级（某些行的值可达数千，各行之间也可能相差数千）。
    labels：(N,) int，每个取值在 0..C-1。
    返回 (loss, dlogits)：loss 为浮点数，即 N 行 −log softmax(logits)[label] 的平均值
    （同 torch.nn.functional.cross_entropy，reduction='mean'）；dlogits (N, C) = ∂loss/∂logits。
    """,
    "log_softmax": """沿 `axis` 计算 log softmax(x)，要求数值稳定。

    x：任意形状的 float64 数组；元素可大到 1e4，也可小到 −1e4，各行之间可能相差数千。
    返回与 x 同形状的数组：沿 `axis` 的 x − log Σ exp(x)（同 torch.log_softmax(x, dim=axis)）。
    """,
    "mlp_two_layer": """两层网络：h = relu(x @ W1 + b1)；scores = h @ W2 + b2；loss = scores 相对 y 的
    平均 softmax 交叉熵。手写前向和反向（不用自动求导）。

    x：(N, D) float64，y：(N,) int，取值 0..C-1，W1：(D, H)，b1：(H,)，W2：(H, C)，b2：(C,)。
    x 可能很大（分数可达数千）：softmax 不能溢出。
    返回 (loss, dW1, db1, dW2, db2)：loss 为浮点数，每个梯度与其参数形状相同。
    """,
    "dropout": """倒置 dropout，同 torch.nn.Dropout(p)：前向与反向。

    x：(N, D) float64 输入；dout：(N, D)，损失对输出的梯度。
    p：丢弃一个元素的概率（0 <= p < 1）。
    u：(N, D) [0, 1) 上的均匀随机数：u[i] < p 处的元素被丢弃，其余保留。
    train：训练时为 True；评估时（model.eval()）为 False。
    返回 (out, dx)：输出和 ∂loss/∂x，形状均为 (N, D)。
    """,
    "clip_grad_norm": """按全局 L2 范数裁剪梯度，同 torch.nn.utils.clip_grad_norm_。

    grads：float64 数组的列表（每个参数一个，形状任意）；max_norm：大于 0 的浮点数。
    返回 (clipped, total_norm)：clipped 为同形状数组的列表，每个梯度乘以
    min(1, max_norm / (total_norm + 1e-6))；total_norm 为裁剪前的范数。
    """,
    "batchnorm_forward": """训练模式下 torch.nn.BatchNorm1d(D) 的一次前向。

    x：(N, D) float64（N >= 2）；gamma、beta、running_mean、running_var：(D,)。
    用本批的均值和方差对每个特征归一化，再缩放和平移。
    按 PyTorch 的约定更新滑动统计量：
        running = (1 − momentum) · running + momentum · 本批统计量
    返回 (out, new_running_mean, new_running_var)；不要修改输入。
    """,
    "batchnorm_backward": """训练模式下 BatchNorm 在 (N, D) 批上的反向传播。

    前向为：mu = x 沿第 0 轴的均值；var = 沿第 0 轴的有偏方差（÷N）；
    xhat = (x − mu)/sqrt(var + eps)；out = gamma·xhat + beta。mu 和 var 依赖于 x。
    dout：(N, D) = ∂loss/∂out；x：(N, D) float64；gamma：(D,)。
    返回 (dx, dgamma, dbeta)，形状分别为 (N, D)、(D,)、(D,)。
    """,
    "layernorm_backward": """在 (N, D) 输入的最后一个轴上做 LayerNorm 的反向传播。

    前向为（逐行）：mu = x[i] 的均值；var = x[i] 的有偏方差（÷D）；
    xhat = (x − mu)/sqrt(var + eps)；out = gamma·xhat + beta（gamma、beta：(D,)）。
    dout：(N, D) = ∂loss/∂out。返回 (dx, dgamma, dbeta)，形状为 (N, D)、(D,)、(D,)。
    """,
    "lstm_cell": """torch.nn.LSTMCell 的一步。

    x：(N, D)，h、c：(N, H) float64；W_ih：(4H, D)，W_hh：(4H, H)，b_ih、b_hh：(4H,)。
    4H 行按 PyTorch 的顺序排列各门：输入门 i、遗忘门 f、候选 g、输出门 o。
    返回 (h_new, c_new)，形状均为 (N, H)。
    """,
    "gru_cell": """torch.nn.GRUCell 的一步。

    x：(N, D)，h：(N, H) float64；W_ih：(3H, D)，W_hh：(3H, H)，b_ih、b_hh：(3H,)。
    3H 行按 PyTorch 的顺序：重置门 r、更新门 z、候选 n。PyTorch 的公式：
        r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h
    返回 h' (N, H)。
    """,
    "sgd_momentum": """torch.optim.SGD(lr=lr, momentum=momentum, weight_decay=weight_decay) 的一步
    （dampening 为 0，不用 Nesterov）。

    param、grad：同形状的 float64 数组。buf：上一步的动量缓冲，第一步之前为 None。
    权重衰减是梯度中的 L2：g = grad + wd·param。
    PyTorch 的动量：第一步 buf = g，之后 buf = momentum·buf + g；然后 param = param − lr·buf。
    返回 (new_param, new_buf)；不要修改输入。
    """,
    "adam_step": """torch.optim.Adam(lr, betas=(beta1, beta2), eps, weight_decay) 的一步。

    param、grad、m、v：同形状的 float64 数组（m、v：第 t − 1 步之后的一阶和二阶矩估计；
    第一步之前为零）。t：本步的序号（1, 2, …）。
    Adam 的权重衰减是梯度中的 L2：g = grad + weight_decay·param。
    返回 (new_param, new_m, new_v)；不要修改输入。
    """,
    "adamw_step": """torch.optim.AdamW(lr, betas=(beta1, beta2), eps, weight_decay) 的一步。

    param、grad、m、v：同形状的 float64 数组（m、v：第 t − 1 步之后的一阶和二阶矩估计；
    第一步之前为零）。t：本步的序号（1, 2, …）。
    AdamW 解耦衰减：先 param ← param·(1 − lr·weight_decay)，再用原始梯度做 Adam 更新。
    返回 (new_param, new_m, new_v)；不要修改输入。
    """,
    "conv2d_forward": """torch.nn.functional.conv2d(x, w, b, stride, padding) 的前向。

    x：(N, C, H, W) float64；w：(F, C, KH, KW)；b：(F,)；stride、padding：整数（两个空间轴
    相同；零填充）。与 PyTorch 一样是互相关（卷积核不翻转）。
    输出：(N, F, (H + 2p − KH)//s + 1, (W + 2p − KW)//s + 1)。
    """,
    "maxpool_backward": """torch.nn.functional.max_pool2d(x, kernel, stride)（无填充）的反向传播。

    x：(N, C, H, W) float64（没有并列最大值）；dout：(N, C, OH, OW) = ∂loss/∂out，
    OH = (H − kernel)//stride + 1（OW 同理）。窗口可能重叠（stride < kernel）。
    返回 dx：(N, C, H, W)。
    """,
    "attention_sdpa": """缩放点积注意力，同 torch.nn.functional.scaled_dot_product_attention。

    q：(B, Lq, d)，k：(B, Lk, d)，v：(B, Lk, dv) float64。
    mask：None，或 PyTorch 约定的布尔数组 (B, Lq, Lk)：True = 该查询可以关注该键，
        False = 不可以。每一行至少允许一个键。
    causal：为 True 时，查询 i 只能关注 j <= i 的键（Lq == Lk）。
    分数可能很大：softmax 不能溢出。返回 (B, Lq, dv)。
    """,
}


def stub_in(stub: str, task: str, lang: str) -> str:
    """The stub with its docstring in ``lang`` (the English stub when there is no translation)."""
    if lang != "zh" or task not in DOCS_ZH:
        return stub
    head, _, rest = stub.partition('"""')
    _, _, tail = rest.partition('"""')
    return f'{head}"""{DOCS_ZH[task]}"""{tail}'
