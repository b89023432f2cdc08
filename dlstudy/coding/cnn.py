"""Conv2d forward (cross-correlation, stride, padding) and max-pool backward."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

CONV_STUB = '''import numpy as np


def conv2d(x, w, b, stride, padding):
    """The forward pass of torch.nn.functional.conv2d(x, w, b, stride, padding).

    x: (N, C, H, W) float64; w: (F, C, KH, KW); b: (F,); stride, padding: ints (the same
    for both spatial axes; zero padding). Like PyTorch, a cross-correlation (the kernel
    is not flipped). Output: (N, F, (H + 2p − KH)//s + 1, (W + 2p − KW)//s + 1).
    """
    ...
'''

CONV = '''import numpy as np


def conv2d(x, w, b, stride, padding):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (h + 2 * padding - kh) // stride + 1
    ow = (wd + 2 * padding - kw) // stride + 1
    out = np.empty((n, f, oh, ow))
    for i in range(oh):
        for j in range(ow):
            top, left = i * stride, j * stride
            patch = xp[:, :, top:top + kh, left:left + kw]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w)
    return out + b[None, :, None, None]
'''

CONV_FLIPPED = CONV.replace("patch, w)", "patch, w[:, :, ::-1, ::-1])")
CONV_NO_PLUS_ONE = CONV.replace("oh = (h + 2 * padding - kh) // stride + 1",
                                "oh = (h + 2 * padding - kh) // stride") \
    .replace("ow = (wd + 2 * padding - kw) // stride + 1", "ow = (wd + 2 * padding - kw) // stride")
CONV_NO_BIAS = CONV.replace("return out + b[None, :, None, None]", "return out")


def conv_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, n: int, c: int, h: int, w_: int, f: int, k: int, s: int,
             p: int, kw: int | None = None) -> Case:
        x, w = rng.normal(size=(n, c, h, w_)), rng.normal(size=(f, c, k, kw or k))
        b = rng.normal(size=f)
        out = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                         stride=s, padding=p)
        return Case(en, zh, {"x": x, "w": w, "b": b, "stride": s, "padding": p}, (out.numpy(),),
                    rtol=1e-8, atol=1e-10)

    n, c, f = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    h, w_ = int(rng.integers(6, 10)), int(rng.integers(6, 10))
    if w_ == h:  # never square: a square input hides an output width computed from the height
        w_ += 1
    return [case(f"3×3 kernel, stride 1, padding 1, x {n}×{c}×{h}×{w_}",
                 f"3×3 卷积核，步幅 1，填充 1，x {n}×{c}×{h}×{w_}", n, c, h, w_, f, 3, 1, 1),
            case(f"a batch of one, 3×3, stride 2, no padding, x 1×{c}×{h}×{w_}",
                 f"批大小为 1，3×3，步幅 2，无填充，x 1×{c}×{h}×{w_}", 1, c, h, w_, f, 3, 2, 0),
            case("2×2 kernel, stride 2, padding 1", "2×2 卷积核，步幅 2，填充 1", n, c, h, w_, f, 2, 2, 1),
            # a kernel that is not square: KH and KW mixed up must not pass
            case("a 2×3 kernel (KH=2, KW=3), stride 1, no padding", "2×3 卷积核（KH=2，KW=3），步幅 1，无填充",
                 n, c, h, w_, f, 2, 1, 0, kw=3)]


register(Task(
    name="conv2d_forward", function="conv2d", outputs=("out",), stub=CONV_STUB, solution=CONV,
    build=conv_cases,
    mistakes=(
        Mistake("flipped", "the kernel was flipped (a true convolution); PyTorch's conv2d is a "
                "cross-correlation", "卷积核被翻转了（真正的卷积）；PyTorch 的 conv2d 是互相关", CONV_FLIPPED),
        Mistake("no_plus_one", "the output size is ⌊(H + 2p − K)/s⌋ + 1: the + 1 is missing",
                "输出尺寸是 ⌊(H + 2p − K)/s⌋ + 1：少了 + 1", CONV_NO_PLUS_ONE),
        Mistake("no_bias", "the bias was not added", "没有加偏置", CONV_NO_BIAS),
    )))


POOL_STUB = '''import numpy as np


def maxpool2d_backward(dout, x, kernel, stride):
    """The backward pass of torch.nn.functional.max_pool2d(x, kernel, stride) (no padding).

    x: (N, C, H, W) float64 (no ties); dout: (N, C, OH, OW) = ∂loss/∂out with
    OH = (H − kernel)//stride + 1 (and OW likewise). Windows may overlap (stride < kernel).
    Returns dx: (N, C, H, W).
    """
    ...
'''

POOL = '''import numpy as np


def maxpool2d_backward(dout, x, kernel, stride):
    n, c, oh, ow = dout.shape
    dx = np.zeros_like(x)
    for i in range(oh):
        for j in range(ow):
            top, left = i * stride, j * stride
            win = x[:, :, top:top + kernel, left:left + kernel]
            flat = win.reshape(n, c, -1).argmax(axis=2)        # where each window's max is
            r, s = np.unravel_index(flat, (kernel, kernel))
            nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
            # += : overlapping windows can pick the same input
            np.add.at(dx, (nn, cc, top + r, left + s), dout[:, :, i, j])
    return dx
'''

POOL_ASSIGN = POOL.replace("np.add.at(dx, (nn, cc, top + r, left + s), dout[:, :, i, j])",
                           "dx[nn, cc, top + r, left + s] = dout[:, :, i, j]")
POOL_SPREAD = '''import numpy as np


def maxpool2d_backward(dout, x, kernel, stride):
    n, c, oh, ow = dout.shape
    dx = np.zeros_like(x)
    for i in range(oh):
        for j in range(ow):
            g = dout[:, :, i, j][:, :, None, None] / (kernel * kernel)
            dx[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel] += g
    return dx
'''


def pool_cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, n: int, c: int, h: int, w: int, k: int, s: int) -> Case:
        x = rng.permutation(n * c * h * w).reshape(n, c, h, w) / 7.0 + rng.normal(size=(n, c, h, w)) * 0.01
        xt = torch.tensor(x, requires_grad=True)
        out = torch.nn.functional.max_pool2d(xt, k, s)
        dout = rng.normal(size=tuple(out.shape))
        out.backward(torch.tensor(dout))
        return Case(en, zh, {"dout": dout, "x": x, "kernel": k, "stride": s},
                    (xt.grad.numpy(),), rtol=1e-9, atol=1e-12)  # type: ignore[union-attr]

    n, c, h = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(6, 10))
    w = h + 1 if h < 9 else h - 2  # never square: a square input hides a width taken from the height
    return [case(f"2×2, stride 2, x {n}×{c}×{h}×{w}", f"2×2，步幅 2，x {n}×{c}×{h}×{w}", n, c, h, w, 2, 2),
            case("overlapping windows: 3×3, stride 1", "重叠的窗口：3×3，步幅 1", n, c, h, w, 3, 1),
            case("a batch of one, 3×3, stride 2", "批大小为 1，3×3，步幅 2", 1, c, h, w, 3, 2)]


register(Task(
    name="maxpool_backward", function="maxpool2d_backward", outputs=("dx",), stub=POOL_STUB,
    solution=POOL, build=pool_cases,
    mistakes=(
        Mistake("assign", "overlapping windows can choose the same input: its gradients add up "
                "(+=), an assignment keeps only the last", "重叠的窗口可能选中同一个输入：它的梯度要"
                "累加（+=），赋值只保留最后一个", POOL_ASSIGN),
        Mistake("spread", "the gradient was spread over the window (average pooling's backward); "
                "max pooling routes it all to the maximum", "把梯度平摊到了整个窗口（平均池化的反向）；"
                "最大池化把梯度全部传给最大值", POOL_SPREAD),
    )))
