"""Reading what the user typed: numbers, shapes, short expressions, true or false.

Nothing here imports anything heavy: an answer is parsed and compared in microseconds, and
an expression is evaluated by a tiny walker over Python's ``ast`` that knows numbers,
``+ − × ÷ ^``, a few functions and the constants π and e — never ``eval``. Every value it
computes is a real number of bounded size (``10**400`` or ``(-1)**0.5`` is refused before it
can eat time or memory), and text from a Chinese input method (full-width digits and
punctuation: ``（16，16）``, ``２０``) is read as its ASCII equivalent.

An answer that cannot be read raises :class:`Unparseable`, whose message names the
formats that are accepted; the card is not graded and the user tries again.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
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


class Why(ValueError):
    """Why a text is not a value, in both languages (``str()`` is the English)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


class Unparseable(ValueError):
    """An answer that cannot be read as the expected type; the message says what can be."""

    def __init__(self, text: str, answer_type: AnswerType, why: str = "", lang: str = "en",
                 why_zh: str | None = None) -> None:
        self.text = text
        self.answer_type = answer_type
        self.why = why
        self.why_zh = why_zh
        self.lang = lang
        super().__init__(self.message(lang))

    def message(self, lang: str = "en") -> str:
        accepted = FORMATS[self.answer_type]["zh" if lang == "zh" else "en"]
        text = repr(self.text if len(self.text) <= 60 else self.text[:57] + "…")
        if lang == "zh":
            why = f"（{self.why_zh}）" if self.why_zh else ""
            return f"无法读取答案 {text}{why}。请输入{accepted}。"
        why = f" ({self.why})" if self.why else ""
        return f"cannot read {text} as an answer{why}. Type {accepted}."


# --- full-width and other look-alike characters -------------------------------------------

_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# NFKC leaves these CJK marks alone: an input method's 。 is a decimal point in a number, its
# 、 a separator; ½ becomes 1⁄2 (a fraction slash).
_AFTER_NFKC = str.maketrans({"。": ".", "、": ",", "⁄": "/"})


def normalise(text: str) -> str:
    """What was typed, in ASCII where it has an ASCII twin: full-width digits, brackets, commas,
    minus, period and x (``（16，16）`` → ``(16,16)``, ``２０`` → ``20``). Superscripts stay powers
    (``3²`` → ``3^(2)``, not NFKC's ``32``)."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^(" + m.group().translate(_SUPERSCRIPTS) + ")", text)
    return unicodedata.normalize("NFKC", text).translate(_AFTER_NFKC).strip()


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


# No answer is anywhere near this big; every intermediate value is kept below it, so no
# expression can build a huge integer (10**400, (10**100)**1000) or overflow float().
MAX_MAGNITUDE = 10**300
TOO_LARGE = Why("a number too large to be an answer", "数值太大，不可能是答案")


def evaluate(text: str) -> float | int:
    """The value of a short arithmetic expression; ``ValueError`` (a :class:`Why`) otherwise.

    Integers stay exact (``4*64*(37+64+2)`` is an int); ``/`` gives a float, as in Python.
    The value, and every value computed on the way, is real, finite and at most
    ``MAX_MAGNITUDE`` in size.
    """
    source = _prepare(text)
    if not source:
        raise Why("it is empty", "它是空的")
    if len(source) > 200:
        raise Why("it is too long", "它太长了")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Why("it is not a number or an expression", "它不是数字或表达式") from None
    return _walk(tree.body)


def _bounded(value: object) -> float | int:
    """``value`` if it is a real number an answer can be; :class:`Why` otherwise."""
    if isinstance(value, complex):
        raise Why("it is not a real number", "它不是实数")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Why("it is not a finite number", "它不是有限的数")
        if abs(value) > MAX_MAGNITUDE:
            raise TOO_LARGE
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > MAX_MAGNITUDE:
            raise TOO_LARGE
        return value
    raise Why("it is not a number", "它不是数字")


def _power(left: float | int, right: float | int) -> float | int:
    if isinstance(left, int) and isinstance(right, int) and right >= 0:
        # |left|**right ≤ MAX_MAGNITUDE, estimated before the (possibly huge) integer is built
        if abs(left) > 1 and right * math.log10(abs(left)) > 300:
            raise TOO_LARGE
        return left**right
    return float(left) ** float(right)  # complex for (−8)**(1/3): refused by _bounded


def _walk(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return _bounded(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _walk(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div,
                                                            ast.Pow)):
        left, right = _walk(node.left), _walk(node.right)
        try:
            if isinstance(node.op, ast.Add):
                return _bounded(left + right)
            if isinstance(node.op, ast.Sub):
                return _bounded(left - right)
            if isinstance(node.op, ast.Mult):
                return _bounded(left * right)
            if isinstance(node.op, ast.Div):
                return _bounded(left / right)
            return _bounded(_power(left, right))
        except ZeroDivisionError:
            raise Why("it divides by zero", "除以零") from None
        except OverflowError:
            raise TOO_LARGE from None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _FUNCTIONS and len(node.args) == 1 and not node.keywords:
        name = node.func.id
        argument = float(_walk(node.args[0]))
        try:
            result = _FUNCTIONS[name](argument)
        except (ValueError, OverflowError):
            raise Why(f"{name}() is undefined there", f"{name}() 在此处无定义") from None
        return _bounded(float(result))
    if isinstance(node, ast.Name):
        raise Why(f"unknown name {node.id!r}", f"未知的名字 {node.id!r}")
    raise Why("only numbers, + − × ÷ ^, sqrt, exp, log, pi and e are understood",
              "只认得数字、+ − × ÷ ^、sqrt、exp、log、pi 和 e")


# --- parsing by type ----------------------------------------------------------------------

def parse(text: str, answer_type: AnswerType, lang: str = "en") -> Value:
    """Read ``text`` as an answer of ``answer_type``; :class:`Unparseable` if it cannot be.

    Full-width characters count as their ASCII twins (see :func:`normalise`)."""
    raw = text.strip()
    plain = normalise(raw)
    try:
        if answer_type == "boolean":
            return parse_bool(plain)
        if answer_type == "shape":
            return parse_shape(plain)
        if answer_type == "integer":
            return parse_integer(plain)
        return float(evaluate(_ungroup(plain)))
    except Why as exc:
        raise Unparseable(raw, answer_type, str(exc), lang, exc.zh) from None
    except (ValueError, OverflowError) as exc:  # not expected: still a retry, never a crash
        raise Unparseable(raw, answer_type, str(exc), lang) from None


def _ungroup(text: str) -> str:
    """``1,234,567`` → ``1234567`` (a comma is a thousands separator only in that pattern)."""
    text = text.replace(" ", "") if re.fullmatch(r"[\d ]+", text) else text
    return text.replace(",", "") if _GROUPED.match(text) else text


def parse_integer(text: str) -> int:
    value = evaluate(_ungroup(text))
    if isinstance(value, float):
        if not value.is_integer():
            raise Why(f"{value:g} is not a whole number", f"{value:g} 不是整数")
        value = int(value)
    return value


_SHAPE_SPLIT = re.compile(r"\s*(?:[x×X*,]|\s)\s*")


def parse_shape(text: str) -> tuple[int, ...]:
    body = text.strip()
    if body.lower().startswith("torch.size"):
        body = body[len("torch.size"):]
    body = body.strip().strip("()[]").strip().strip("()[]").strip().rstrip(",")
    if len(body) > 200:
        raise Why("it is too long", "它太长了")
    if not body:
        raise Why("it is empty", "它是空的")
    parts = [p for p in _SHAPE_SPLIT.split(body) if p != ""]
    if not parts or not all(re.fullmatch(r"\d+", p) for p in parts):
        raise Why("a shape is whole numbers separated by x, × or commas",
                  "形状是用 x、× 或逗号隔开的整数")
    return tuple(int(p) for p in parts)


def parse_bool(text: str) -> bool:
    word = text.strip().lower().rstrip(".!。！")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Why("say true or false", "请回答对或错")


# --- comparing ----------------------------------------------------------------------------

def matches(value: Value, expected: Value, answer_type: AnswerType,
            rtol: float = 0.0, atol: float = 0.0) -> bool:
    """Whether a parsed answer is right: exact for integers, shapes and booleans; within
    ``atol + rtol·|expected|`` for reals and expressions.

    ``rtol`` is the precision asked for (3 significant figures: see ``exercises.RTOL``), so a
    small value is compared relatively like any other; ``atol`` is only a floor for values
    that are zero up to rounding noise, far below the precision asked for."""
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
