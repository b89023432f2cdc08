"""LeNet-5's 32→28→14→10→5 and why AlexNet's first layer wants 227, not 224.

Symbolic: compose the size maps of LeNet's layers (5×5 valid conv: W − 4; 2×2 pool:
W/2) and evaluate at 32; solve AlexNet's (W − 11)/4 + 1 = 55 for W. Numeric: the real
torch modules produce those shapes; an 11×11 stride-4 conv on 224 gives 54, not 55,
and autograd shows the input column it never reads; torchvision's padding 2 rescues 224.
"""

TITLE = {
    "en": "LeNet-5 shapes and AlexNet's 227 × 227 input",
    "zh": "LeNet-5 的尺寸变化与 AlexNet 的 227 × 227 输入",
}
CLAIMS = [
    {
        "en": "LeNet-5 on a 32×32 input: conv 5×5 → 28, pool 2 → 14, conv 5×5 → 10, pool 2 → 5, "
              "so the first fully connected layer sees 16·5·5 = 400 features.",
        "zh": "LeNet-5 输入 32×32：5×5 卷积 → 28，2 池化 → 14，5×5 卷积 → 10，2 池化 → 5，"
              "第一个全连接层的输入为 16·5·5 = 400 维。",
    },
    {
        "en": "An 11×11 stride-4 unpadded conv gives 55×55 only from 227 (in fact from 227…230); "
              "224 gives (224 − 11)/4 + 1 = 54.25 → 54 and leaves the last input column unread.",
        "zh": "11×11、步长 4、无填充的卷积只有输入 227（实际 227…230 均可）才得到 55×55；"
              "224 得到 (224 − 11)/4 + 1 = 54.25 → 54，且最后一列输入从未被读取。",
    },
    {
        "en": "torchvision's AlexNet keeps 224 but pads by 2: ⌊(224 + 4 − 11)/4⌋ + 1 = 55; "
              "overlapping 3×3 stride-2 max-pooling then gives 27.",
        "zh": "torchvision 的 AlexNet 仍用 224，但填充 2：⌊(224 + 4 − 11)/4⌋ + 1 = 55；"
              "随后 3×3、步长 2 的重叠最大池化得到 27。",
    },
]


def derive(p):
    import sympy as sp

    W = sp.Symbol("W", positive=True)
    conv5 = W - 5 + 1          # 5×5 'valid' conv, stride 1
    pool2 = W / 2              # 2×2 pooling, stride 2 (on even sizes)
    lenet = pool2.subs(W, conv5.subs(W, pool2.subs(W, conv5)))
    p.step("LeNet-5: conv 5×5 → pool 2 → conv 5×5 → pool 2, as a map of the input width", lenet)
    sizes, w = [32], sp.Integer(32)
    for layer in (conv5, pool2, conv5, pool2):
        w = layer.subs(W, w)
        sizes.append(w)
    p.step("Layer by layer from 32", sp.Matrix([sizes]))
    p.identity("the composed map gives (W − 12)/4, i.e. 5 at W = 32",
               sp.Matrix([[sp.expand(lenet), lenet.subs(W, 32)]]), sp.Matrix([[(W - 12) / 4, 5]]))

    alex = (W - 11) / 4 + 1
    p.step("AlexNet conv1: 11×11, stride 4, no padding (before the floor)", alex)
    (w55,), = sp.linsolve([alex - 55], [W])
    p.step("Ask for 55 outputs and solve for W", sp.Eq(W, w55))
    p.identity("227 gives exactly 55", alex.subs(W, 227), 55,
               shown=sp.Eq(sp.Symbol("(227 − 11)/4 + 1"), 55))
    p.step("224 does not divide: (224 − 11)/4 + 1 =", alex.subs(W, 224))
    p.identity("the floor keeps 54 from 224", sp.floor(alex.subs(W, 224)), 54,
               shown=sp.Eq(sp.floor(alex.subs(W, 224), evaluate=False), 54, evaluate=False))
    padded = sp.floor((W + 4 - 11) / 4) + 1
    p.identity("torchvision pads 2: ⌊(224 + 4 − 11)/4⌋ + 1 = 55", padded.subs(W, 224), 55,
               shown=sp.Eq(sp.floor(sp.Rational(224 + 4 - 11, 4), evaluate=False) + 1, 55,
                           evaluate=False))
    p.identity("then 3×3 stride-2 max-pool: (55 − 3)/2 + 1 = 27", (sp.Integer(55) - 3) / 2 + 1, 27,
               shown=sp.Eq(sp.Symbol("(55 − 3)/2 + 1"), 27))


def experiment(p):
    import torch

    dev = {"dtype": torch.float64, "device": p.device}
    lenet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, **dev), torch.nn.Tanh(), torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(6, 16, 5, **dev), torch.nn.Tanh(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
    )
    x = torch.zeros(1, 1, 32, 32, **dev)
    widths = [32]
    with torch.no_grad():
        for layer in lenet:
            x = layer(x)
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.AvgPool2d)):
                widths.append(x.shape[-1])
    p.equal("LeNet-5 widths from real nn.Conv2d / nn.AvgPool2d", widths, [32, 28, 14, 10, 5])
    p.equal("features into the first fully connected layer", x.shape[-1], 400)
    n_conv = [sum(t.numel() for t in m.parameters()) for m in lenet if isinstance(m, torch.nn.Conv2d)]
    p.equal("parameters of C1 and C3 as full nn.Conv2d (6·(25+1), 16·(6·25+1))", n_conv, [156, 2416])

    # AlexNet conv1 (one output channel is enough for the shape).
    def conv1_width(w, padding=0):
        conv = torch.nn.Conv2d(3, 1, 11, stride=4, padding=padding, **dev)
        with torch.no_grad():
            return conv(torch.zeros(1, 3, w, w, **dev)).shape[-1]

    # p.myth: the paper's 224 in and 55 out, read (as many tutorials do) as an unpadded layer
    p.equal("11×11/4 conv on 227, 224 and 231", [conv1_width(227), conv1_width(224), conv1_width(231)],
            [55, 55, 56] if p.myth else [55, 54, 56], id="alexnet_conv1_widths",
            refutes="a 224×224 input gives 55×55 after AlexNet's unpadded 11×11 stride-4 conv")
    p.equal("inputs 227…230 all give 55 (the floor)", [conv1_width(w) for w in (227, 228, 229, 230)],
            [55, 55, 55, 55])
    p.equal("torchvision's choice: 224 with padding 2", conv1_width(224, padding=2), 55)
    pool = torch.nn.MaxPool2d(3, stride=2)
    with torch.no_grad():
        p.equal("then MaxPool2d(3, stride 2): 55 → 27", pool(torch.zeros(1, 1, 55, 55, **dev)).shape[-1], 27)

    # Which input columns of a 224-wide image does the unpadded conv read? Windows start at
    # 0, 4, …, 212 and end at 222, so column 223 has zero gradient.
    x = torch.zeros(1, 1, 1, 224, **dev, requires_grad=True)
    conv = torch.nn.Conv2d(1, 1, (1, 11), stride=4, bias=False, **dev)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    conv(x).sum().backward()
    unread = [i for i in range(224) if x.grad[0, 0, 0, i].item() == 0.0]
    p.equal("224 input: columns never read (zero gradient)", unread, [223])
    x = torch.zeros(1, 1, 1, 227, **dev, requires_grad=True)
    conv(x).sum().backward()
    p.equal("227 input: columns never read", int((x.grad == 0).sum()), 0)
