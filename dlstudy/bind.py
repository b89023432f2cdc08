"""Numbers on cards come from evidence rows: ``{{derivation.row}}`` placeholders and snapshots.

A card never types a measured number. It writes a placeholder that names an evidence row —

    the ratio reaches {{residual_gradient_depth.relu_sqrt_ratio_512|.2g}} at 512 blocks

— and the value is filled in from the derivation's recorded **snapshot**: the rows (with ids)
of one run, kept as JSON next to the module (``_evidence/quick/ID.json`` for the quick CPU run
the tests regenerate and compare; ``_evidence/full/ID.json`` for a recorded full-scale run).
``dlstudy prove ID --record`` writes them. Reading a snapshot needs only ``json``: rendering a
card stays within the start-up budget.

Placeholder grammar: ``{{[full/]DERIVATION.ROW[.expected][|FORMAT]}}``. FORMAT is a Python
format spec (``.3g``, ``.1%``, ``.2e``, ``,d``); e-notation is shown as ``·10ⁿ``. Without one,
integers print as they are and reals with 3 significant figures.

:func:`loose_numbers` is the other half: a measured-looking number written in a card's text
(a decimal, a percentage, ``·10ⁿ``, ``≈ N``) outside a placeholder, a code span or the card's
declared ``constants`` is something ``dlstudy check`` reports.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCALES = ("quick", "full")
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_REF = re.compile(r"\s*(?:(quick|full)/)?([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)"
                  r"(?:\.(measured|expected))?\s*(?:\|\s*(.*?))?\s*\Z", re.S)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Ref:
    """One placeholder: which row of which derivation, at which scale, and how to print it."""

    scale: str
    derivation: str
    row: str
    field: str = "measured"
    format: str = ""

    @property
    def text(self) -> str:
        scale = "full/" if self.scale == "full" else ""
        field = ".expected" if self.field == "expected" else ""
        fmt = f"|{self.format}" if self.format else ""
        return f"{{{{{scale}{self.derivation}.{self.row}{field}{fmt}}}}}"


def parse(inner: str) -> Ref:
    """The :class:`Ref` a placeholder's inside names; ``ValueError`` saying what is wrong."""
    m = _REF.match(inner)
    if not m:
        raise ValueError(f"placeholder {{{{{inner}}}}} is not of the form "
                         "{{[full/]derivation_id.row_id[.expected][|format]}}")
    scale, derivation, row, field, fmt = m.groups()
    ref = Ref(scale or "quick", derivation, row, field or "measured", fmt or "")
    if ref.format:
        try:
            format(1.5, ref.format[:-1] if ref.format[-1:] in _ROUNDING else ref.format)
        except ValueError:
            raise ValueError(f"placeholder {ref.text}: `{ref.format}` is not a format spec for "
                             "a number (try .3g, .2f, .1%, .2e)") from None
    return ref


def refs(text: str) -> list[Ref | ValueError]:
    """Every placeholder in ``text``, parsed (or the error that parsing it gave)."""
    out: list[Ref | ValueError] = []
    for m in PLACEHOLDER.finditer(text):
        try:
            out.append(parse(m.group(1)))
        except ValueError as exc:
            out.append(exc)
    return out


_ROUNDING = {"↓": -1, "↑": 1}  # a format ending in ↓/↑ rounds down/up: "at least {{…|.2g↓}}"


def _displayed(text: str) -> float:
    """The number a formatted value shows (``6e+03`` → 6000, ``12.5%`` → 0.125)."""
    number = text.replace(",", "").replace("_", "").strip()
    if number.endswith("%"):
        return float(number[:-1]) / 100
    return float(number)


def _step(x: float, base: str) -> float:
    """One unit of the last digit ``format(x, base)`` shows."""
    kind = base[-1] if base[-1:].isalpha() or base.endswith("%") else "g"
    digits = re.search(r"\.(\d+)", base)
    precision = int(digits.group(1)) if digits else 6  # Python's default precision
    if kind in "fF":
        return 10.0 ** -precision
    if kind == "%":
        return 10.0 ** -(precision + 2)
    places = precision if kind in "eE" else max(precision, 1) - 1  # g, e: significant digits
    # the unit of the value's own last digit: where rounding carried to the next power of ten
    # (9.96 → "10"), the shown number's unit is ten times too coarse ("9", not "9.9")
    return 10.0 ** (math.floor(math.log10(abs(x))) - places) if x else 10.0 ** -places


def _formatted(value: Any, fmt: str = "") -> str | None:
    """A finite number as Python formats it for a card (``6e+03``, ``12.5%``), rounded down or
    up for a format ending in ``↓``/``↑``; None for anything else."""
    direction = _ROUNDING.get(fmt[-1:], 0) if fmt else 0
    if direction:
        fmt = fmt[:-1] or ".3g"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and not fmt:
        return str(value)
    x = float(value)
    if not math.isfinite(x):
        return None
    try:        # an integer keeps its type where the spec allows it: `,` gives 44,140,544, not 44,140,544.0
        text = format(value if isinstance(value, int) else x, fmt or ".3g")
    except ValueError:
        text = format(x, fmt or ".3g")
    if direction:  # a bound must hold as printed: 5,967 is "at least 5.9·10³", not 6·10³
        try:
            shown = _displayed(text)
        except ValueError:
            return text
        if (shown - x) * direction < 0:
            text = format(shown + direction * _step(x, fmt or ".3g"), fmt or ".3g")
    return text


def printed_number(value: Any, fmt: str = "") -> float | None:
    """The number a card shows for ``value`` under ``fmt`` (None when it shows no number)."""
    text = _formatted(value, fmt)
    try:
        return None if text is None else _displayed(text)
    except ValueError:
        return None


def show(value: Any, fmt: str = "") -> str:
    """A recorded value as a card prints it. A format ending in ``↓`` or ``↑`` rounds down or up
    instead of to nearest, for a number that states a bound ("at least", "at most")."""
    text = _formatted(value, fmt)
    if text is None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {math.inf: "∞", -math.inf: "−∞"}.get(float(value), "NaN")
        return str(value)
    m = re.fullmatch(r"(-?[0-9.]+)e([+-])0*(\d+)", text)
    if m:
        mantissa, sign, exp = m.groups()
        power = "10" + (("-" if sign == "-" else "") + exp).translate(_SUPERSCRIPT)
        text = power if mantissa in ("1", "1.0", "1.00") else f"{mantissa}·{power}"
    return text.replace("-", "−") if text.startswith("-") else text


# -- snapshots -------------------------------------------------------------------------------

def snapshot_path(module: Path, scale: str) -> Path:
    """Where the snapshot of derivation module ``module`` at ``scale`` lives."""
    return module.parent / "_evidence" / scale / f"{module.stem}.json"


def snapshot_of(result: Any) -> dict[str, Any]:
    """What a snapshot keeps of a :class:`~dlstudy.evidence.Result`: its rows with stable ids."""
    rows = {e.id: {"quantity": e.quantity, "measured": e.measured, "expected": e.expected,
                   "relation": e.relation, "passed": e.passed, **({"refutes": e.refutes}
                                                                   if e.refutes else {})}
            for e in result.evidence if e.id and not e.id.startswith("_")}
    return {"id": result.id, "scale": result.scale, "device": result.device,
            "verdict": result.verdict, "rows": rows}


def write_snapshot(module: Path, result: Any, extra: Mapping[str, Any] | None = None) -> Path:
    """Record ``result`` as the snapshot of ``module`` at its scale; returns the file."""
    target = snapshot_path(module, result.scale)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = snapshot_of(result)
    if extra:
        data.update(extra)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                      encoding="utf-8")
    return target


class Snapshots:
    """Recorded rows, read lazily: ``modules`` maps a derivation id to its module's path."""

    def __init__(self, modules: Mapping[str, Path], folders: Iterable[Path] = ()) -> None:
        self.modules = modules
        self.folders = list(folders)  # where to look for a derivation not in ``modules``
        self._loaded: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _module(self, derivation: str) -> Path | None:
        if derivation in self.modules:
            return self.modules[derivation]
        for folder in self.folders:
            if (folder / f"{derivation}.py").is_file():
                return folder / f"{derivation}.py"
        return None

    def get(self, scale: str, derivation: str) -> dict[str, Any] | None:
        key = (scale, derivation)
        if key not in self._loaded:
            module = self._module(derivation)
            data: dict[str, Any] | None = None
            if module is not None:
                try:
                    loaded = json.loads(snapshot_path(module, scale).read_text(encoding="utf-8"))
                    data = loaded if isinstance(loaded, dict) and isinstance(
                        loaded.get("rows"), dict) else None
                except (OSError, ValueError):
                    data = None
            self._loaded[key] = data
        return self._loaded[key]

    def row(self, ref: Ref) -> dict[str, Any] | None:
        snap = self.get(ref.scale, ref.derivation)
        row = snap["rows"].get(ref.row) if snap else None
        return row if isinstance(row, dict) else None

    def value(self, ref: Ref) -> Any:
        row = self.row(ref)
        return None if row is None else row.get(ref.field)


_current = Snapshots({})


def use(modules: Mapping[str, Path], folders: Iterable[Path] = ()) -> Snapshots:
    """Make the snapshots of these derivation modules (or of the modules in ``folders``) the
    ones cards are rendered from: the library does this when it loads, and
    :meth:`dlstudy.card.Text.get` reads them."""
    global _current
    _current = Snapshots(modules, folders)
    return _current


def current() -> Snapshots:
    return _current


def fill(text: str, lookup: Callable[[Ref], Any]) -> str:
    """``text`` with every placeholder replaced by its recorded value (``⟨…?⟩`` if none)."""

    def one(m: re.Match[str]) -> str:
        try:
            ref = parse(m.group(1))
        except ValueError:  # `check` names the problem; the card shows a gap, as for a lost row
            return f"⟨{m.group(1)}?⟩"
        value = lookup(ref)
        if value is None:
            return f"⟨{ref.derivation}.{ref.row}?⟩"
        try:
            return show(value, ref.format)
        except (ValueError, TypeError):
            return str(value)

    return PLACEHOLDER.sub(one, text) if "{{" in text else text


# -- numbers typed by hand -------------------------------------------------------------------

_CODE = re.compile(r"`[^`]*`")
_MEASURED = re.compile(
    r"(?<![\w.])(?:"
    r"\d+(?:\.\d+)?\s*[·×x*]\s*10(?:\^?[-−]?\d+|[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)"  # 1.5·10⁴, 2×10^-3
    r"|10[⁻][⁰¹²³⁴⁵⁶⁷⁸⁹]+"  # 10⁻¹¹
    r"|\d+(?:\.\d+)?[eE][-+−]?\d+"  # 1e-11, 3.2e5
    r"|\d*\.\d+\s*%?"  # 0.21, .5, 23.5%
    r"|\d+\s*%"  # 23 %
    r")"
    r"|(?<=[≈~∼])\s*[-−]?\d+(?:\.\d+)?"  # ≈ 139
)


def normal(token: str) -> str:
    return re.sub(r"\s+", "", token).replace("−", "-")


def loose_numbers(text: str, constants: Iterable[str] = ()) -> list[str]:
    """The measured-looking numbers of ``text`` that no placeholder, code span or declared
    constant accounts for."""
    declared = {normal(c) for c in constants}
    bare = _CODE.sub(" ", PLACEHOLDER.sub(" ", text))
    found = []
    for m in _MEASURED.finditer(bare):
        token = m.group(0).strip()
        if token and normal(token) not in declared and normal(token).rstrip("%") not in declared:
            found.append(token)
    return found
