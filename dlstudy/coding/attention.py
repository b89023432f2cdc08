"""Scaled dot-product attention with a boolean mask and a causal mask."""

from __future__ import annotations

from typing import Any

from dlstudy.coding import Case, Mistake, Task, register

STUB = '''import numpy as np


def attention(q, k, v, mask, causal):
    """Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention.

    q: (B, Lq, d), k: (B, Lk, d), v: (B, Lk, dv) float64.
    mask: None, or a boolean (B, Lq, Lk) array in PyTorch's convention: True = this query
        may attend to this key, False = it may not. Every row allows at least one key.
    causal: if True, query i may attend only to keys j <= i (Lq == Lk).
    Scores may be large: the softmax must not overflow. Returns (B, Lq, dv).
    """
    ...
'''

SOLUTION = '''import numpy as np


def attention(q, k, v, mask, causal):
    d = q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)            # scale by 1/√d
    allowed = np.ones(scores.shape, dtype=bool)
    if mask is not None:
        allowed &= mask                                         # True = may attend
    if causal:
        lq, lk = scores.shape[-2:]
        allowed &= np.tril(np.ones((lq, lk), dtype=bool))
    scores = np.where(allowed, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)       # a stable softmax over the keys
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v
'''

SCALE_BY_D = SOLUTION.replace("/ np.sqrt(d) ", "/ d ")
MASK_INVERTED = SOLUTION.replace("allowed &= mask ", "allowed &= ~mask")
CAUSAL_STRICT = SOLUTION.replace("np.tril(np.ones((lq, lk), dtype=bool))",
                                 "np.tril(np.ones((lq, lk), dtype=bool), -1) | np.eye(lq, lk, 1, dtype=bool)")
SOFTMAX_QUERY_AXIS = SOLUTION.replace(
    "scores = scores - scores.max(axis=-1, keepdims=True)       # a stable softmax over the keys",
    "scores = scores - scores.max(axis=-2, keepdims=True)") \
    .replace("weights /= weights.sum(axis=-1, keepdims=True)", "weights /= weights.sum(axis=-2, keepdims=True)")
UNSTABLE = SOLUTION.replace("scores = scores - scores.max(axis=-1, keepdims=True)", "scores = scores")
MASKED_MAX = '''import numpy as np


def attention(q, k, v, mask, causal):
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
    allowed = np.ones(scores.shape, dtype=bool)
    if mask is not None:
        allowed &= mask
    if causal:
        allowed &= np.tril(np.ones(scores.shape[-2:], dtype=bool))
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True)) * allowed   # max over every key
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v
'''


def _distinct(value: int, taken: set[int]) -> int:
    """``value``, or the next integer above it that is not in ``taken``."""
    while value in taken:
        value += 1
    return value


def cases(rng: Any) -> list[Case]:
    import torch

    def case(en: str, zh: str, b: int, lq: int, lk: int, d: int, masked: bool, causal: bool,
             scale: float = 1.0, masked_above: float = 0.0) -> Case:
        q, k = rng.normal(size=(b, lq, d)) * scale, rng.normal(size=(b, lk, d)) * scale
        if masked_above:  # key 0, masked for query 0, scores `masked_above` over its one allowed key
            allowed_score = (q[:, 0] * k[:, lk - 1]).sum(axis=-1) / d ** 0.5
            target = allowed_score + masked_above
            k[:, 0] = q[:, 0] * (target * d ** 0.5 / (q[:, 0] ** 2).sum(axis=-1))[:, None]
        v = rng.normal(size=(b, lk, _distinct(int(rng.integers(2, 5)), {d, lq, lk})))
        mask = None
        if masked:
            mask = rng.random(size=(b, lq, lk)) < 0.5
            mask[:, :, 0] |= ~mask.any(axis=-1)           # every row allows a key
            mask[:, 0, :] = False                          # a row that allows exactly one key
            mask[:, 0, lk - 1] = True
        out = torch.nn.functional.scaled_dot_product_attention(
            torch.tensor(q), torch.tensor(k), torch.tensor(v),
            attn_mask=None if mask is None else torch.tensor(mask), is_causal=causal)
        return Case(en, zh, {"q": q, "k": k, "v": v, "mask": mask, "causal": causal},
                    (out.numpy(),), rtol=1e-7, atol=1e-9)

    b, lq, lk, d = (int(rng.integers(lo, hi)) for lo, hi in ((2, 4), (3, 7), (3, 7), (2, 9)))
    # Lq, Lk, d and dv all differ: scaling by √dv, √Lk or √Lq instead of √d must not pass
    lk = _distinct(lk, {lq})
    d = _distinct(d, {lq, lk})
    return [case(f"no mask, B={b}, Lq={lq}, Lk={lk}, d={d}", f"无掩码，B={b}，Lq={lq}，Lk={lk}，d={d}",
                 b, lq, lk, d, False, False),
            case("a boolean mask; row 0 allows only the last key",
                 "布尔掩码；第 0 行只允许最后一个键", b, lq, lk, d, True, False),
            case(f"causal, L={lq}, a batch of one", f"因果掩码，L={lq}，批大小为 1", 1, lq, lq, d, False, True),
            case("large scores (q, k of scale 30), causal", "很大的分数（q、k 量级 30），因果掩码",
                 b, lq, lq, d, False, True, 30.0),
            # a max taken over the masked keys too underflows every allowed key: 0/0
            case("large scores and a mask; a masked key scores 2000 above row 0's allowed one",
                 "很大的分数加布尔掩码；一个被屏蔽的键比第 0 行允许的键高 2000",
                 b, lq, lk, d, True, False, 30.0, 2000.0)]


register(Task(
    name="attention_sdpa", cases_version=2, function="attention", outputs=("out",), stub=STUB,
    solution=SOLUTION, build=cases,
    mistakes=(
        Mistake("scale_by_d", "the scores were divided by d; scaled dot-product attention divides by √d",
                "分数除以了 d；缩放点积注意力除以的是 √d", SCALE_BY_D),
        Mistake("mask_inverted", "a boolean attn_mask in PyTorch marks the keys a query MAY attend "
                "to (True = attend), not the ones it may not", "PyTorch 的布尔 attn_mask 标记的是可以"
                "关注的键（True = 关注），不是被屏蔽的键", MASK_INVERTED),
        Mistake("causal_shift", "the causal mask lets query i see keys j ≤ i: the diagonal is "
                "included and the future is not", "因果掩码让查询 i 看到 j ≤ i 的键：包含对角线，"
                "不包含未来", CAUSAL_STRICT),
        Mistake("query_axis", "the softmax ran over the queries (axis −2); each query's weights "
                "over the keys (axis −1) sum to 1", "softmax 沿查询方向（轴 −2）做了；每个查询对所有键"
                "（轴 −1）的权重和为 1", SOFTMAX_QUERY_AXIS),
        Mistake("masked_max", "the max subtracted was taken over every key, masked ones too: when "
                "a masked key scores far higher, every allowed weight underflows to 0 (0/0); mask "
                "first (−inf), then subtract the max of what is left",
                "减去的最大值取自所有键，包括被屏蔽的：被屏蔽的键分数高得多时，所有允许的权重都下溢为 0"
                "（0/0）；应先屏蔽（−inf），再减去剩下的最大值", MASKED_MAX),
        Mistake("unstable", "exp of unshifted scores overflows: subtract each row's max first",
                "未平移的分数取 exp 会溢出：先减去每行的最大值", UNSTABLE),
    )))
