"""Claim cards: a true-or-false statement whose verdict is one evidence row of a derivation.

The YAML never says whether a claim is true. The card names a derivation and the id of one of
its evidence rows (``id="..."`` in the derivation) and whether the statement *asserts* what
the row checks or *denies* it (a misconception the row refutes):

    statement is true  ⇔  row passed  XOR  statement == "denies"

so if an experiment ever changed its outcome, the verdict would follow it.

:func:`row_ids` is the cheap check ``dlstudy check`` makes without running anything: the
row's id must be written in the derivation's source. :func:`verdict` reads the
verdict off a result; :class:`PendingVerdict` gets that result while the user thinks — from
the proof cache at once (nothing heavy imported), else by running the derivation in a child
process under the time limit of ``dlstudy prove``, a process that is killed when the limit
is past, the card is left or the session ends.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlstudy.card import ClaimSpec

if TYPE_CHECKING:
    from dlstudy.derivation import DerivationInfo
    from dlstudy.evidence import Evidence, Result

DEVICE, SCALE = "cpu", "quick"  # claims are decided by the quick CPU run: seconds, deterministic
TIMEOUT_S = 120.0  # the time limit of `dlstudy prove --scale quick` (its default --timeout)
# run_one's limit starts once torch is imported; the child is killed if it is still there this
# much later (an import that hangs, a derivation stuck in C code that ignores the alarm).
KILL_GRACE_S = 60.0
LEFT = "stopped: the card was left"

# Why a claim has no verdict, in each language (Verdict.why names the entry and its arguments).
PROBLEMS = {
    "en": {
        "did_not_run": "the derivation `{id}` did not run: {why}",
        "no_row": "derivation `{id}`: no evidence row has the id `{row}`",
        "no_derivation": "no derivation named `{id}`",
        "could_not_run": "could not run `{id}`: {why}",
        "timed_out": "the derivation `{id}` was stopped after {seconds:g} s (the time limit of "
                     "`dlstudy prove`)",
        "left": LEFT,
        "running": "the experiment is still running",
    },
    "zh": {
        "did_not_run": "推导 `{id}` 没有运行成功：{why}",
        "no_row": "推导 `{id}` 没有 id 为 `{row}` 的证据行",
        "no_derivation": "没有名为 `{id}` 的推导",
        "could_not_run": "无法运行 `{id}`：{why}",
        "timed_out": "推导 `{id}` 运行 {seconds:g} 秒后被停止（`dlstudy prove` 的时间限制）",
        "left": "已停止：离开了这张卡片",
        "running": "实验仍在运行",
    },
}


@dataclass(frozen=True)
class Verdict:
    """Whether a claim's statement is true, and the evidence that decides it.

    Attributes:
        truth: True or False; None when it could not be decided (see ``problem``).
        row: the evidence row that decides it.
        result: the derivation's result (all its rows, for display).
        problem: why there is no verdict (the derivation failed to run, the row is missing…).
    """

    truth: bool | None
    row: Evidence | None = None
    result: Result | None = None
    problem: str | None = None
    why: tuple[str, tuple[tuple[str, object], ...]] | None = None  # PROBLEMS entry, arguments

    def explain(self, lang: str) -> str:
        """Why there is no verdict, in ``lang`` (the English ``problem`` if it has no entry)."""
        if self.why is None:
            return self.problem or "?"
        from dlstudy.runner import error_in

        key, args = self.why
        shown = {k: error_in(v, lang) if k == "why" and isinstance(v, str) else v for k, v in args}
        return PROBLEMS.get(lang, PROBLEMS["en"])[key].format(**shown)


def _problem(key: str, result: Result | None = None, **args: object) -> Verdict:
    """A :class:`Verdict` without a verdict, for the reason ``PROBLEMS[…][key]``."""
    return Verdict(None, None, result, PROBLEMS["en"][key].format(**args),
                   (key, tuple(args.items())))


def find_row(evidence: Sequence[Evidence], row_id: str) -> Evidence:
    """The row recorded under ``row_id``; ``LookupError`` saying what is wrong otherwise."""
    for row in evidence:
        if row.id == row_id:
            return row
    raise LookupError(f"no evidence row has the id `{row_id}`")


def verdict(spec: ClaimSpec, result: Result) -> Verdict:
    """The verdict ``result`` gives the claim ``spec``."""
    if result.verdict == "error":
        last = (result.error or "no error message").strip().splitlines()[-1]
        return _problem("did_not_run", result, id=result.id, why=last)
    try:
        row = find_row(result.evidence, spec.row)
    except LookupError:
        return _problem("no_row", result, id=result.id, row=spec.row)
    return Verdict(row.passed != (spec.statement == "denies"), row, result)


def decide(spec: ClaimSpec, info: DerivationInfo, proofs: Path | None = None,
           timeout: float = TIMEOUT_S) -> Verdict:
    """The claim's verdict: from the proof cache in ``proofs`` if a result is there, else by
    running the derivation in a child process (and caching the result)."""
    return PendingVerdict(spec, info, proofs, timeout).result()


# The child: run one derivation (quick, CPU, under the time limit) and write its result as JSON.
_CHILD = ("import json, sys\n"
          "from dlstudy.runner import run_one\n"
          "name, path, title, timeout, out = sys.argv[1:]\n"
          "payload = run_one(name, path, title, 'cpu', 'quick', timeout=float(timeout))\n"
          "with open(out, 'w', encoding='utf-8') as f:\n"
          "    json.dump(payload, f)\n")


class PendingVerdict:
    """A claim's verdict being worked out in the background (a thread; the derivation itself,
    if it is not cached, in a child process that :meth:`cancel` kills)."""

    def __init__(self, spec: ClaimSpec, info: DerivationInfo | None, proofs: Path | None,
                 timeout: float = TIMEOUT_S) -> None:
        self.spec = spec
        self.timeout = timeout
        self._verdict: Verdict | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._child: subprocess.Popen[bytes] | None = None
        if info is None:
            self._verdict = _problem("no_derivation", id=spec.derivation)
            self._thread: threading.Thread | None = None
            return
        self._thread = threading.Thread(target=self._run, args=(info, proofs), daemon=True,
                                        name=f"claim {info.id}")
        self._thread.start()

    def _run(self, info: DerivationInfo, proofs: Path | None) -> None:
        try:
            from dlstudy.runner import ProofCache

            cache = ProofCache(proofs) if proofs is not None else None
            result = cache.get(info, DEVICE, SCALE) if cache is not None else None
            if result is None:
                result = self._run_elsewhere(info)
                if result is None:
                    return  # cancelled or stopped: the verdict says so
                if cache is not None:
                    try:
                        cache.put(info, result)
                    except OSError:
                        pass  # a cache that cannot be written only costs time
            self._verdict = verdict(self.spec, result)
        except Exception as exc:  # reported as "no verdict", never a crashed session
            self._verdict = _problem("could_not_run", id=info.id, why=exc)

    def _run_elsewhere(self, info: DerivationInfo) -> Result | None:
        """Run the derivation in a child process; None (with the verdict set) if it was
        cancelled or ran past the time limit."""
        from dlstudy.evidence import Result

        root = str(Path(__file__).resolve().parent.parent)  # the child imports this dlstudy
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH")) if p))
        with tempfile.TemporaryDirectory(prefix="dlstudy-claim-") as folder:
            out, log = Path(folder) / "result.json", Path(folder) / "stderr.txt"
            with open(log, "wb") as stderr:
                with self._lock:
                    if self._cancelled:
                        self._verdict = _problem("left")
                        return None
                    # stdin and stdout are not the child's: the session owns the terminal.
                    self._child = subprocess.Popen(
                        [sys.executable, "-c", _CHILD, info.id, str(info.path), info.title.en,
                         str(self.timeout), str(out)],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
                child = self._child
                try:
                    code = child.wait(self.timeout + KILL_GRACE_S if self.timeout > 0 else None)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                    self._verdict = _problem("timed_out", id=info.id, seconds=self.timeout)
                    return None
            if self._cancelled:
                self._verdict = _problem("left")
                return None
            if code != 0 or not out.exists():
                lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                why = lines[-1] if lines else f"exit status {code}"
                return Result(info.id, info.title.en, "error", DEVICE, SCALE, 0.0,
                              error=f"the child process failed: {why}")
            return Result.from_dict(json.loads(out.read_text(encoding="utf-8")))

    def cancel(self) -> None:
        """Stop working on it (the card was left, or the session ends): kill the child process."""
        with self._lock:
            self._cancelled = True
            child = self._child
        if child is not None and child.poll() is None:
            child.kill()

    def done(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def result(self, timeout: float | None = None) -> Verdict:
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return _problem("running")
        assert self._verdict is not None
        return self._verdict


# --- the cheap check: the row ids a derivation's source gives --------------------------------

def row_ids(source: str) -> dict[str, int]:
    """Each literal ``id="..."`` passed to a call in ``source``, with the line of its first use.

    Only literal ids count: a card can name a row only by an id that is written out."""
    found: dict[str, int] = {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "id" and isinstance(kw.value, ast.Constant) \
                        and isinstance(kw.value.value, str):
                    found.setdefault(kw.value.value, node.lineno)
    return found
