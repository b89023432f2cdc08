"""Reading typed answers: the accepted formats, and a clear message for everything else."""

from __future__ import annotations

import math

import pytest

from dlstudy.answers import FORMATS, Unparseable, evaluate, matches, parse, show


@pytest.mark.parametrize("text, value", [
    ("152064", 152064), ("152_064", 152064), ("152,064", 152064), ("1,234,567", 1234567),
    (" 42 ", 42), ("-7", -7), ("4*64*(37+64+2)", 26368), ("2^10", 1024), ("1.5e5", 150000),
    ("1 234", 1234), ("4×64", 256),
])
def test_integers(text: str, value: int) -> None:
    parsed = parse(text, "integer")
    assert parsed == value and isinstance(parsed, int)


@pytest.mark.parametrize("text, value", [
    ("0.25", 0.25), ("-1.5e-3", -0.0015), ("1/4", 0.25), ("2/sqrt(3)", 2 / math.sqrt(3)),
    ("e^-2", math.exp(-2)), ("e**-2", math.exp(-2)), ("pi/4", math.pi / 4), ("π/4", math.pi / 4),
    ("√2", math.sqrt(2)), ("2√3", 2 * math.sqrt(3)), ("1/√(3·400)", 1 / math.sqrt(1200)),
    ("log(2)", math.log(2)), ("ln(2)", math.log(2)), ("log2(8)", 3.0),
    ("exp(1)", math.e), ("−0.5", -0.5), ("2pi", 2 * math.pi), ("(1+2)(3)", 9.0), ("1÷8", 0.125),
    ("3", 3.0), (".5", 0.5),
])
def test_reals_and_expressions(text: str, value: float) -> None:
    for kind in ("real", "expression"):
        parsed = parse(text, kind)  # type: ignore[arg-type]
        assert isinstance(parsed, float) and math.isclose(parsed, value, rel_tol=1e-12)


@pytest.mark.parametrize("text", ["8x64x15x15", "8×64×15×15", "8 x 64 x 15 x 15", "(8, 64, 15, 15)",
                                  "[8,64,15,15]", "torch.Size([8, 64, 15, 15])", "8 64 15 15",
                                  "8X64X15X15", "(8,64,15,15,)"])
def test_shapes(text: str) -> None:
    assert parse(text, "shape") == (8, 64, 15, 15)


@pytest.mark.parametrize("text, value", [
    ("t", True), ("T", True), ("true", True), ("y", True), ("yes", True), ("对", True), ("是", True),
    ("f", False), ("False", False), ("n", False), ("no", False), ("错", False), ("否", False),
])
def test_true_or_false(text: str, value: bool) -> None:
    assert parse(text, "boolean") is value


@pytest.mark.parametrize("text, kind, why", [
    ("abc", "integer", "unknown name 'abc'"),
    ("1.5", "integer", "not a whole number"),
    ("", "real", "empty"),
    ("1/0", "real", "divides by zero"),
    ("__import__('os').system('true')", "real", "only numbers"),
    ("().__class__", "expression", "only numbers"),
    ("9**9**9", "integer", "too large"),
    ("sqrt(-1)", "real", "undefined"),
    ("8x64xa", "shape", "whole numbers"),
    ("maybe", "boolean", "true or false"),
    ("1,23", "integer", "only numbers"),
])
def test_an_unreadable_answer_names_the_accepted_formats(text: str, kind: str, why: str) -> None:
    with pytest.raises(Unparseable) as caught:
        parse(text, kind)  # type: ignore[arg-type]
    message = str(caught.value)
    assert why in message
    assert FORMATS[kind]["en"] in message  # what to type instead
    assert FORMATS[kind]["zh"] in caught.value.message("zh")


def test_expressions_never_reach_eval() -> None:
    for text in ("open('x')", "x", "lambda: 1", "[1][0]", "1 if 1 else 2", "a.b"):
        with pytest.raises(ValueError):
            evaluate(text)


def test_comparison_is_exact_for_counts_and_shapes_and_tolerant_for_reals() -> None:
    assert matches(26368, 26368, "integer") and not matches(26369, 26368, "integer")
    assert matches((8, 64, 15, 15), (8, 64, 15, 15), "shape")
    assert not matches((8, 64, 15), (8, 64, 15, 15), "shape")
    assert matches(0.269, 0.26894, "real", rtol=0.006)
    assert not matches(0.27, 0.25, "real", rtol=0.006)
    assert matches(0.0, 1e-9, "real", rtol=0.006, atol=1e-6)  # zero up to float noise


def test_small_values_are_compared_relatively_like_any_other() -> None:
    from dlstudy.exercises import ATOL, RTOL

    assert matches(0.000272, 0.00027215, "real", RTOL, ATOL)
    assert not matches(0, 0.000272, "real", RTOL, ATOL)
    assert not matches(-0.0036, -0.00316, "real", RTOL, ATOL)
    assert matches(-0.00316, -0.0031578, "real", RTOL, ATOL)
    assert not matches(-0.00317, -0.00315, "real", RTOL, ATOL)


def test_answers_print_back_readably() -> None:
    assert show(152064, "integer") == "152,064"
    assert show((8, 64, 15, 15), "shape") == "8×64×15×15"
    assert show(0.2689414, "real") == "0.268941"
    assert show(True, "boolean") == "true"


# Typed by a hostile (or unlucky) user: each must be "cannot read …" with its reason, in both
# languages, quickly, never an exception of another kind (which would crash the session).
HOSTILE = [
    ("10**400", "real", "too large to be an answer", "数值太大"),
    ("10**400", "integer", "too large to be an answer", "数值太大"),
    ("(10**100)**1000", "real", "too large to be an answer", "数值太大"),
    ("(10**100)**1000", "integer", "too large to be an answer", "数值太大"),
    ("2**1000*2**1000*2**1000", "integer", "too large to be an answer", "数值太大"),
    ("1e308*10", "real", "too large to be an answer", "数值太大"),
    ("exp(1000)", "real", "exp() is undefined there", "exp() 在此处无定义"),
    ("(-8)**(1/3)", "real", "not a real number", "不是实数"),
    ("(-1)**0.5", "expression", "not a real number", "不是实数"),
    ("sqrt((-1)**0.5)", "real", "not a real number", "不是实数"),
    ("(-1)**0.5", "integer", "not a real number", "不是实数"),
    ("1e999", "real", "not a finite number", "不是有限的数"),
    ("(" * 99 + "1", "real", "not a number or an expression", "不是数字或表达式"),
    ("1\x002", "real", "not a number or an expression", "不是数字或表达式"),
    ("1" * 300, "integer", "too long", "太长"),
    ("8x" * 150 + "8", "shape", "too long", "太长"),
    ("0/0", "real", "divides by zero", "除以零"),
    ("log(0)", "real", "log() is undefined there", "log() 在此处无定义"),
    ("x", "real", "unknown name 'x'", "未知的名字 'x'"),
    ("1.5", "integer", "not a whole number", "不是整数"),
    ("maybe", "boolean", "say true or false", "请回答对或错"),
    ("16，16，a", "shape", "whole numbers separated", "用 x、× 或逗号隔开的整数"),
]


@pytest.mark.parametrize("text, kind, why, why_zh", HOSTILE)
def test_hostile_answers_are_refused_with_a_reason(text: str, kind: str, why: str, why_zh: str) -> None:
    import time

    started = time.perf_counter()
    with pytest.raises(Unparseable) as caught:
        parse(text, kind)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 0.5  # no huge integer was built
    assert caught.value.message("en").startswith("cannot read ")
    assert why in caught.value.message("en")
    zh = caught.value.message("zh")
    assert zh.startswith("无法读取答案") and why_zh in zh and FORMATS[kind]["zh"] in zh
    assert why not in zh  # the reason is in Chinese too


@pytest.mark.parametrize("text, kind, value", [
    ("（16，16，24，31）", "shape", (16, 16, 24, 31)), ("１６，１６", "shape", (16, 16)),
    ("１６ｘ１６", "shape", (16, 16)), ("16、16", "shape", (16, 16)), ("２０", "integer", 20),
    ("１５２，０６４", "integer", 152064), ("－０．５", "real", -0.5), ("0。25", "real", 0.25),
    ("２＾１０", "integer", 1024), ("３²", "real", 9.0), ("2¹⁰", "integer", 1024), ("½", "real", 0.5),
    ("ｔｒｕｅ", "boolean", True), ("错。", "boolean", False), ("（1＋2）×3", "integer", 9),
])
def test_full_width_input_reads_as_ascii(text: str, kind: str, value: object) -> None:
    assert parse(text, kind) == value  # type: ignore[arg-type]
