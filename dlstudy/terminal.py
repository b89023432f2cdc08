"""The terminal front-end of a study session: panels out, keys in.

On a terminal, single keys are read in cbreak mode (no Enter needed after 1–4); with
piped input, one command per line — so a session can be scripted:

    empty line / Enter  show the answer        1 2 3 4  Again, Hard, Good, Easy
    p  prove the card (run its derivations)    s  skip    u  undo the last grade    q  quit

End of input (or Ctrl-C, Ctrl-D) ends the session cleanly; every grade was committed when
its acknowledgement line was printed.

How a card is asked depends on its kind (``ASK``): recall cards are self-graded. Exercise
and claim cards grade themselves: the answer is one line (a number, a shape, an expression;
t or f), dlstudy works out the grade — wrong: Again; right: Easy when fast, Hard when slow,
else Good — shows the worked solution or the evidence, and Enter accepts the grade or
1–4 changes it. Their numbers and verdicts are computed in a background thread while the
user thinks, so torch is imported only once such a card is on screen.
"""

from __future__ import annotations

import os
import random
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

AUTO_HELP = {
    "en": {"exercise": "type your answer, then Enter (an empty line shows the solution: Again) · "
                       "[b]s[/b] skip · [b]u[/b] undo · [b]q[/b] quit",
           "claim": "[b]t[/b] true · [b]f[/b] false · [b]s[/b] skip · [b]u[/b] undo · [b]q[/b] quit",
           "settle": "[b]Enter[/b] accept · [b]1[/b]–[b]4[/b] change it (Again, Hard, Good, Easy) · "
                     "[b]p[/b] prove · [b]u[/b] undo the previous grade · [b]q[/b] quit",
           "self": "no automatic grade: grade yourself · [b]1[/b] Again · [b]2[/b] Hard · "
                   "[b]3[/b] Good · [b]4[/b] Easy · [b]p[/b] prove · [b]q[/b] quit"},
    "zh": {"exercise": "输入答案后按回车（空行直接看解答：记为忘记）· [b]s[/b] 跳过 · [b]u[/b] 撤销 · "
                       "[b]q[/b] 退出",
           "claim": "[b]t[/b] 对 · [b]f[/b] 错 · [b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]q[/b] 退出",
           "settle": "[b]回车[/b] 接受 · [b]1[/b]–[b]4[/b] 改为（忘记、困难、良好、简单）· [b]p[/b] 证明 · "
                     "[b]u[/b] 撤销上一次评分 · [b]q[/b] 退出",
           "self": "无法自动评分：请自评 · [b]1[/b] 忘记 · [b]2[/b] 困难 · [b]3[/b] 良好 · "
                   "[b]4[/b] 简单 · [b]p[/b] 证明 · [b]q[/b] 退出"},
}
TRY_AGAIN = {"en": " (not graded: try again)", "zh": "（未评分：请重试）"}
AUTO_GRADE = {"en": "automatic grade: {grade} ({seconds} s; Easy ≤ {easy:g} s, Hard > {hard:g} s)",
              "zh": "自动评分：{grade}（用时 {seconds} 秒；≤ {easy:g} 秒为简单，> {hard:g} 秒为困难）"}

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

    def line(self) -> str | None:
        """One typed line, as typed (an exercise's answer); None at the end of input.

        On a terminal the line is read in the normal, echoed mode, so it can be edited.
        """
        if not self.tty:
            line = self.stream.readline()
            return None if not line else line.strip()
        import termios

        fd = self.stream.fileno()
        keys_mode = termios.tcgetattr(fd)
        if self._saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, self._saved)
        data, self._pending = self._pending.lstrip("\r\n "), ""
        try:
            while not data.endswith(("\n", "\r")):
                chunk = os.read(fd, 1024).decode("utf-8", "replace")
                if not chunk:  # Ctrl-D
                    return data.strip() or None
                data += chunk
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, keys_mode)
        return data.strip()

    def discard(self) -> None:
        """Drop keys typed ahead (the rest of "true" after its "t" must not act as commands)."""
        self._pending = ""
        if self.tty:
            import termios

            termios.tcflush(self.stream.fileno(), termios.TCIFLUSH)


class Study:
    """One session on a console: shows cards, reads keys, prints acknowledgements."""

    def __init__(self, session: Session, derivations: dict[str, DerivationInfo], lang: str,
                 console: Console, keys: Keys, proofs: Path | None = None,
                 easy_within: float = 10.0, hard_after: float = 60.0,
                 seeds: random.Random | None = None) -> None:
        self.session = session
        self.derivations = derivations
        self.lang = lang
        self.console = console
        self.keys = keys
        self.proofs = proofs
        self.easy_within = easy_within
        self.hard_after = hard_after
        self.seeds = seeds or random.Random()  # exercise seeds; seeded, a session replays

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

    def show_question(self, card: Card, task: str | None = None) -> None:
        from dlstudy.render import question_panel

        done = len(self.session.history) + len(self.session.skipped)
        where = f"{card.id} · {card.topic} · {done + 1}/{done + 1 + len(self.session.queue)}"
        self.console.print(question_panel(card, self.lang, subtitle=where, task=task))
        keys = KEYS_HELP[self.lang][0] if card.kind == "recall" else AUTO_HELP[self.lang][card.kind]
        self.console.print(keys, style="dim", highlight=False)

    def show_answer(self, card: Card) -> None:
        from dlstudy.render import answer_panel

        self.console.print(answer_panel(card, self.derivations, self.lang))
        self.console.print(KEYS_HELP[self.lang][1], style="dim", highlight=False)

    def acknowledge(self, graded: Graded) -> None:
        rating, auto = graded.review.rating, graded.review.auto_rating
        style = RATING_STYLE[rating]
        changed = f" (changed from {RATINGS[auto]})" if graded.review.overridden and auto else ""
        self.console.print(f"[{style}]graded {graded.card.id} {RATINGS[rating]}[/{style}]{changed} · "
                           f"next {describe_due(graded.state.due)}", highlight=False)

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
                self.console.print(result_view(result, claims, plots=False, lang=self.lang))
        except Exception as exc:  # a broken proof must not end the session
            self.console.print(f"[yellow]could not prove:[/yellow] {escape(str(exc))}")
        self.console.print(KEYS_HELP[self.lang][1], style="dim", highlight=False)

    def wait(self, pending: Any, what: str) -> Any:
        """``pending.result()``, with a spinner on a terminal while it is not done yet."""
        if pending.done():
            return pending.result()
        with self.console.status(what) if self.keys.tty else nullcontext():
            return pending.result()

    def undo_last(self) -> bool:
        """The ``u`` key: take back this session's latest grade. True if the session moved on
        (the undone card is asked next)."""
        try:
            undone = self.session.undo()
        except sqlite3.Error as exc:
            self.console.print(f"[red]could not undo:[/red] {escape(str(exc))}")
            return False
        if undone is None:
            self.say("nothing to undo in this session")
            return False
        self.say(f"undid {RATINGS[undone.review.rating]} for {undone.card.id}")
        return True

    def settle(self, card: Card, auto: int | None, duration_ms: int, seed: int | None = None,
               answer: str | None = None) -> str:
        """After an auto-graded answer: Enter records ``auto``, 1–4 records another grade (the
        log keeps both). ``auto`` None: the user grades. Quitting records ``auto`` first."""
        if auto is not None:
            grade = f"[{RATING_STYLE[auto]}]{RATINGS[auto]}[/{RATING_STYLE[auto]}]"
            line = AUTO_GRADE[self.lang].format(grade=grade, seconds=round(duration_ms / 1000),
                                                easy=self.easy_within, hard=self.hard_after)
            if auto == 1:  # wrong: how long it took does not matter
                line = line.split(" (")[0].split("（")[0]
            self.console.print(line, highlight=False)
        help_line = AUTO_HELP[self.lang]["settle" if auto is not None else "self"]
        self.console.print(help_line, style="dim", highlight=False)
        while True:
            key = self.keys.read()
            quitting = key is None or key in ("q", "quit")
            if quitting and auto is None:
                return "quit"
            if key == "enter" and auto is None:
                self.say("grade it yourself: 1–4")
                continue
            if key in ("1", "2", "3", "4") or key == "enter" or quitting:
                rating = int(key) if key in ("1", "2", "3", "4") else auto
                assert rating is not None
                try:
                    graded = self.session.grade(rating, duration_ms, seed=seed, auto_rating=auto,
                                                answer=answer)
                except sqlite3.Error as exc:
                    self.console.print(f"[red]could not save the grade:[/red] {escape(str(exc))}; "
                                       "grade again, or q to quit")
                    if quitting:
                        return "quit"
                    continue
                self.acknowledge(graded)
                return "quit" if quitting else "next"
            if key == "p":
                self.prove(card)
                self.console.print(help_line, style="dim", highlight=False)
                continue
            if key == "s":
                self.session.skip()
                self.say(f"skipped {card.id} (nothing recorded)")
                return "next"
            if key == "u":
                if self.undo_last():
                    return "next"
                continue
            if key:
                self.say(f"unknown key {key!r}")
                self.console.print(help_line, style="dim", highlight=False)


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


def _before_answer(study: Study, card: Card, word: str) -> str | None:
    """The commands an exercise or claim takes instead of an answer: ``quit``, ``next``, or
    None when ``word`` is not one of them."""
    if word in ("q", "quit"):
        return "quit"
    if word in ("s", "skip"):
        study.session.skip()
        study.say(f"skipped {card.id}")
        return "next"
    if word in ("u", "undo"):
        return "next" if study.undo_last() else "again"
    if word in ("p", "prove"):
        study.say("answer first: p proves the card once the answer is graded")
        return "again"
    return None


def ask_exercise(study: Study, card: Card) -> str:
    """Fresh numbers → a typed answer → right or wrong, the worked solution → Enter or 1–4."""
    from dlstudy import exercises
    from dlstudy.answers import Unparseable, parse

    assert card.exercise is not None
    seed = study.seeds.randrange(2**31)
    try:
        pending = exercises.start(card.exercise.generator, seed)
    except Exception as exc:  # an unknown generator (dlstudy check says so): still a card
        study.console.print(f"[yellow]cannot draw this exercise:[/yellow] {escape(str(exc))}; "
                            "asked as a recall card")
        return ask_recall(study, card)
    study.show_question(card, task=pending.prompt.get(study.lang))
    started = time.monotonic()
    while True:
        line = study.keys.line()
        if line is None:
            return "quit"
        command = _before_answer(study, card, line.strip().lower())
        if command == "again":
            continue
        if command is not None:
            return command
        seconds = time.monotonic() - started
        try:
            exercise = study.wait(pending, "computing the answer…")
        except Exception as exc:
            from dlstudy.render import answer_panel

            study.console.print(f"[yellow]could not compute the answer:[/yellow] {escape(str(exc))}")
            study.console.print(answer_panel(card, study.derivations, study.lang))
            return study.settle(card, None, round(seconds * 1000), seed, line or None)
        if not line:
            correct, answer = False, None
        else:
            try:
                value = parse(line, exercise.answer_type, study.lang)
            except Unparseable as exc:
                study.console.print(f"[yellow]{escape(exc.message(study.lang))}[/yellow]"
                                    f"{TRY_AGAIN[study.lang]}", highlight=False)
                continue
            correct, answer = exercise.check(value), line
        break
    from dlstudy.render import exercise_result
    from dlstudy.session import auto_rating

    study.console.print(exercise_result(exercise.solution.get(study.lang), exercise.shown(),
                                        answer, correct, study.lang))
    rating = auto_rating(correct, seconds, study.easy_within, study.hard_after)
    return study.settle(card, rating, round(seconds * 1000), seed, answer)


def ask_claim(study: Study, card: Card) -> str:
    """A statement → t or f → right or wrong, with the evidence row that decides it → Enter or 1–4."""
    from dlstudy.answers import Unparseable, parse_bool
    from dlstudy.claims import PendingVerdict

    assert card.claim is not None
    pending = PendingVerdict(card.claim, study.derivations.get(card.claim.derivation), study.proofs)
    study.show_question(card)
    started = time.monotonic()
    while True:
        key = study.keys.read()
        if key is None:
            return "quit"
        command = _before_answer(study, card, key)
        if command == "again":
            continue
        if command is not None:
            return command
        if key == "enter":
            study.say("answer t (true) or f (false)")
            continue
        try:
            said = parse_bool(key)
        except ValueError:
            study.console.print(f"[yellow]{escape(Unparseable(key, 'boolean').message(study.lang))}"
                                f"[/yellow]{TRY_AGAIN[study.lang]}", highlight=False)
            continue
        break
    study.keys.discard()
    seconds = time.monotonic() - started
    verdict = study.wait(pending, "running the experiment…")
    answer = "true" if said else "false"
    from dlstudy.render import answer_panel, claim_result
    from dlstudy.session import auto_rating

    if verdict.truth is None:
        study.console.print(f"[yellow]no verdict:[/yellow] {escape(verdict.problem or '?')}")
        study.console.print(answer_panel(card, study.derivations, study.lang))
        return study.settle(card, None, round(seconds * 1000), None, answer)

    correct = said == verdict.truth
    study.console.print(claim_result(verdict.truth, said, verdict.result, verdict.row, study.lang))
    study.console.print(answer_panel(card, study.derivations, study.lang, claim_rule=False))
    rating = auto_rating(correct, seconds, study.easy_within, study.hard_after)
    return study.settle(card, rating, round(seconds * 1000), None, answer)


ASK: dict[str, Callable[[Study, Card], str]] = {"recall": ask_recall, "exercise": ask_exercise,
                                                "claim": ask_claim}


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
