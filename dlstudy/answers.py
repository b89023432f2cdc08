"""Reading what the user typed: numbers, shapes, short expressions, true or false.

Nothing here imports anything heavy: an answer is parsed and compared in microseconds, and
an expression is evaluated by a tiny walker over Python's ``ast`` that knows numbers,
``+ − × ÷ ^``, a few functions and the constants π and e — never ``eval``.

An answer that cannot be read raises :class:`Unparseable`, whose message names the
formats that are accepted; the card is not graded and the user tries again.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Literal

AnswerType = Literal["integer", "real", "shape", "expression", "boolean"]
Value = int | float | bool | tuple[int, ...]

FORMATS: dict[str, dict[str, str]] = {
    "integer": {"en": "a whole number: 152064, 152_064 or 152,064 (an expression such as "
                      "4*64*(37+64+2) works too)",
                "zh": "一个整数：152064、152_064 或 152,064（也可以写表达式，如 4*64*(37+64+2)）"},
    "real": {"en": "a number: 0.25, -1.5e-3, 1/4 or an expression such as 2/sqrt(3), e^-2",
             "zh": "一个数：0.25、-1.5e-3、1/4，或表达式，如 2/sqrt(3)、e^-2"},
    "expression": {"en": "a number or a short expression: 1/sqrt(64), 2/sqrt(3), e^-2, pi/4, "
                         "log(2)",
                   "zh": "一个数或简短表达式：1/sqrt(64)、2/sqrt(3)、e^-2、pi/4、log(2)"},
    "shape": {"en": "a shape: 8x64x15x15, 8×64×15×15, (8, 64, 15, 15) or [8, 64, 15, 15]",
              "zh": "一个形状：8x64x15x15、8×64×15×15、(8, 64, 15, 15) 或 [8, 64, 15, 15]"},
    "boolean": {"en": "true or false: t / f, true / false, y / n, yes / no, 对 / 错, 是 / 否",
                "zh": "对或错：对 / 错、是 / 否、t / f、true / false、y / n"},
}

TRUE_WORDS = frozenset({"t", "true", "y", "yes", "对", "是", "正确", "真", "√", "✓"})
FALSE_WORDS = frozenset({"f", "false", "n", "no", "错", "否", "错误", "假", "×", "✗"})


class Unparseable(ValueError):
    """An answer that cannot be read as the expected type; the message says what can be."""

    def __init__(self, text: str, answer_type: AnswerType, why: str = "", lang: str = "en") -> None:
        self.text = text
        self.answer_type = answer_type
        self.why = why
        self.lang = lang
        super().__init__(self.message(lang))

    def message(self, lang: str = "en") -> str:
        accepted = FORMATS[self.answer_type]["zh" if lang == "zh" else "en"]
        why = f" ({self.why})" if self.why else ""
        if lang == "zh":
            return f"无法读取答案 {self.text!r}{why}。请输入{accepted}。"
        return f"cannot read {self.text!r} as an answer{why}. Type {accepted}."


# --- expressions --------------------------------------------------------------------------

_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "ln": math.log, "log2": math.log2,
    "log10": math.log10, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
    "abs": abs,
}
_CONSTANTS = {"pi": math.pi, "π": math.pi, "e": math.e}
_SYMBOLS = str.maketrans({"×": "*", "·": "*", "÷": "/", "−": "-", "–": "-", "^": "**",
                          "（": "(", "）": ")", "，": ","})
_SQRT_SIGN = re.compile(r"√\s*(\d+(?:\.\d*)?|[a-zπ]+)")
# 2pi, 2(3 + 1), 2sqrt(3), (1 + 2)(3): a number or a closing bracket followed by a bracket, a
# function or π multiplies it (but the 2 of log2( is part of a name).
_IMPLICIT = re.compile(r"((?<![A-Za-z_\d.])\d+(?:\.\d+)?|\))\s*(?=\(|π|pi\b|sqrt|exp|log|ln\b)")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _prepare(text: str) -> str:
    text = text.strip().translate(_SYMBOLS).replace("√(", "sqrt(")
    text = _SQRT_SIGN.sub(r"sqrt(\1)", text)
    return _IMPLICIT.sub(r"\1*", text)


def evaluate(text: str) -> float | int:
    """The value of a short arithmetic expression; ``ValueError`` with a reason otherwise.

    Integers stay exact (``4*64*(37+64+2)`` is an int); ``/`` gives a float, as in Python.
    """
    source = _prepare(text)
    if not source:
        raise ValueError("it is empty")
    if len(source) > 200:
        raise ValueError("it is too long")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ValueError("it is not a number or an expression") from None
    value = _walk(tree.body)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("it is not a finite number")
    return value


def _walk(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _walk(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left), _walk(node.right)
        try:
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.Pow):
                if abs(right) > 1000 or abs(left) > 1e100:
                    raise ValueError("a power too large to be an answer")
                if isinstance(left, int) and isinstance(right, int) and right >= 0:
                    return left**right
                return float(left) ** float(right)
        except ZeroDivisionError:
            raise ValueError("it divides by zero") from None
        except OverflowError:
            raise ValueError("it overflows") from None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _FUNCTIONS and len(node.args) == 1 and not node.keywords:
        try:
            result = _FUNCTIONS[node.func.id](float(_walk(node.args[0])))
        except (ValueError, OverflowError):
            raise ValueError(f"{node.func.id}() is undefined there") from None
        return float(result)
    if isinstance(node, ast.Name):
        raise ValueError(f"unknown name {node.id!r}")
    raise ValueError("only numbers, + − × ÷ ^, sqrt, exp, log, pi and e are understood")


# --- parsing by type ----------------------------------------------------------------------

def parse(text: str, answer_type: AnswerType, lang: str = "en") -> Value:
    """Read ``text`` as an answer of ``answer_type``; :class:`Unparseable` if it cannot be."""
    raw = text.strip()
    try:
        if answer_type == "boolean":
            return parse_bool(raw)
        if answer_type == "shape":
            return parse_shape(raw)
        if answer_type == "integer":
            return parse_integer(raw)
        return float(evaluate(_ungroup(raw)))
    except ValueError as exc:
        raise Unparseable(raw, answer_type, str(exc), lang) from None


def _ungroup(text: str) -> str:
    """``1,234,567`` → ``1234567`` (a comma is a thousands separator only in that pattern)."""
    text = text.replace(" ", "") if re.fullmatch(r"[\d ]+", text) else text
    return text.replace(",", "") if _GROUPED.match(text) else text


def parse_integer(text: str) -> int:
    value = evaluate(_ungroup(text))
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value:g} is not a whole number")
        value = int(value)
    return value


_SHAPE_SPLIT = re.compile(r"\s*(?:[x×X*,]|\s)\s*")


def parse_shape(text: str) -> tuple[int, ...]:
    body = text.strip()
    if body.lower().startswith("torch.size"):
        body = body[len("torch.size"):]
    body = body.strip().strip("()[]").strip().strip("()[]").strip().rstrip(",")
    if not body:
        raise ValueError("it is empty")
    parts = [p for p in _SHAPE_SPLIT.split(body) if p != ""]
    if not parts or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise ValueError("a shape is whole numbers separated by x, × or commas")
    return tuple(int(p) for p in parts)


def parse_bool(text: str) -> bool:
    word = text.strip().lower().rstrip(".!。！")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("say true or false")


# --- comparing ----------------------------------------------------------------------------

def matches(value: Value, expected: Value, answer_type: AnswerType,
            rtol: float = 0.0, atol: float = 0.0) -> bool:
    """Whether a parsed answer is right: exact for integers, shapes and booleans; within
    ``atol + rtol·|expected|`` for reals and expressions."""
    if answer_type in ("integer", "shape", "boolean"):
        return value == expected
    assert isinstance(value, (int, float)) and isinstance(expected, (int, float))
    return abs(float(value) - float(expected)) <= atol + rtol * abs(float(expected))


def show(value: Value, answer_type: AnswerType) -> str:
    """An answer as it is printed back: ``152,064``, ``8×64×15×15``, ``0.2689``, ``true``."""
    if answer_type == "boolean":
        return "true" if value else "false"
    if answer_type == "shape":
        assert isinstance(value, tuple)
        return "×".join(str(v) for v in value)
    if answer_type == "integer":
        return f"{int(value):,}"  # type: ignore[arg-type]
    assert isinstance(value, (int, float))
    return f"{float(value):.6g}"
