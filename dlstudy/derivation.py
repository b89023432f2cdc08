"""The catalogue of derivations, read without running them.

A derivation is one Python module (see README, 'Adding a derivation'):

    TITLE = {"en": "...", "zh": "..."}
    CLAIMS = [{"en": "...", "zh": "..."}, ...]
    def derive(p): ...        # the sympy part
    def experiment(p): ...    # the numeric part

Its id is the file name without ``.py``. The metadata is read with ``ast``, so
``list``, ``show`` and ``check`` never import the module — nor torch, sympy or
numpy — and never execute code from a user's folder.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dlstudy.card import Text, text_problems
from dlstudy.deck import Problem, resolved

HEAVY = ("torch", "sympy", "numpy", "matplotlib", "scipy")
_ID = re.compile(r"[a-z][a-z0-9_]{0,79}")  # used with fullmatch: no trailing newline


@dataclass(frozen=True)
class DerivationInfo:
    """What the catalogue knows of a derivation before running it."""

    id: str
    path: Path
    title: Text
    claims: tuple[Text, ...]


MAX_MODULE_BYTES = 1024 * 1024  # the largest bundled module is about 20 KB


def _text(node: ast.AST, what: str) -> Text:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        # TypeError: an unhashable key ({[]: 1}); RecursionError, MemoryError: deep nesting
        value = None
    if not (isinstance(value, dict) and set(value) == {"en", "zh"}
            and all(isinstance(v, str) and v for v in value.values())):
        raise ValueError(f"{what} must be a dict with non-empty `en` and `zh` strings")
    text = Text(en=value["en"], zh=value["zh"])
    for _, message in text_problems(text, []):
        raise ValueError(f"{what}: {message}")
    return text


def read_source(path: Path) -> str:
    """A derivation module's source, refused (``ValueError``) past :data:`MAX_MODULE_BYTES`;
    ``OSError`` and ``UnicodeDecodeError`` when it cannot be read."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device never end
        raise ValueError("not a regular file; a derivation is a Python module")
    with path.open("rb") as file:
        raw = file.read(MAX_MODULE_BYTES + 1)
    if len(raw) > MAX_MODULE_BYTES:
        raise ValueError(f"file is larger than {MAX_MODULE_BYTES >> 20} MB; a derivation "
                         "module is a page or two of code")
    return raw.decode("utf-8")


def read_info(path: Path) -> tuple[DerivationInfo | None, list[Problem]]:
    """Read one derivation module's metadata and check its shape."""
    problems: list[Problem] = []
    try:
        source = read_source(path)
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        return None, [Problem(path, exc.lineno or 1, f"Python syntax error: {exc.msg}")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read file: {exc}")]
    except ValueError as exc:
        return None, [Problem(path, 1, str(exc))]
    except (RecursionError, MemoryError):
        return None, [Problem(path, _deep_line(source), "an expression is nested too deeply for "
                                                      "Python to read; split it up")]

    if not _ID.fullmatch(path.stem):
        problems.append(Problem(path, 1, f"file name `{path.stem}` is not a valid derivation id: "
                                         "use lowercase letters, digits and '_'"))
    title: Text | None = None
    claims: list[Text] = []
    functions: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                if name == "TITLE":
                    title = _text(node.value, "TITLE")
                elif name == "CLAIMS":
                    if not isinstance(node.value, (ast.List, ast.Tuple)) or not node.value.elts:
                        raise ValueError("CLAIMS must be a non-empty list of {en, zh} dicts")
                    claims = [_text(elt, "each claim") for elt in node.value.elts]
            except ValueError as exc:
                problems.append(Problem(path, node.lineno, str(exc)))
        elif isinstance(node, ast.FunctionDef):
            functions.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            heavy = [n for n in names if n.split(".")[0] in HEAVY]
            if heavy:
                problems.append(Problem(path, node.lineno,
                                        f"imports {heavy[0]} at module level; import it inside "
                                        "derive()/experiment() so list/show/quiz stay fast"))
    if title is None and not any(p.message.startswith("TITLE") for p in problems):
        problems.append(Problem(path, 1, "missing TITLE = {'en': ..., 'zh': ...}"))
    if not claims and not any("CLAIMS" in p.message for p in problems):
        problems.append(Problem(path, 1, "missing CLAIMS = [{'en': ..., 'zh': ...}, ...]"))
    for required in ("derive", "experiment"):
        if required not in functions:
            problems.append(Problem(path, 1, f"missing function `{required}(p)` "
                                             "(the symbolic part and the numeric part)"))
    if title is None or not _ID.fullmatch(path.stem):  # no card can name an invalid id
        return None, problems
    return DerivationInfo(path.stem, path, title, tuple(claims)), problems


def derivation_files(folders: Iterable[Path]) -> list[Path]:
    """The derivation modules in ``folders`` (or given directly), each once; ``_*.py`` are helpers."""
    files: dict[Path, Path] = {}
    for folder in folders:
        if folder.is_file():
            found = [folder] if folder.suffix == ".py" else []
        elif folder.is_dir():
            found = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
        else:
            found = []
        for path in found:
            files.setdefault(resolved(path), path)
    return list(files.values())


def discover(folders: Iterable[Path],
             read: Callable[[Path], tuple[DerivationInfo | None, list[Problem]]] | None = None,
             ) -> tuple[dict[str, DerivationInfo], list[Problem]]:
    """Every derivation under ``folders`` by id; a later folder cannot shadow an earlier id.

    ``read`` reads one module (default :func:`read_info`; ``dlstudy.library_cache`` passes a
    cached one).
    """
    catalogue: dict[str, DerivationInfo] = {}
    problems: list[Problem] = []
    for path in derivation_files(folders):
        info, found = (read or read_info)(path)
        problems.extend(found)
        if info is None:
            continue
        if info.id in catalogue:
            problems.append(Problem(path, 1, f"derivation id `{info.id}` already defined in "
                                             f"{catalogue[info.id].path}; rename this file"))
            continue
        catalogue[info.id] = info
    return catalogue, problems


def _deep_line(source: str) -> int:
    """Where a too-deep expression is: the line brackets nest deepest on (when they nest deep),
    else the longest line."""
    depth = deepest = 0
    line = best = 1
    for ch in source:
        if ch == "\n":
            line += 1
        elif ch in "([{":
            depth += 1
            if depth > deepest:
                deepest, best = depth, line
        elif ch in ")]}":
            depth -= 1
    if deepest > 100:
        return best
    lengths = [len(text) for text in source.splitlines()] or [0]
    return lengths.index(max(lengths)) + 1
