"""Coding tasks: the user writes the function, dlstudy runs it against the real library.

A :class:`Task` is what a ``kind: code`` card names (``code: {task: NAME}``): the stub the user
starts from (signature, docstring with shapes and conventions), a reference solution, planted
:class:`Mistake` s (typical wrong solutions, which the tests run) and a *case builder* that
draws fresh seeded inputs — several cases, edge cases included (a batch of one, large
logits, masked rows) — and computes the expected outputs with an independent reference:
torch autograd, the real ``torch.nn`` module, the real ``torch.optim`` step.

Tasks live one area per module (``losses``, ``mlp``, ``norm``…) and register themselves with
:func:`register`. Those modules hold source text and small functions that import numpy and
torch inside, so listing the names (``dlstudy check`` does) imports nothing heavy.

The user's code never runs in the dlstudy process: :mod:`dlstudy.coding.sandbox` runs it in
a child process under a time and a memory limit, and :mod:`dlstudy.coding.grade` (in that
child) compares each case and, when one fails, says how (shape, max |error| and where, NaN,
the traceback) and which planted mistake the wrong output matches.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

AREAS = ("losses", "mlp", "regularization", "norm", "rnn", "optim", "cnn", "attention")


@dataclass(frozen=True)
class Mistake:
    """A typical wrong solution: ``code`` defines the task's function the wrong way, ``text``
    (en, zh) says what the mistake is; a failed attempt whose output matches it is told so."""

    id: str
    en: str
    zh: str
    code: str


@dataclass(frozen=True)
class Case:
    """One graded call: ``args`` (keyword arguments, fresh numpy arrays) and the ``expected``
    outputs computed by the reference; an output ``o`` is right where
    ``|o − expected| ≤ atol + rtol·|expected|`` everywhere."""

    en: str
    zh: str
    args: dict[str, Any]
    expected: tuple[Any, ...]
    rtol: float = 1e-6
    atol: float = 1e-8


@dataclass(frozen=True)
class Task:
    """One coding task.

    Attributes:
        name: what a card's ``code: {task: NAME}`` names.
        function: the name of the function the user writes.
        outputs: the names of the values it returns, in order (one name: a single value).
        stub: the starting file: imports, signature, a docstring with shapes and conventions.
        solution: a reference solution (shown after an attempt; passes the grader).
        mistakes: planted wrong solutions (at least two; the tests make sure each fails).
        build: ``build(rng)`` → the cases, from a ``numpy.random.Generator``; imports numpy and
            torch itself and computes the expected outputs with torch.
        area: the module it lives in.
        keeps_inputs: the stub says "do not modify the inputs", and the grader checks it.
        cases_version: raised whenever ``build`` draws different cases for the same seed; an
            attempt logs it, so replaying a seed can tell an attempt graded on other cases.
    """

    name: str
    function: str
    outputs: tuple[str, ...]
    stub: str
    solution: str
    mistakes: tuple[Mistake, ...]
    build: Callable[[Any], list[Case]]
    area: str = ""
    keeps_inputs: bool = False
    cases_version: int = 1

    def stub_in(self, lang: str) -> str:
        """The stub with its docstring in ``lang`` (en or zh; the code is the same)."""
        from dlstudy.coding.docs_zh import stub_in

        return stub_in(self.stub, self.name, lang)


TASKS: dict[str, Task] = {}
_loaded = False


def register(task: Task) -> Task:
    """Add ``task`` to the catalogue (its area is the module its case builder lives in)."""
    task = replace(task, area=task.build.__module__.rsplit(".", 1)[-1])
    if task.name in TASKS:
        raise ValueError(f"coding task {task.name!r} is registered twice")
    if task.keeps_inputs != ("do not modify the inputs" in task.stub):
        raise ValueError(f"coding task {task.name!r}: keeps_inputs and the stub disagree")
    if len(task.mistakes) < 2:
        raise ValueError(f"coding task {task.name!r} needs at least two planted mistakes")
    TASKS[task.name] = task
    return task


def _load() -> None:
    global _loaded
    if not _loaded:
        for area in AREAS:
            importlib.import_module(f"{__name__}.{area}")
        _loaded = True


def names() -> list[str]:
    """Every task name, sorted (imports the area modules, which are light)."""
    _load()
    return sorted(TASKS)


def get(name: str) -> Task:
    _load()
    if name not in TASKS:
        raise KeyError(f"no coding task named {name!r}")
    return TASKS[name]


def area_of(name: str) -> str:
    """The module a task lives in (what the sandbox child imports)."""
    return get(name).area
