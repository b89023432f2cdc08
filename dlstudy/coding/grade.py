"""Grade a function against a task's cases (runs in the sandbox child, and in the tests).

:func:`grade` calls the function on each case in turn — with fresh copies of the inputs, so a
function that writes into its arguments changes nothing — and stops at the first case that
fails, saying how: the wrong number or kind of values, a shape mismatch, a NaN or an infinity
where the reference is finite, the largest error and where it is, or the exception with the
user's own lines of the traceback. It then runs the task's planted mistakes on that case: if
the wrong output is what one of them gives, the failure names it ("this is what
forgetting the 1/N gives").

The outcome is a plain dict (it crosses a process boundary as JSON); numpy is imported here,
torch only by the task's case builder.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable
from typing import Any

from dlstudy.coding import Case, Task


def load(code: str, function: str, filename: str = "<your code>") -> Callable[..., Any]:
    """Run ``code`` and return its function ``function`` (SyntaxError, NameError… propagate).

    The source is registered under ``filename`` so that a traceback shows the user's lines."""
    import linecache

    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "__dlstudy_attempt__"}
    exec(compile(code, filename, "exec"), namespace)  # the user's own code, in the sandbox child
    found = namespace.get(function)
    if not callable(found):
        raise LookupError(f"the code defines no function `{function}`")
    return found


def parameters(task: Task) -> list[str]:
    """The names of the stub's parameters, in order."""
    import ast

    for node in ast.walk(ast.parse(task.stub)):
        if isinstance(node, ast.FunctionDef) and node.name == task.function:
            return [a.arg for a in node.args.args]
    raise LookupError(f"the stub of {task.name!r} defines no function `{task.function}`")


def call(task: Task, function: Callable[..., Any], args: dict[str, Any], fresh: bool = True) -> Any:
    """``function`` on a fresh copy of ``args`` (``fresh=False``: on ``args``' own values):
    positionally, in the stub's order (so the user may rename parameters); an argument the stub
    does not name, by keyword."""
    args = copy.deepcopy(args) if fresh else dict(args)
    positional = []
    for name in parameters(task):
        if name not in args:
            break
        positional.append(args.pop(name))
    return function(*positional, **args)


def _array(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    out = np.asarray(value)
    if out.dtype == object or not (np.issubdtype(out.dtype, np.number) or out.dtype == bool):
        raise TypeError(f"not an array of numbers: {type(value).__name__}")
    return out.astype(np.float64)


def _low_precision(value: Any) -> str | None:
    """``float32`` (or ``float16``…) when ``value`` is an array of floats narrower than float64,
    else None (the inputs are float64, the tolerances are set for it)."""
    import numpy as np

    if hasattr(value, "detach"):  # a torch tensor: its dtype, e.g. torch.float32
        if getattr(value, "is_floating_point", lambda: False)() and value.element_size() < 8:
            return str(value.dtype).replace("torch.", "")
        return None
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.floating) and np.dtype(dtype).itemsize < 8:
        return str(np.dtype(dtype))
    return None


def _index(where: tuple[int, ...]) -> list[int]:
    return [int(i) for i in where]


def compare(name: str, got: Any, expected: Any, rtol: float, atol: float) -> dict[str, Any] | None:
    """None when ``got`` matches ``expected``; else what is wrong, as a failure dict."""
    import numpy as np

    if isinstance(expected, list):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            size = len(got) if isinstance(got, (list, tuple)) else None
            return {"kind": "type", "output": name,
                    "detail": f"expected a list of {len(expected)} arrays, got "
                              + (f"{len(got)} values" if size is not None else type(got).__name__)}
        for i, (g, e) in enumerate(zip(got, expected)):
            failure = compare(f"{name}[{i}]", g, e, rtol, atol)
            if failure is not None:
                return failure
        return None
    e = np.asarray(expected, dtype=np.float64)
    try:
        g = _array(got)
    except (TypeError, ValueError) as exc:
        return {"kind": "type", "output": name, "detail": str(exc)}
    if g.shape != e.shape and not (e.ndim == 0 and g.size == 1):
        return {"kind": "shape", "output": name, "expected_shape": list(e.shape),
                "got_shape": list(g.shape)}
    g = g.reshape(e.shape)
    bad_finite = np.isfinite(e) & ~np.isfinite(g)
    if bad_finite.any():
        where = tuple(np.argwhere(bad_finite)[0]) if e.ndim else ()
        return {"kind": "nan", "output": name, "where": _index(where),
                "got_value": str(g[where]), "expected_value": float(e[where]),
                "count": int(bad_finite.sum()), "size": int(e.size)}
    if (~np.isfinite(e) & np.isfinite(g)).any():  # only a planted mistake's output has NaNs
        where = tuple(np.argwhere(~np.isfinite(e) & np.isfinite(g))[0]) if e.ndim else ()
        return {"kind": "wrong", "output": name, "where": _index(where),
                "max_error": float("inf"), "expected_value": float(e[where]),
                "got_value": float(g[where]), "rtol": rtol, "atol": atol,
                "count": int((~np.isfinite(e) & np.isfinite(g)).sum()), "size": int(e.size)}
    with np.errstate(invalid="ignore"):
        err = np.where(np.isfinite(e), np.abs(g - e), 0.0)
    excess = err - (atol + rtol * np.abs(np.where(np.isfinite(e), e, 0.0)))
    if (excess > 0).any():
        where = tuple(np.unravel_index(int(np.argmax(err)), e.shape)) if e.ndim else ()
        failure = {"kind": "wrong", "output": name, "where": _index(where),
                   "max_error": float(err[where]), "expected_value": float(e[where]),
                   "got_value": float(g[where]), "rtol": rtol, "atol": atol,
                   "count": int((excess > 0).sum()), "size": int(e.size)}
        narrow = _low_precision(got)
        if narrow is not None:
            failure["dtype"] = narrow
        return failure
    return None


def _values(task: Task, result: Any) -> tuple[Any, ...] | dict[str, Any]:
    """The returned values as a tuple, or a failure dict when their number is wrong."""
    n = len(task.outputs)
    if n == 1:
        return (result,)
    if not isinstance(result, (tuple, list)) or len(result) != n:
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else \
            f"a single {type(result).__name__}"
        return {"kind": "type", "output": ", ".join(task.outputs),
                "detail": f"expected {n} values ({', '.join(task.outputs)}), got {got}"}
    return tuple(result)


def check_case(task: Task, case: Case, result: Any) -> dict[str, Any] | None:
    values = _values(task, result)
    if isinstance(values, dict):
        return values
    for name, got, expected in zip(task.outputs, values, case.expected):
        failure = compare(name, got, expected, case.rtol, case.atol)
        if failure is not None:
            return failure
    return None


def modified(given: dict[str, Any], original: dict[str, Any]) -> str | None:
    """The name of the first argument the call wrote into (``given`` was passed, ``original``
    is a pristine copy), or None."""
    import numpy as np

    for name, value in original.items():
        now = given[name]
        values = value if isinstance(value, list) else [value]
        nows = now if isinstance(now, list) else [now]
        for before, after in zip(values, nows):
            if isinstance(before, np.ndarray) and not np.array_equal(before, after, equal_nan=True):
                return name
    return None


def user_traceback(exc: BaseException, filename: str) -> str:
    """The exception, with the frames of the user's own file only (library frames are noise)."""
    tb = traceback.TracebackException.from_exception(exc)
    frames = [f for f in tb.stack if f.filename == filename]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.StackSummary.from_list(frames).format()
    lines += list(tb.format_exception_only())
    return "".join(lines).rstrip()


def error_kind(exc: BaseException) -> str:
    """``memory`` (an allocation past the limit), ``flood`` (a write past the limit on what
    the code may print: EFBIG) or ``error``."""
    import errno

    if _is_memory(exc):
        return "memory"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "flood"
    return "error"


def _is_memory(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or "can't allocate memory" in text \
        or "unable to allocate" in text or "not enough memory" in text


def diagnose(task: Task, case: Case, got: Any) -> dict[str, str] | None:
    """The planted mistake whose output on ``case`` is what the user's function returned."""
    import numpy as np

    theirs = _values(task, got)
    if isinstance(theirs, dict):
        return None
    for mistake in task.mistakes:
        try:
            planted = load(mistake.code, task.function, f"<planted mistake {mistake.id}>")
            with np.errstate(all="ignore"):
                wrong = call(task, planted, case.args)
        except Exception:
            continue
        if check_case(task, _as_case(case, wrong, task), got) is None:
            return {"id": mistake.id, "en": mistake.en, "zh": mistake.zh}
    return None


def _as_case(case: Case, result: Any, task: Task) -> Case:
    values = _values(task, result)
    if isinstance(values, dict):
        values = (result,)
    expected = tuple(_plain(v) for v in values)
    return Case(case.en, case.zh, case.args, expected, case.rtol, case.atol)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        return _array(value)
    except (TypeError, ValueError):
        return value


def grade(task: Task, function: Callable[..., Any], cases: list[Case],
          filename: str = "<your code>", diagnose_mistakes: bool = True) -> dict[str, Any]:
    """Run ``function`` on every case until one fails; the outcome as a plain dict:
    ``passed``, ``cases`` (name and whether it passed, in order; cases after a failure are not
    run) and ``failure`` (None, or what went wrong, on which case, and the planted mistake it
    matches)."""
    import numpy as np

    done: list[dict[str, Any]] = []
    for case in cases:
        label = {"en": case.en, "zh": case.zh}
        given = copy.deepcopy(case.args)
        try:
            with np.errstate(all="ignore"):
                result = call(task, function, given, fresh=False)
        except (Exception, SystemExit) as exc:
            kind = error_kind(exc)
            failure: dict[str, Any] = {"kind": kind, "traceback": user_traceback(exc, filename)}
            done.append({**label, "ok": False})
            return {"passed": False, "cases": done, "total": len(cases),
                    "failure": {"case": label, **failure}}
        failure_or_none = check_case(task, case, result)
        if failure_or_none is None and task.keeps_inputs:  # the stub says so: do not write into them
            changed = modified(given, case.args)
            if changed is not None:
                failure_or_none = {"kind": "modified", "output": changed}
        done.append({**label, "ok": failure_or_none is None})
        if failure_or_none is not None:
            mistake = diagnose(task, case, result) if diagnose_mistakes else None
            return {"passed": False, "cases": done, "total": len(cases),
                    "failure": {"case": label, **failure_or_none, "mistake": mistake}}
    return {"passed": True, "cases": done, "total": len(cases), "failure": None}


def cases_for(task: Task, seed: int) -> list[Case]:
    """The task's cases for ``seed`` (the same every time)."""
    import numpy as np

    return task.build(np.random.default_rng(seed))
