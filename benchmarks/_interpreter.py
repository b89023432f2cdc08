"""The benchmarks run dlstudy, so they need the Python it is installed in.

Run with another interpreter (say the system's ``python3``, which lacks typer and torch),
a benchmark restarts itself with the project's environment, ``.venv/bin/python`` next to
the repository, when there is one; otherwise it says which interpreter to use and stops —
rather than failing later with an empty "stopped early" or a JSONDecodeError.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHT = ("typer", "rich", "yaml", "msgspec", "platformdirs")  # what `dlstudy list` imports
HEAVY = ("torch", "sympy", "numpy")  # what `dlstudy prove` imports
_AGAIN = "DLSTUDY_BENCHMARK_RESTARTED"


def _venv_python() -> Path:
    return ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def require(modules: tuple[str, ...] = LIGHT + HEAVY) -> None:
    """Make sure this interpreter can run dlstudy, restarting in ``.venv`` if it cannot."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    script = Path(sys.argv[0]).name
    venv = _venv_python()
    inside = Path(sys.prefix).resolve() == venv.parent.parent.resolve()
    if venv.exists() and not inside and not os.environ.get(_AGAIN):
        print(f"{script}: {sys.executable} cannot import {', '.join(missing)}; "
              f"running with {venv}", file=sys.stderr, flush=True)
        os.environ[_AGAIN] = "1"
        os.execv(str(venv), [str(venv), *sys.argv])
    sys.exit(f"{script}: {sys.executable} cannot import {', '.join(missing)}, which dlstudy "
             "needs. Run it with the Python dlstudy is installed in — the README's set-up "
             f"makes {venv}:\n    {venv} {Path(sys.argv[0])}")
