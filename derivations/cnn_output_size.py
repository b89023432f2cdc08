"""How big is a convolution's output? Count the window positions that fit.

Symbolic: the k-th output reads the padded input from k·S to k·S + D(F−1); the
window fits while that last tap is inside, which gives ⌊(W + 2P − D(F−1) − 1)/S⌋ + 1,
and with D = 1 the textbook ⌊(W − F + 2P)/S⌋ + 1. Solving "output = W" for P gives
'same' padding. Numeric: the formula against the shapes torch.nn.Conv2d really
produces on many random configurations, the strings padding='same'/'valid', and
autograd showing which input column the floor silently drops.
"""

import functools

TITLE = {
    "en": "Convolution output size: ⌊(W + 2P − D(F−1) − 1)/S⌋ + 1",
    "zh": "卷积输出尺寸：⌊(W + 2P − D(F−1) − 1)/S⌋ + 1",
}
CLAIMS = [
    {
        "en": "A convolution over W inputs with kernel F, padding P, stride S and dilation D has "
              "⌊(W + 2P − D(F−1) − 1)/S⌋ + 1 outputs; for D = 1 this is ⌊(W − F + 2P)/S⌋ + 1.",
        "zh": "输入长 W、卷积核 F、填充 P、步长 S、膨胀 D 时，输出长为 ⌊(W + 2P − D(F−1) − 1)/S⌋ + 1；"
              "D = 1 时即 ⌊(W − F + 2P)/S⌋ + 1。",
    },
    {
        "en": "The division need not be exact: PyTorch floors it, and the input columns the last "
              "window cannot reach are never read (their gradient is exactly zero).",
        "zh": "不必整除：PyTorch 向下取整，最后一个窗口够不到的输入列根本不被读取（梯度恰为 0）。",
    },
    {
        "en": "'same' (stride 1) needs total padding D(F−1), i.e. P = D(F−1)/2 per side for odd F; "
              "'valid' means P = 0, giving W − D(F−1). With odd F, P = (F−1)/2 and stride 2 the "
              "output is ⌈W/2⌉, not W/2.",
        "zh": "'same'（步长 1）需要总填充 D(F−1)，F 为奇数时每侧 P = D(F−1)/2；'valid' 即 P = 0，输出 W − D(F−1)。"
              "F 为奇数、P = (F−1)/2、步长 2 时输出为 ⌈W/2⌉，而不是 W/2。",
    },
]


def _derived_count():
    """The output count derived from the window positions: (symbols, k, last tap, k_max, count).
    derive() shows the steps; experiment() evaluates this same expression against nn.Conv2d."""
    import sympy as sp

    W, F, P, S, D = sp.symbols("W F P S D", positive=True)
    k = sp.Symbol("k")
    last = k * S + D * (F - 1)
    (k_max,), = sp.linsolve([last - (W + 2 * P - 1)], [k])
    return (W, F, P, S, D), k, last, k_max, sp.floor(k_max) + 1


def derive(p):
    import sympy as sp

    (W, F, P, S, D), k, last, k_max, count = _derived_count()
    p.step("Output k reads padded-input positions k·S … k·S + D(F−1) (F taps, D apart)",
           sp.Interval(k * S, last))
    p.step("It fits while its last tap is inside the padded input of length W + 2P",
           sp.Le(last, W + 2 * P - 1))
    p.step("Solve for the largest k: k ≤", k_max)
    p.step("Positions k = 0, 1, …, ⌊k_max⌋ → number of outputs", count)
    p.identity("with D = 1 it is the textbook ⌊(W − F + 2P)/S⌋ + 1",
               count.subs(D, 1), sp.floor((W - F + 2 * P) / S) + 1)

    # 'same': stride 1 (no floor left), ask the output length to equal the input length.
    same_count = k_max.subs(S, 1) + 1
    p.step("Stride 1: the floor disappears", same_count)
    (P_same,), = sp.linsolve([same_count - W], [P])
    p.step("'same' padding solves W + 2P − D(F−1) = W, per side", sp.Eq(P, P_same))
    p.identity("with that padding the output length is W", same_count.subs(P, P_same), W,
               shown=sp.Eq(same_count.subs(P, sp.Symbol("P*")), W))
    p.identity("'valid' (P = 0) keeps W − D(F−1)", same_count.subs(P, 0), W - D * (F - 1))

    # Stride 2 with "half" padding P = (F − 1)/2 = m for odd F = 2m + 1.
    m, n = sp.symbols("m n", positive=True, integer=True)
    stride2 = k_max.subs({D: 1, S: 2, F: 2 * m + 1, P: m})
    p.step("Stride 2, odd F = 2m + 1, P = m: k_max =", sp.expand(stride2))
    even, odd = sp.expand(stride2.subs(W, 2 * n)), sp.expand(stride2.subs(W, 2 * n + 1))
    p.identity("even W = 2n: ⌊k_max⌋ + 1 = n = W/2", sp.floor(even) + 1, n,
               shown=sp.Eq(sp.floor(even, evaluate=False) + 1, n))
    p.identity("odd W = 2n + 1: ⌊k_max⌋ + 1 = n + 1 = ⌈W/2⌉, not W/2", sp.floor(odd) + 1, n + 1,
               shown=sp.Eq(sp.floor(odd, evaluate=False) + 1, n + 1))


@functools.cache
def _count_function():
    import sympy as sp

    symbols, _, _, _, count = _derived_count()
    return sp.lambdify(symbols, count, modules="math")


def _formula(w, f, pad, s, d):
    """The derived count evaluated at one configuration (small integers: float floor is exact)."""
    return int(_count_function()(w, f, pad, s, d))


def experiment(p):
    import random
    import warnings

    import torch

    rng = random.Random(p.seed)
    f64 = {"dtype": torch.float64, "device": p.device}  # float64: exact, and no per-shape kernel set-up
    n_configs = 150 if p.quick else 600
    mismatches, inexact, tried = 0, 0, 0
    while tried < n_configs:
        f, s, d, pad = rng.randint(1, 7), rng.randint(1, 4), rng.randint(1, 3), rng.randint(0, 3)
        h, w = rng.randint(1, 30), rng.randint(1, 30)
        if pad > (f - 1) * d // 2 + 1 or min(_formula(h, f, pad, s, d), _formula(w, f, pad, s, d)) < 1:
            continue
        tried += 1
        conv = torch.nn.Conv2d(2, 3, f, stride=s, padding=pad, dilation=d, **f64)
        with torch.no_grad():
            out = conv(torch.zeros(1, 2, h, w, **f64))
        mismatches += tuple(out.shape[2:]) != (_formula(h, f, pad, s, d), _formula(w, f, pad, s, d))
        inexact += (w + 2 * pad - d * (f - 1) - 1) % s != 0
    p.equal(f"configs where nn.Conv2d's H×W ≠ the formula (of {n_configs} random F,P,S,D,H,W)",
            mismatches, 0)
    p.greater("of them, configs where (W + 2P − D(F−1) − 1)/S is not an integer (torch floors)",
              inexact, n_configs // 5)

    # What the floor throws away: W = 12, F = 3, S = 2 → 5 windows, the last covers columns 8–10.
    # (p.myth: the misconception's Conv2d, which refuses sizes that do not divide.)
    def conv_call(module, inp):
        rest = (inp.shape[-1] + 2 * module.padding[1] - module.dilation[1] * (module.kernel_size[1] - 1) - 1)
        if p.myth and rest % module.stride[1]:
            raise ValueError("(W − F + 2P)/S is not a whole number")
        return module(inp)

    x = torch.zeros(1, 1, 1, 12, **f64, requires_grad=True)
    conv = torch.nn.Conv2d(1, 1, (1, 3), stride=2, bias=False, **f64)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    try:
        out = conv_call(conv, x)
        out.sum().backward()
        width = out.shape[-1]
        unread = [i for i in range(12) if x.grad[0, 0, 0, i].item() == 0.0]
    except ValueError:
        width, unread = 0, []
    p.holds("W = 12, F = 3, S = 2: nn.Conv2d accepts it, floors to width 5 and never reads column 11",
            width == _formula(12, 3, 0, 2, 1) and unread == [11], f"width {width}, unread columns {unread}",
            "width 5, unread columns [11]", id="unread_input_columns",
            refutes="nn.Conv2d refuses sizes where (W − F + 2P)/S is not whole")
    p.equal("number of input columns with zero gradient (never read)", len(unread), 1, id="unread_column_count")
    p.equal("… the index of that column (0-based)", unread[0] if unread else -1, 11, id="unread_column_index")
    # The floor is the only leniency: a (dilated) kernel wider than the padded input is an error.
    try:
        torch.nn.Conv2d(1, 1, 5, **f64)(torch.zeros(1, 1, 3, 3, **f64))
        raised = "no error"
    except RuntimeError:
        raised = "RuntimeError"
    p.holds("kernel 5 on a 3×3 input, no padding (the formula would give −1): nn.Conv2d raises",
            raised == "RuntimeError", raised, "RuntimeError", id="kernel_wider_than_input_raises")

    # padding='same' / 'valid' strings (stride 1 only in PyTorch).
    same_ok, valid_ok = 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns that even kernels need a padded copy
        for _ in range(20):
            f, d, w = rng.randint(1, 6), rng.randint(1, 3), rng.randint(16, 25)
            x = torch.zeros(1, 1, 5, w, **f64)
            same = torch.nn.Conv2d(1, 1, (1, f), padding="same", dilation=d, **f64)
            valid = torch.nn.Conv2d(1, 1, (1, f), padding="valid", dilation=d, **f64)
            with torch.no_grad():
                same_ok += same(x).shape[-1] == w
                # p.myth: "a stride-1 convolution keeps the width", padding or not
                valid_ok += valid(x).shape[-1] == (w if p.myth else w - d * (f - 1))
    p.equal("padding='same': output width = W (20 random F, D)", same_ok, 20)
    p.equal("padding='valid': output width = W − D(F−1) (20 random F, D)", valid_ok, 20, id="valid_loses_pixels",
            refutes="a stride-1 convolution keeps the width whatever the padding")

    # Even kernel: total padding D(F−1) is odd when D is odd; PyTorch puts ⌊D(F−1)/2⌋ before and the
    # rest after (F = 4, D = 1: 1 before, 2 after). With D even the total is even: symmetric.
    g = torch.Generator().manual_seed(p.seed)
    x = torch.randn(1, 1, 13, 13, generator=g, dtype=torch.float64).to(p.device)
    mismatches = 0
    for f, d in ((4, 1), (2, 1), (6, 1), (2, 3), (4, 3), (4, 2), (3, 2)):
        conv = torch.nn.Conv2d(1, 1, f, padding="same", dilation=d, bias=False, **f64)
        before = d * (f - 1) // 2
        after = d * (f - 1) - before
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns that even kernels need a padded copy
            by_hand = torch.nn.functional.conv2d(torch.nn.functional.pad(x, (before, after, before, after)),
                                                 conv.weight, dilation=d)
            mismatches += not torch.allclose(conv(x), by_hand, rtol=1e-12, atol=1e-12)
    p.equal("padding='same' vs zero-pad ⌊D(F−1)/2⌋ before, the rest after, then 'valid' "
            "(mismatches of 7 (F, D), 5 with D(F−1) odd)", mismatches, 0)

    try:
        torch.nn.Conv2d(1, 1, 3, stride=2, padding="same")
        refused = False
    except ValueError:
        refused = True
    p.holds("PyTorch refuses padding='same' with stride 2", refused, "ValueError", "ValueError")

    # Stride 2 with P = (F−1)/2: ⌈W/2⌉ (28 → 14, but 27 → 14 too).
    halves = {}
    for w in (27, 28, 29):
        conv = torch.nn.Conv2d(1, 1, 5, stride=2, padding=2, **f64)
        with torch.no_grad():
            halves[w] = conv(torch.zeros(1, 1, w, w, **f64)).shape[-1]
    expected = [w // 2 for w in (27, 28, 29)] if p.myth else [14, 14, 15]  # p.myth: "stride 2 halves exactly"
    p.equal("F = 5, P = 2, S = 2 on W = 27, 28, 29", [halves[27], halves[28], halves[29]], expected,
            id="stride2_odd_widths", refutes="stride 2 makes the feature map exactly half the size")
