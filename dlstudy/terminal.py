"""The terminal front-end of a study session: panels out, keys in.

On a terminal, single keys are read in cbreak mode (no Enter needed after 1–4); with
piped input, one command per line — so a session can be scripted:

    empty line / Enter  show the answer        1 2 3 4  Again, Hard, Good, Easy
    p  prove the card (run its derivations)    s  skip    u  undo the last grade    q  quit

End of input (or Ctrl-C, Ctrl-D) ends the session cleanly; every grade was committed when
its acknowledgement line was printed.

How a card is asked depends on its kind (``ASK``): recall cards are self-graded. A kind
that grades itself (an exercise checked by computing the answer) adds an entry that reads
the user's answer and calls ``session.grade`` with the rating it works out.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape

from dlstudy.card import Card
from dlstudy.derivation import DerivationInfo
from dlstudy.scheduler import RATINGS
from dlstudy.session import Graded, Session, Summary, describe_due, human_span

RATING_STYLE = {1: "red", 2: "yellow", 3: "green", 4: "cyan"}
KEYS_HELP = {
    "en": ("[b]Enter[/b] answer · [b]s[/b] skip · [b]u[/b] undo · [b]q[/b] quit",
           "[b]1[/b] Again · [b]2[/b] Hard · [b]3[/b] Good · [b]4[/b] Easy · [b]p[/b] prove · "
           "[b]s[/b] skip · [b]u[/b] undo · [b]q[/b] quit"),
    "zh": ("[b]回车[/b] 看答案 · [b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]q[/b] 退出",
           "[b]1[/b] 忘记 · [b]2[/b] 困难 · [b]3[/b] 良好 · [b]4[/b] 简单 · [b]p[/b] 证明 · "
           "[b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]q[/b] 退出"),
}

END_HELP = {"en": "No more cards. [b]u[/b] undoes the last grade; any other key ends the session.",
            "zh": "没有更多卡片了。[b]u[/b] 撤销上一次评分；按其他键结束。"}


class Keys:
    """Commands from the user: single keys on a terminal, lines from a pipe. ``None`` = end."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdin
        try:
            self.tty = self.stream.isatty()
            import termios  # noqa: F401  (no termios, e.g. on Windows: one command per line)
        except (AttributeError, ValueError, ImportError):
            self.tty = False
        self._saved: list[Any] | None = None
        self._pending = ""

    def __enter__(self) -> Keys:
        if self.tty:
            import termios
            import tty

            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)  # keys arrive one at a time, unechoed; Ctrl-C still interrupts
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self) -> str | None:
        """One command: ``enter``, ``1``–``4``, ``p``, ``s``, ``u``, ``q``, another word, or None."""
        if self.tty:
            if not self._pending:
                data = os.read(self.stream.fileno(), 64).decode("utf-8", "replace")
                if not data:
                    return None
                if data[0] == "\x1b":  # an arrow key or another escape sequence: ignored
                    return ""
                self._pending = data  # keys typed ahead are kept, not dropped
            key, self._pending = self._pending[0], self._pending[1:]
            if key == "\x04":  # Ctrl-D
                return None
            return "enter" if key in "\r\n " else key.lower()
        line = self.stream.readline()
        if not line:
            return None
        word = line.strip().lower()
        return "enter" if word == "" else word


class Study:
    """One session on a console: shows cards, reads keys, prints acknowledgements."""

    def __init__(self, session: Session, derivations: dict[str, DerivationInfo], lang: str,
                 console: Console, keys: Keys, proofs: Path | None = None) -> None:
        self.session = session
        self.derivations = derivations
        self.lang = lang
        self.console = console
        self.keys = keys
        self.proofs = proofs

    def run(self, selection: set[str] | None = None) -> Summary:
        """Ask cards until the queue is empty or the user quits; ``selection`` is for "next due"."""
        try:
            with self.keys:
                while True:
                    card = self.session.next_card()
                    if card is None:
                        if self.session.history and self._undo_at_end():
                            continue
                        break
                    ask = ASK.get(card.kind, ask_recall)
                    if ask(self, card) == "quit":
                        break
        except KeyboardInterrupt:
            self.console.print()
        return self.session.summary(selection)

    def _undo_at_end(self) -> bool:
        """No card is left: one last chance to take back the last grade. True if it was."""
        self.console.print(END_HELP[self.lang], style="dim", highlight=False)
        if self.keys.read() not in ("u", "undo"):
            return False
        undone = self.session.undo()
        if undone is not None:
            self.say(f"undid {RATINGS[undone.review.rating]} for {undone.card.id}")
        return undone is not None

    # --- what the user sees ---------------------------------------------------------------

    def show_question(self, card: Card) -> None:
        from dlstudy.render import question_panel

        done = len(self.session.history) + len(self.session.skipped)
        where = f"{card.id} · {card.topic} · {done + 1}/{done + 1 + len(self.session.queue)}"
        self.console.print(question_panel(card, self.lang, subtitle=where))
        self.console.print(KEYS_HELP[self.lang][0], style="dim", highlight=False)

    def show_answer(self, card: Card) -> None:
        from dlstudy.render import answer_panel

        self.console.print(answer_panel(card, self.derivations, self.lang))
        self.console.print(KEYS_HELP[self.lang][1], style="dim", highlight=False)

    def acknowledge(self, graded: Graded) -> None:
        rating = graded.review.rating
        style = RATING_STYLE[rating]
        self.console.print(f"[{style}]graded {graded.card.id} {RATINGS[rating]}[/{style}] · next "
                           f"{describe_due(graded.state.due)}", highlight=False)

    def say(self, text: str) -> None:
        self.console.print(text, style="dim", markup=False, highlight=False)

    def prove(self, card: Card) -> None:
        """Run the card's derivations here and now; torch and sympy are imported only now."""
        infos = [self.derivations[d] for d in card.derivations if d in self.derivations]
        if not infos:
            self.say("this card links no derivation")
            return
        try:
            from dlstudy.device import resolve
            from dlstudy.render import result_view
            from dlstudy.runner import ProofCache, prove

            cache = ProofCache(self.proofs) if self.proofs else None
            with self.console.status("proving…") if self.keys.tty else nullcontext():
                results = prove(infos, resolve("auto"), "quick", self.lang, 1, cache)
            for result in results:
                claims = [c.get(self.lang) for c in self.derivations[result.id].claims]
                self.console.print(result_view(result, claims, plots=False))
        except Exception as exc:  # a broken proof must not end the session
            self.console.print(f"[yellow]could not prove:[/yellow] {escape(str(exc))}")
        self.console.print(KEYS_HELP[self.lang][1], style="dim", highlight=False)


def ask_recall(study: Study, card: Card) -> str:
    """Question → Enter → answer → 1–4. Returns ``next`` or ``quit``."""
    study.show_question(card)
    started = time.monotonic()
    paused = 0.0
    revealed = False
    while True:
        key = study.keys.read()
        if key is None or key in ("q", "quit"):
            return "quit"
        if key == "enter":
            if not revealed:
                study.show_answer(card)
                revealed = True
            continue
        if key in ("1", "2", "3", "4"):
            if not revealed:
                study.say("see the answer first: press Enter")
                continue
            duration = round((time.monotonic() - started - paused) * 1000)
            try:
                graded = study.session.grade(int(key), duration)
            except sqlite3.Error as exc:  # disk full, database locked for too long…
                study.console.print(f"[red]could not save the grade:[/red] {escape(str(exc))}; "
                                    "grade again, or q to quit")
                continue
            study.acknowledge(graded)
            return "next"
        if key == "p":
            if not revealed:
                study.show_answer(card)
                revealed = True
            begun = time.monotonic()
            study.prove(card)
            paused += time.monotonic() - begun  # proving is not recall time
            continue
        if key == "s":
            study.session.skip()
            study.say(f"skipped {card.id}")
            return "next"
        if key == "u":
            try:
                undone = study.session.undo()
            except sqlite3.Error as exc:
                study.console.print(f"[red]could not undo:[/red] {escape(str(exc))}")
                continue
            if undone is None:
                study.say("nothing to undo in this session")
                continue
            study.say(f"undid {RATINGS[undone.review.rating]} for {undone.card.id}")
            return "next"
        if key:
            study.say(f"unknown key {key!r}")
            study.console.print(KEYS_HELP[study.lang][1 if revealed else 0], style="dim",
                                highlight=False)


ASK: dict[str, Callable[[Study, Card], str]] = {"recall": ask_recall}


def summary_text(summary: Summary) -> str:
    grades = " · ".join(f"[{RATING_STYLE[r]}]{RATINGS[r]} {n}[/{RATING_STYLE[r]}]"
                        for r, n in summary.ratings.items() if n)
    from datetime import timedelta

    took = human_span(timedelta(seconds=summary.seconds)) if summary.seconds >= 1 else "< 1 s"
    lines = [f"[b]Session over[/b]: {summary.cards} card(s), {summary.graded} grade(s)"
             + (f" ({grades})" if grades else "") + f", {took}."]
    if summary.skipped:
        lines.append(f"Skipped {summary.skipped}.")
    if summary.left:
        lines.append(f"{summary.left} card(s) left in the queue.")
    lines.append(f"Next due: {describe_due(summary.next_due)}.")
    return "\n".join(lines)
