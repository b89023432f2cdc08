"""Parametric exercises: fresh numbers every draw, the answer computed by the real library.

A *generator* takes a seeded ``random.Random`` and picks the numbers (``nn.LSTM(37, 64,
num_layers=2, bidirectional=True)``…); it *yields* the prompt with those numbers filled in,
then imports torch, builds the real module or runs the real function, reads the answer off
it and *returns* an :class:`Exercise`: the prompt, the expected answer, how it is compared,
and the worked solution (the formula with the same numbers)::

    @generator("rnn_lstm_params")
    def lstm_params(rng):
        d, h = rng.randint(2, 512), rng.randint(4, 256)
        prompt = text(f"How many parameters does nn.LSTM({d}, {h}) have?", ...)
        yield prompt                    # on screen at once, before torch is imported
        import torch
        count = sum(p.numel() for p in torch.nn.LSTM(d, h, device="meta").parameters())
        return Exercise(params={...}, prompt=prompt, expected=count, ...)

The pause at ``yield`` is what lets a session show the task immediately and compute the
answer while the user thinks (:func:`start`); :func:`draw` simply runs a generator to the end.

Generators live one topic per module (``rnn``, ``normalization``, …) and register
themselves with :func:`generator`. Those modules import nothing heavy at module level, so
listing the names (``dlstudy check`` does) costs nothing. A name and a seed give the same
exercise every time, which is how a session is replayed.
"""

from __future__ import annotations

import importlib
import random
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from typing import Any

from dlstudy.answers import AnswerType, Value, matches, show
from dlstudy.card import Text

MODULES = ("rnn", "normalization", "residual", "optim", "cnn", "losses", "init", "training",
           "mlp", "backprop", "gradients", "optimization", "transformer", "large_models",
           "inference", "numerics", "variants", "sequence")



def significant(figures: int) -> float:
    """The relative tolerance of an answer asked to ``figures`` significant figures.

    Rounding to 3 figures is off by at most 0.5 % (a leading 1: 1.005 → 1.00 or 1.01), so
    0.6 % accepts every correct rounding, and no answer a figure off."""
    return 0.6 * 10.0 ** (1 - figures)


# Real answers are typed to 3 significant figures (the prompts say so) and compared relatively,
# however small the value: 0 is no answer for 0.000272, nor −0.0036 for −0.00316. ATOL is only
# a floor for values that are zero up to float noise: every real these generators ask for is
# a gradient, a statistic, a weight or a scale of order 0.01–10, where anything under 1e-6 is
# 0 to any precision a person would type.
RTOL, ATOL = significant(3), 1e-6


@dataclass(frozen=True)
class Exercise:
    """One draw of a generator.

    Attributes:
        params: the numbers drawn (plain values), for the record and for the tests.
        prompt: the task with the numbers filled in, in both languages.
        expected: the answer, as computed by the real library.
        answer_type: how an answer is read: integer, real, shape or expression.
        solution: the worked solution: the formula with the numbers filled in.
        rtol, atol: an answer ``a`` is right when ``|a − expected| ≤ atol + rtol·|expected|``
            (integers and shapes must be exact): ``rtol`` is the precision the prompt asks
            for (:func:`significant`), ``atol`` the floor under which a value counts as 0.
        generator, seed: the generator's name and the seed it was drawn with (set by
            :func:`draw`).
    """

    params: dict[str, Any]
    prompt: Text
    expected: Value
    answer_type: AnswerType
    solution: Text
    rtol: float = 0.0
    atol: float = 0.0
    generator: str = ""
    seed: int | None = field(default=None)

    def check(self, value: Value) -> bool:
        """Whether a parsed answer is right."""
        return matches(value, self.expected, self.answer_type, self.rtol, self.atol)

    def shown(self) -> str:
        """The expected answer as it is printed: ``152,064``, ``8×64×15×15``, ``0.269``."""
        return show(self.expected, self.answer_type)

    def to_dict(self) -> dict[str, Any]:
        expected = list(self.expected) if isinstance(self.expected, tuple) else self.expected
        return {"generator": self.generator, "seed": self.seed, "params": self.params,
                "prompt": {"en": self.prompt.en, "zh": self.prompt.zh}, "expected": expected,
                "answer_type": self.answer_type, "rtol": self.rtol, "atol": self.atol,
                "solution": {"en": self.solution.en, "zh": self.solution.zh}}


Drawing = Generator[Text, None, Exercise]
ExerciseGenerator = Callable[[random.Random], Drawing]
GENERATORS: dict[str, ExerciseGenerator] = {}
_loaded = False


def generator(name: str) -> Callable[[ExerciseGenerator], ExerciseGenerator]:
    """Register a generator under ``name`` (the name cards refer to)."""

    def register(function: ExerciseGenerator) -> ExerciseGenerator:
        if name in GENERATORS:
            raise ValueError(f"exercise generator {name!r} is registered twice")
        GENERATORS[name] = function
        return function

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in MODULES:
            importlib.import_module(f"{__name__}.{module}")
        _loaded = True


def names() -> list[str]:
    """Every generator name, sorted (imports the topic modules, which are light)."""
    _load()
    return sorted(GENERATORS)


def _begin(name: str, seed: int) -> tuple[Drawing, Text]:
    _load()
    if name not in GENERATORS:
        raise KeyError(f"no exercise generator named {name!r}")
    drawing = GENERATORS[name](random.Random(seed))
    return drawing, next(drawing)


def _finish(name: str, seed: int, drawing: Drawing) -> Exercise:
    import torch

    # The tensors are tiny: extra threads only spin (a 3-element BatchNorm takes 35 ms on a busy
    # 2-core machine with its default threads, 50 µs with one).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        next(drawing)
    except StopIteration as done:
        exercise: Exercise = done.value
    else:
        raise RuntimeError(f"exercise generator {name!r} yielded more than its prompt")
    finally:
        torch.set_num_threads(threads)
    return replace(exercise, generator=name, seed=seed)


def draw(name: str, seed: int) -> Exercise:
    """The exercise ``name`` gives for ``seed`` (the same one every time)."""
    drawing, _ = _begin(name, seed)
    return _finish(name, seed, drawing)


class Pending:
    """An exercise whose prompt is known and whose answer is being computed in a thread."""

    def __init__(self, name: str, seed: int) -> None:
        self.name = name
        self.seed = seed
        drawing, self.prompt = _begin(name, seed)
        self._exercise: Exercise | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(drawing,), daemon=True,
                                        name=f"exercise {name}")
        self._thread.start()

    def _run(self, drawing: Drawing) -> None:
        try:
            self._exercise = _finish(self.name, self.seed, drawing)
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self, timeout: float | None = None) -> Exercise:
        """The finished exercise (waits for it); re-raises what the generator raised."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"exercise {self.name!r} is still being computed")
        if self._error is not None:
            raise self._error
        assert self._exercise is not None
        return self._exercise


def start(name: str, seed: int) -> Pending:
    """Draw the numbers and the prompt now; compute the answer in the background."""
    return Pending(name, seed)


def text(en: str, zh: str) -> Text:
    return Text(en=en, zh=zh)


def n(value: int) -> str:
    """An integer as the solutions print it: ``152,064``."""
    return f"{value:,}"


def r(value: float, digits: int = 4) -> str:
    """A real as the solutions print it: 4 significant figures, no trailing noise."""
    out = f"{value:.{digits}g}"
    return "0" if out in ("-0", "0") else out


def o(value: float, digits: int = 4) -> str:
    """A number as an operand in a worked solution: like :func:`r`, a negative one in brackets,
    so ``(-0.5)·(-0.5) + 2`` and ``1.5·2.25 + (-1.5)`` never read as ``-0.5·-0.5`` or ``+ -1.5``."""
    out = str(value) if isinstance(value, int) else r(value, digits)
    return f"({out})" if out.startswith("-") else out
