"""The terminal front-end of a study session: panels out, keys in.

On a terminal, commands are single keys read in cbreak mode (no Enter needed after 1–4);
answers (an exercise's number, a claim's true or false) are whole lines, echoed and editable.
With piped input, one command or answer per line — so a session can be scripted:

    empty line / Enter  show the answer        1 2 3 4  Again, Hard, Good, Easy
    p  prove the card (run its derivations)    s  skip    u  undo the last grade    q  quit
    @  suspend the card    -  bury it until tomorrow    f3 (f then 0–7)  flag it
(exercises, claims and code cards read lines: the words suspend, bury and flag N there)

End of input (or Ctrl-C, Ctrl-D) ends the session cleanly; every grade was committed when
its acknowledgement line was printed. Keys typed ahead are dropped whenever a new question,
answer or result is shown, so the rest of a typed word never acts as a command. A grade that
cannot be saved stops the session (:class:`SaveFailed`), so no later answer is lost either.

How a card is asked depends on its kind (``ASK``): recall cards are self-graded. Exercise
and claim cards grade themselves: the answer is one line (a number, a shape, an expression;
t or f), dlstudy works out the grade — wrong: Again; right: Easy when fast, Hard when slow,
else Good — shows the worked solution or the evidence, and Enter accepts the grade or
1–4 changes it. Their numbers and verdicts are computed in the background while the user
thinks (a claim's derivation in a child process, under prove's time limit), so torch is
imported only once such a card is on screen.
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
from dlstudy.session import Graded, Session, Summary, describe_due, human_span, plural

RATING_STYLE = {1: "red", 2: "yellow", 3: "green", 4: "cyan"}
RATING_NAMES = {"en": RATINGS, "zh": {1: "忘记", 2: "困难", 3: "良好", 4: "简单"}}
KEYS_HELP = {
    "en": ("[b]Enter[/b] answer · [b]s[/b] skip · [b]u[/b] undo · [b]@[/b] suspend · "
           "[b]-[/b] bury · [b]f[/b]0–7 flag · [b]q[/b] quit",
           "[b]1[/b] Again · [b]2[/b] Hard · [b]3[/b] Good · [b]4[/b] Easy · [b]p[/b] prove · "
           "[b]s[/b] skip · [b]u[/b] undo · [b]@[/b] suspend · [b]-[/b] bury · [b]f[/b]0–7 flag · "
           "[b]q[/b] quit"),
    "zh": ("[b]回车[/b] 看答案 · [b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]@[/b] 暂停 · [b]-[/b] 搁置 · "
           "[b]f[/b]0–7 标记 · [b]q[/b] 退出",
           "[b]1[/b] 忘记 · [b]2[/b] 困难 · [b]3[/b] 良好 · [b]4[/b] 简单 · [b]p[/b] 证明 · "
           "[b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]@[/b] 暂停 · [b]-[/b] 搁置 · [b]f[/b]0–7 标记 · "
           "[b]q[/b] 退出"),
}

AUTO_HELP = {
    "en": {"exercise": "type your answer, then Enter (an empty line shows the solution: Again) · "
                       "[b]s[/b] skip · [b]u[/b] undo · [b]q[/b] quit",
           "claim": "type [b]t[/b] (true) or [b]f[/b] (false), then Enter · [b]s[/b] skip · "
                    "[b]u[/b] undo · [b]q[/b] quit",
           "code": "[b]Enter[/b] write it in $EDITOR (the stub is there) · or type the path of "
                   "your file, then Enter · [b]g[/b] give up (Again) · [b]s[/b] skip · [b]u[/b] undo · "
                   "[b]q[/b] quit",
           "settle": "[b]Enter[/b] accept · [b]1[/b]–[b]4[/b] change it (Again, Hard, Good, Easy) · "
                     "[b]p[/b] prove · [b]u[/b] undo the previous grade · [b]q[/b] quit",
           "self": "no automatic grade: grade yourself · [b]1[/b] Again · [b]2[/b] Hard · "
                   "[b]3[/b] Good · [b]4[/b] Easy · [b]p[/b] prove · [b]q[/b] quit"},
    "zh": {"exercise": "输入答案后按回车（空行直接看解答：记为忘记）· [b]s[/b] 跳过 · [b]u[/b] 撤销 · "
                       "[b]q[/b] 退出",
           "claim": "输入 [b]t[/b]（对）或 [b]f[/b]（错）后按回车 · [b]s[/b] 跳过 · [b]u[/b] 撤销 · "
                    "[b]q[/b] 退出",
           "code": "[b]回车[/b] 在 $EDITOR 中编写（已填好框架）· 或输入你的文件路径后按回车 · "
                   "[b]g[/b] 放弃（记为忘记）· [b]s[/b] 跳过 · [b]u[/b] 撤销 · [b]q[/b] 退出",
           "settle": "[b]回车[/b] 接受 · [b]1[/b]–[b]4[/b] 改为（忘记、困难、良好、简单）· [b]p[/b] 证明 · "
                     "[b]u[/b] 撤销上一次评分 · [b]q[/b] 退出",
           "self": "无法自动评分：请自评 · [b]1[/b] 忘记 · [b]2[/b] 困难 · [b]3[/b] 良好 · "
                   "[b]4[/b] 简单 · [b]p[/b] 证明 · [b]q[/b] 退出"},
}
AUTO_GRADE = {"en": "automatic grade: {grade} ({seconds} s{rules})",
              "zh": "自动评分：{grade}（用时 {seconds} 秒{rules}）"}
# The speed rules, shown only when the user turned them on (easy_within, hard_after).
SPEED_RULES = {"en": ("; Easy ≤ {easy:g} s", "; Hard > {hard:g} s"),
               "zh": ("；≤ {easy:g} 秒为简单", "；> {hard:g} 秒为困难")}
END_HELP = {"en": "No more cards. [b]u[/b] undoes the last grade; any other key ends the session.",
            "zh": "没有更多卡片了。[b]u[/b] 撤销上一次评分；按其他键结束。"}

# Everything else a session says, in both languages.
SAY = {
    "en": {
        "try_again": " (not graded: try again)",
        "graded": "graded {card} {grade}", "changed": " (changed from {auto})", "next": "next {due}",
        "unscheduled": "schedule unchanged (--no-schedule)",
        "undid": "undid {grade} for {card}", "nothing_to_undo": "nothing to undo in this session",
        "could_not_undo": "could not undo:", "skipped": "skipped {card}",
        "skipped_auto": "skipped {card} (nothing recorded)",
        "unknown_key": "unknown key {key}", "see_answer_first": "see the answer first: press Enter",
        "grade_yourself": "grade it yourself: 1–4",
        "answer_first": "answer first: p proves the card once the answer is graded",
        "true_or_false": "answer t (true) or f (false), then Enter",
        "no_derivation": "this card links no derivation", "proving": "proving…",
        "could_not_prove": "could not prove:", "computing": "computing the answer…",
        "experiment": "running the experiment…", "no_verdict": "no verdict:",
        "code_kept": "stopped while your code ran: not graded; your code is kept in {path} "
                     "(type that path to try it again)",
        "code_stopped_file": "stopped while your code ran: not graded ({path} is as it was)",
        "code_not_kept": "stopped while your code ran: not graded, and your code could not be "
                         "kept ({error}); here it is:",
        "from_record": "interrupted before the experiment finished: your answer is graded by the "
                       "recorded run of {derivation} (the statement is {truth})",
        "not_graded": "interrupted before {what} was ready: your answer to {card} is not graded "
                      "(nothing recorded)",
        "the_answer": "the answer", "the_verdict": "the verdict",
        "cannot_draw": "cannot draw this exercise:", "as_recall": "asked as a recall card",
        "could_not_compute": "could not compute the answer:",
        "not_saved": "could not save the grade ({grade}) of {card}: {error}",
        "stopped": "The session stops here so that no further answer is lost: every grade "
                   "acknowledged above is saved; this one is not.",
        "no_editor": "no editor here ($EDITOR is unset or this is not a terminal): type the path "
                     "of the file with your function, then Enter",
        "editor_failed": "the editor could not be started: {error}; type the path of your file",
        "unchanged": "the stub is unchanged: Enter edits it again, g gives up",
        "no_file": "cannot read {path}: {error} (not graded: try again)",
        "running": "running your code in a separate process ({seconds:g} s, {memory} MB)…",
        "could_not_run": "could not run your code:",
        "cannot_set": "cannot set this coding task:",
        "gave_up": "given up: the reference solution",
        "suspended": "suspended {card} (`dlstudy unsuspend {card}` brings it back)",
        "buried": "buried {card} until tomorrow",
        "flagged": "flagged {card} {flag}", "unflagged": "cleared the flag of {card}",
        "flag_number": "a flag is a number 0–7 (0 clears it): f then the number",
        "leech_again": "{card} is a leech ({lapses} lapses) and was forgotten again: "
                       "its answer and proof, now",
        "leech_new": "{card} is now a leech: forgotten {lapses} times once learned",
        "leech_suspended": "; it is suspended (`dlstudy unsuspend {card}`)",
        "unproved": "unproved: this card of your own links no derivation",
    },
    "zh": {
        "try_again": "（未评分：请重试）",
        "graded": "已评分 {card} {grade}", "changed": "（原为 {auto}）", "next": "下次：{due}",
        "unscheduled": "复习安排不变（--no-schedule）",
        "undid": "已撤销 {card} 的评分（{grade}）", "nothing_to_undo": "本次没有可撤销的评分",
        "could_not_undo": "无法撤销：", "skipped": "已跳过 {card}",
        "skipped_auto": "已跳过 {card}（未记录）",
        "unknown_key": "未知的按键 {key}", "see_answer_first": "请先看答案：按回车",
        "grade_yourself": "请自评：1–4",
        "answer_first": "请先作答：评分之后 p 才会证明这张卡片",
        "true_or_false": "请输入 t（对）或 f（错）后按回车",
        "no_derivation": "这张卡片没有关联推导", "proving": "证明中…",
        "could_not_prove": "无法证明：", "computing": "正在计算答案…",
        "experiment": "正在运行实验…", "no_verdict": "无法判定：",
        "code_kept": "你的代码运行时被中断：未评分；代码已保存在 {path}（下次输入这个路径即可再试）",
        "code_stopped_file": "你的代码运行时被中断：未评分（{path} 保持原样）",
        "code_not_kept": "你的代码运行时被中断：未评分，且代码无法保存（{error}）；代码如下：",
        "from_record": "实验尚未完成就被中断：你的答案按 {derivation} 已记录的运行结果评分（该陈述{truth}）",
        "not_graded": "{what}尚未算出就被中断：你对 {card} 的回答没有评分（未记录）",
        "the_answer": "答案", "the_verdict": "判定",
        "cannot_draw": "无法生成这道练习：", "as_recall": "改为回忆卡提问",
        "could_not_compute": "无法计算答案：",
        "not_saved": "无法保存 {card} 的评分（{grade}）：{error}",
        "stopped": "为了不再丢失答案，本次学习到此结束：上面已确认的评分都已保存；这一次没有保存。",
        "no_editor": "这里没有编辑器（未设置 $EDITOR，或不是终端）：请输入写有你的函数的文件路径后按回车",
        "editor_failed": "无法启动编辑器：{error}；请输入你的文件路径",
        "unchanged": "框架没有改动：回车再次编辑，g 放弃",
        "no_file": "无法读取 {path}：{error}（未评分：请重试）",
        "running": "正在另一个进程中运行你的代码（{seconds:g} 秒，{memory} MB）…",
        "could_not_run": "无法运行你的代码：",
        "cannot_set": "无法出这道编程题：",
        "gave_up": "已放弃：参考解答",
        "suspended": "已暂停 {card}（`dlstudy unsuspend {card}` 可恢复）",
        "buried": "已搁置 {card} 到明天",
        "flagged": "已给 {card} 加标记 {flag}", "unflagged": "已清除 {card} 的标记",
        "flag_number": "标记是 0–7 的数字（0 为清除）：先按 f 再按数字",
        "leech_again": "{card} 是难记卡（已遗忘 {lapses} 次），这次又忘了：马上看它的答案和证明",
        "leech_new": "{card} 现在是难记卡：学会后已遗忘 {lapses} 次",
        "leech_suspended": "；已暂停（`dlstudy unsuspend {card}`）",
        "unproved": "未证明：这张自建卡片没有关联推导",
    },
}
SUMMARY = {
    "en": {"over": "[b]Session over[/b]: {cards}, {grades}{ratings}, {took}.",
           "skipped": "Skipped {n}.", "suspended": "Suspended {n} (`dlstudy unsuspend CARD` brings "
           "one back).", "buried": "Buried {n} until tomorrow.", "left": "{cards} left in the queue.",
           "next": "Next due: {due}.", "nothing": "Nothing scheduled yet.", "instant": "< 1 s"},
    "zh": {"over": "[b]本次结束[/b]：{cards}张卡片，{grades}次评分{ratings}，用时{took}。",
           "skipped": "跳过 {n} 张。", "suspended": "暂停 {n} 张（`dlstudy unsuspend CARD` 可恢复）。",
           "buried": "搁置 {n} 张，到明天。", "left": "队列中还剩 {cards} 张卡片。",
           "next": "下一张到期：{due}。", "nothing": "尚无安排到期的卡片。", "instant": "不到 1 秒"},
}


def _no_interrupt(signum: int, frame: object) -> None:
    """SIGINT while the user's editor runs: the editor's to handle, not the session's."""


class SaveFailed(Exception):
    """A grade could not be committed: the session stops (see :meth:`Study.run`)."""

    def __init__(self, card: Card, rating: int, error: sqlite3.Error) -> None:
        super().__init__(str(error))
        self.card = card
        self.rating = rating
        self.error = error


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
        self.closed = False  # the terminal was closed (reading it failed)

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

            try:
                termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            except (termios.error, OSError):
                pass  # the terminal is gone (closed): nothing to restore
            self._saved = None

    def read(self) -> str | None:
        """One command: ``enter``, ``1``–``4``, ``p``, ``s``, ``u``, ``q``, another word, or None."""
        if self.tty:
            if not self._pending:
                try:
                    raw = os.read(self.stream.fileno(), 64)
                except OSError:  # EIO: the terminal was closed — the end of the input
                    self.closed = True
                    return None
                data = raw.decode("utf-8", "replace")
                if not data:
                    return None
                if data[0] == "\x1b":  # an arrow key or another escape sequence: ignored
                    return ""
                self._pending = data
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
        """One typed line, as typed (an answer); None at the end of input.

        On a terminal the line is read in the normal, echoed mode, so it can be edited.
        """
        if not self.tty:
            line = self.stream.readline()
            return None if not line else line.strip()
        import termios

        fd = self.stream.fileno()
        try:
            keys_mode = termios.tcgetattr(fd)
            if self._saved is not None:
                termios.tcsetattr(fd, termios.TCSADRAIN, self._saved)
        except (termios.error, OSError):  # EIO: the terminal was closed — the end of the input
            self.closed = True
            return None
        data, self._pending = self._pending.lstrip("\r\n "), ""
        try:
            while not data.endswith(("\n", "\r")):
                try:
                    chunk = os.read(fd, 1024).decode("utf-8", "replace")
                except OSError:  # the terminal was closed while the line was typed
                    self.closed = True
                    return None
                if not chunk:  # Ctrl-D
                    return data.strip() or None
                data += chunk
        finally:
            try:
                termios.tcsetattr(fd, termios.TCSADRAIN, keys_mode)
            except (termios.error, OSError):
                self.closed = True
        return data.strip()

    def edit(self, path: Path, editor: str) -> None:
        """Open ``path`` in ``editor`` (a command line, like ``$EDITOR``) with the terminal in its
        normal mode; back in key mode afterwards. Raises OSError if it cannot be started."""
        import shlex
        import subprocess

        saved = None
        if self.tty and self._saved is not None:
            import termios

            saved = termios.tcgetattr(self.stream.fileno())
            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
        import signal
        import threading

        # Ctrl-C belongs to the editor while it runs: a handler that does nothing (unlike SIG_IGN,
        # not inherited, so the editor still gets the default); it used to end the session and
        # delete the draft with its temporary folder, under an editor that leaves ^C a signal
        quiet = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, _no_interrupt) if quiet else None
        try:
            subprocess.run([*shlex.split(editor), str(path)], check=False)
        finally:
            if quiet:
                signal.signal(signal.SIGINT, previous)
            if saved is not None:
                import termios

                termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, saved)

    def discard(self) -> None:
        """Drop keys typed ahead. Called just before a question, an answer or a result is
        printed: what was typed before it was on screen is never taken as a command (the "3u"
        of a fast "false⏎3u", a doubled grade key), while a key pressed in answer to it, however
        quickly, is kept. Piped input is a script: nothing is dropped."""
        self._pending = ""
        if self.tty and not self.closed:
            import termios

            try:
                termios.tcflush(self.stream.fileno(), termios.TCIFLUSH)
            except (termios.error, OSError):  # EIO: the terminal was closed
                self.closed = True


class Study:
    """One session on a console: shows cards, reads keys, prints acknowledgements.

    After :meth:`run`: ``interrupted`` is True when Ctrl-C ended it, ``failure`` is the
    :class:`SaveFailed` that stopped it (None when every grade was saved)."""

    def __init__(self, session: Session, derivations: dict[str, DerivationInfo], lang: str,
                 console: Console, keys: Keys, proofs: Path | None = None,
                 easy_within: float = 0.0, hard_after: float = 0.0,
                 seeds: random.Random | None = None, claim_timeout: float | None = None,
                 code_limits: Any = None) -> None:
        self.session = session
        self.derivations = derivations
        self.lang = lang
        self.console = console
        self.keys = keys
        self.proofs = proofs
        self.easy_within = easy_within
        self.hard_after = hard_after
        self.seeds = seeds or random.Random()  # exercise seeds; seeded, a session replays
        self.claim_timeout = claim_timeout
        self.code_limits = code_limits  # a coding card's sandbox limits (None: the defaults)
        self.interrupted = False
        self.failure: SaveFailed | None = None
        self.pending: Any = None  # a claim's verdict being worked out: cancelled when left

    def text(self, message: str, **values: object) -> str:
        return SAY[self.lang][message].format(**values)

    @property
    def hung_up(self) -> bool:
        """The terminal was closed during the session."""
        return bool(getattr(self.keys, "closed", False))

    def grade_name(self, rating: int) -> str:
        return RATING_NAMES[self.lang][rating]

    def run(self, selection: set[str] | None = None) -> Summary:
        """Ask cards until the queue is empty or the user quits; ``selection`` is for "next due".
        A closed terminal does not kill it (SIGHUP is caught and does nothing; unlike SIG_IGN,
        the editor, pager and workers it starts still get the default): reading the keys then
        ends as the end of the input does — an answer on screen is recorded — and it stops."""
        import signal
        import threading

        previous: Any = None
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGHUP, self._hang_up)
        try:
            return self._run(selection)
        finally:
            if previous is not None:
                signal.signal(signal.SIGHUP, previous)

    def _hang_up(self, signum: int, frame: object) -> None:
        """SIGHUP: the terminal is gone. What would be printed goes nowhere (writing to the
        closed terminal fails), so that an answer typed before — a claim whose experiment is
        still running, code in the sandbox — is still graded and recorded, as at the end of
        the input."""
        self.keys.closed = True
        try:
            self.console.file = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        except OSError:
            pass

    def _run(self, selection: set[str] | None) -> Summary:
        try:
            with self.keys:
                while True:
                    card = self.session.next_card()
                    if card is None:
                        if self.session.history and self._undo_at_end():
                            continue
                        break
                    ask = ASK.get(card.kind, ask_recall)
                    try:
                        if ask(self, card) == "quit":
                            break
                    finally:
                        self.leave()
        except KeyboardInterrupt:
            self.interrupted = True
            self.console.print()
        except OSError:
            if not self.keys.closed:
                raise
            # the terminal is gone: writing to it fails too; every grade is already saved
        except SaveFailed as failed:
            self.failure = failed
            why = self.text("not_saved", card=failed.card.id, grade=self.grade_name(failed.rating),
                            error=failed.error)
            self.console.print(f"[red]{escape(why)}[/red]\n{escape(self.text('stopped'))}",
                               highlight=False)
        return self.session.summary(selection)

    def leave(self) -> None:
        """The card is done with: stop working out its verdict (kills the child process)."""
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None

    def _undo_at_end(self) -> bool:
        """No card is left: one last chance to take back the last grade. True if it was."""
        self.keys.discard()
        self.console.print(END_HELP[self.lang], style="dim", highlight=False)
        if self.keys.read() not in ("u", "undo"):
            return False
        return self.undo_last()

    # --- what the user sees ---------------------------------------------------------------

    def question_view(self, card: Card, task: str | None = None) -> Any:
        from dlstudy.render import question_panel

        done = len(self.session.history) + len(self.session.skipped)
        where = f"{card.id} · {card.topic} · {done + 1}/{done + 1 + len(self.session.queue)}"
        return question_panel(card, self.lang, subtitle=where, task=task)

    def show_question(self, card: Card, task: str | None = None) -> None:
        self.keys.discard()
        self.console.print(self.question_view(card, task))
        keys = KEYS_HELP[self.lang][0] if card.kind == "recall" else AUTO_HELP[self.lang][card.kind]
        self.console.print(keys, style="dim", highlight=False)

    def show_answer(self, card: Card) -> None:
        from dlstudy.render import answer_panel

        self.keys.discard()
        self.console.print(answer_panel(card, self.derivations, self.lang))
        self.console.print(KEYS_HELP[self.lang][1], style="dim", highlight=False)

    def acknowledge(self, graded: Graded) -> None:
        rating, auto = graded.review.rating, graded.review.auto_rating
        style = RATING_STYLE[rating]
        changed = self.text("changed", auto=self.grade_name(auto)) \
            if graded.review.overridden and auto else ""
        graded_text = self.text("graded", card=escape(graded.card.id), grade=self.grade_name(rating))
        if graded.review.mode == "cram":
            due = self.text("unscheduled")
        else:
            assert graded.state is not None
            due = self.text("next", due=describe_due(graded.state.due, lang=self.lang))
        self.console.print(f"[{style}]{graded_text}[/{style}]{escape(changed)} · {due}",
                           highlight=False)

    def say(self, text: str) -> None:
        self.console.print(text, style="dim", markup=False, highlight=False)

    def grade(self, card: Card, rating: int, duration_ms: int, **record: Any) -> Graded:
        """Commit a grade; :class:`SaveFailed` (which ends the session) if it cannot be."""
        try:
            graded = self.session.grade(rating, duration_ms, **record)
        except sqlite3.Error as exc:  # disk full, a damaged database, locked for too long…
            raise SaveFailed(card, rating, exc) from exc
        self.acknowledge(graded)
        if graded.leech == "known":
            line = self.text("leech_again", card=card.id, lapses=graded.lapses)
            if graded.suspended:
                line += self.text("leech_suspended", card=card.id)
            self.console.print(f"[magenta]{escape(line)}[/magenta]", highlight=False)
            from dlstudy.render import answer_panel

            self.console.print(answer_panel(card, self.derivations, self.lang))
            if card.derivations:  # the panel already says "unproved" for one of the user's own
                self.prove(card)
        elif graded.leech == "new":
            line = self.text("leech_new", card=card.id, lapses=graded.lapses)
            if graded.suspended:
                line += self.text("leech_suspended", card=card.id)
            self.console.print(f"[magenta]{escape(line)}[/magenta]", highlight=False)
        return graded

    def mark(self, card: Card, word: str) -> str | None:
        """The card commands: ``@`` / ``suspend``, ``-`` / ``bury``, ``f N`` / ``flag N``.
        Returns ``next`` (the card left the session), ``again`` (stay on it) or None (not one
        of them). On a terminal ``f`` waits for the flag's digit."""
        import re

        if word in ("@", "suspend"):
            self.session.suspend()
            self.say(self.text("suspended", card=card.id))
            return "next"
        if word in ("-", "bury"):
            self.session.bury()
            self.say(self.text("buried", card=card.id))
            return "next"
        match = re.fullmatch(r"(?:f|flag)\s*(\S*)", word)
        if match is None:
            return None
        digit = match.group(1)
        if not digit and self.keys.tty:
            digit = self.keys.read() or ""
        if not (len(digit) == 1 and digit in "01234567"):
            self.say(self.text("flag_number"))
            return "again"
        from dlstudy.render import FLAG_COLOURS_ZH
        from dlstudy.store import FLAG_NAMES

        self.session.flag(int(digit))
        colour = (FLAG_COLOURS_ZH if self.lang == "zh" else FLAG_NAMES).get(int(digit))
        shown = f"{digit}（{colour}）" if self.lang == "zh" else f"{digit} ({colour})"
        self.say(self.text("flagged", card=card.id, flag=shown)
                 if digit != "0" else self.text("unflagged", card=card.id))
        return "again"

    def prove(self, card: Card, redraw: Callable[[], None] | None = None) -> None:
        """Run the card's derivations here and now (torch and sympy are imported only now) and
        show them: through a pager on a terminal, then ``redraw`` puts the card back on screen;
        printed in line otherwise. The caller prints its own prompt afterwards."""
        infos = [self.derivations[d] for d in card.derivations if d in self.derivations]
        if not infos:
            self.say(self.text("no_derivation"))
            return
        try:
            from dlstudy.claims import TIMEOUT_S
            from dlstudy.device import resolve
            from dlstudy.render import result_view
            from dlstudy.runner import ProofCache, prove

            cache = ProofCache(self.proofs) if self.proofs else None
            with self.console.status(self.text("proving")) if self.keys.tty else nullcontext():
                results = prove(infos, resolve("auto"), "quick", self.lang, 1, cache,
                                timeout=TIMEOUT_S)  # prove's own limit: a loop cannot hang it
            views = [result_view(result, [c.get(self.lang) for c in self.derivations[result.id].claims],
                                 plots=False, lang=self.lang) for result in results]
        except Exception as exc:  # a broken proof must not end the session
            self.console.print(f"[yellow]{self.text('could_not_prove')}[/yellow] {escape(str(exc))}")
            return
        self.keys.discard()  # keys pressed while it ran answered nothing on screen
        if self.keys.tty and self.console.is_terminal:
            pager = os.environ.get("PAGER", "less")
            if "LESS" not in os.environ:  # as git does: colours, and no pager for one screenful
                os.environ["LESS"] = "FRX"
            with self.console.pager(styles="less" in pager):
                for view in views:
                    self.console.print(view)
            if redraw is not None:
                redraw()
        else:
            for view in views:
                self.console.print(view)

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
            self.console.print(f"[red]{self.text('could_not_undo')}[/red] {escape(str(exc))}")
            return False
        if undone is None:
            self.say(self.text("nothing_to_undo"))
            return False
        self.say(self.text("undid", grade=self.grade_name(undone.review.rating), card=undone.card.id))
        return True

    def settle(self, card: Card, auto: int | None, duration_ms: int, seed: int | None = None,
               answer: str | None = None, redraw: Callable[[], None] | None = None,
               outcome: str | None = None, easy: float | None = None,
               hard: float | None = None) -> str:
        """After an auto-graded answer: Enter records ``auto``, 1–4 records another grade (the
        log keeps both). ``auto`` None: the user grades. Quitting — ``q``, Ctrl-D or Ctrl-C —
        records ``auto`` first: the answer was given, and is not lost.
        ``redraw`` puts the question and the result back on screen (after paging a proof)."""
        if auto is not None:
            name = self.grade_name(auto)
            grade = f"[{RATING_STYLE[auto]}]{name}[/{RATING_STYLE[auto]}]"
            easy_rule, hard_rule = SPEED_RULES[self.lang]
            easy = self.easy_within if easy is None else easy
            hard = self.hard_after if hard is None else hard
            rules = (easy_rule.format(easy=easy) if easy > 0 else "") + \
                (hard_rule.format(hard=hard) if hard > 0 else "")
            line = AUTO_GRADE[self.lang].format(grade=grade, seconds=round(duration_ms / 1000),
                                                rules=rules)
            if auto == 1:  # wrong: how long it took does not matter
                line = line.split(" (")[0].split("（")[0]
            self.console.print(line, highlight=False)
        help_line = AUTO_HELP[self.lang]["settle" if auto is not None else "self"]
        self.console.print(help_line, style="dim", highlight=False)
        while True:
            try:
                key = self.keys.read()
            except KeyboardInterrupt:
                if auto is not None:
                    self.grade(card, auto, duration_ms, seed=seed, auto_rating=auto,
                               answer=answer, outcome=outcome)
                raise
            quitting = key is None or key in ("q", "quit")
            if quitting and auto is None:
                return "quit"
            if key == "enter" and auto is None:
                self.say(self.text("grade_yourself"))
                continue
            if key in ("1", "2", "3", "4") or key == "enter" or quitting:
                rating = int(key) if key in ("1", "2", "3", "4") else auto
                assert rating is not None
                self.grade(card, rating, duration_ms, seed=seed, auto_rating=auto, answer=answer,
                           outcome=outcome)
                return "quit" if quitting else "next"
            if key == "p":
                try:
                    self.prove(card, redraw)
                except KeyboardInterrupt:  # Ctrl-C while proving: the answer is kept, as above
                    if auto is not None:
                        self.grade(card, auto, duration_ms, seed=seed, auto_rating=auto,
                                   answer=answer, outcome=outcome)
                    raise
                self.console.print(help_line, style="dim", highlight=False)
                continue
            if key == "s":
                self.session.skip()
                self.say(self.text("skipped_auto", card=card.id))
                return "next"
            if key == "u":
                if self.undo_last():
                    return "next"
                continue
            if key:
                self.say(self.text("unknown_key", key=repr(key)))
                self.console.print(help_line, style="dim", highlight=False)


def ask_recall(study: Study, card: Card) -> str:
    """Question → Enter → answer → 1–4. Returns ``next`` or ``quit``."""
    study.show_question(card)
    started = time.monotonic()
    paused = 0.0
    revealed = False

    def redraw() -> None:
        study.console.print(study.question_view(card))
        study.show_answer(card)

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
                study.say(study.text("see_answer_first"))
                continue
            duration = round((time.monotonic() - started - paused) * 1000)
            study.grade(card, int(key), duration)
            return "next"
        if key == "p":
            begun = time.monotonic()
            if not revealed:
                study.show_answer(card)
                revealed = True
            study.prove(card, redraw)
            if not (study.keys.tty and study.console.is_terminal):
                study.console.print(KEYS_HELP[study.lang][1], style="dim", highlight=False)
            paused += time.monotonic() - begun  # proving is not recall time
            continue
        if key == "s":
            study.session.skip()
            study.say(study.text("skipped", card=card.id))
            return "next"
        if key == "u":
            if study.undo_last():
                return "next"
            continue
        marked = study.mark(card, key) if key else None
        if marked == "next":
            return "next"
        if marked == "again":
            continue
        if key:
            study.say(study.text("unknown_key", key=repr(key)))
            study.console.print(KEYS_HELP[study.lang][1 if revealed else 0], style="dim",
                                highlight=False)


def _before_answer(study: Study, card: Card, word: str) -> str | None:
    """The commands an exercise or claim takes instead of an answer: ``quit``, ``next``, or
    None when ``word`` is not one of them (full-width letters count as their ASCII twins)."""
    import unicodedata

    word = unicodedata.normalize("NFKC", word).strip().lower()
    if word in ("q", "quit"):
        return "quit"
    if word in ("s", "skip"):
        study.session.skip()
        study.say(study.text("skipped", card=card.id))
        return "next"
    if word in ("u", "undo"):
        return "next" if study.undo_last() else "again"
    if word in ("p", "prove"):
        study.say(study.text("answer_first"))
        return "again"
    import re

    if re.fullmatch(r"[@-]|suspend|bury|flag(\s*\S)?", word):
        return study.mark(card, word)
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
        study.console.print(f"[yellow]{study.text('cannot_draw')}[/yellow] {escape(str(exc))}; "
                            f"{study.text('as_recall')}")
        return ask_recall(study, card)
    task = pending.prompt.get(study.lang)
    study.show_question(card, task=task)
    started = time.monotonic()
    while True:
        line = study.keys.line()
        if line is None:
            return "quit"
        command = _before_answer(study, card, line)
        if command == "again":
            continue
        if command is not None:
            return command
        seconds = time.monotonic() - started
        try:
            exercise = study.wait(pending, study.text("computing"))
        except KeyboardInterrupt:
            if line:  # an answer was typed: say that it is not graded, never drop it silently
                study.console.print(study.text("not_graded", what=study.text("the_answer"),
                                               card=card.id), style="yellow", markup=False,
                                    highlight=False)
            raise
        except Exception as exc:
            from dlstudy.render import answer_panel

            study.keys.discard()
            study.console.print(f"[yellow]{study.text('could_not_compute')}[/yellow] "
                                f"{escape(str(exc))}")
            study.console.print(answer_panel(card, study.derivations, study.lang))
            return study.settle(card, None, round(seconds * 1000), seed, line or None)
        if not line:
            correct, answer = False, None
        else:
            try:
                value = parse(line, exercise.answer_type, study.lang)
            except Unparseable as exc:
                study.console.print(f"[yellow]{escape(exc.message(study.lang))}[/yellow]"
                                    f"{study.text('try_again')}", highlight=False)
                continue
            correct, answer = exercise.check(value), line
        break
    from dlstudy.render import exercise_result
    from dlstudy.session import auto_rating

    def result() -> Any:
        return exercise_result(exercise.solution.get(study.lang), exercise.shown(), answer,
                               correct, study.lang)

    def redraw() -> None:
        study.console.print(study.question_view(card, task))
        study.console.print(result())

    study.keys.discard()  # what was typed before the result was on screen is not a grade
    study.console.print(result())
    rating = auto_rating(correct, seconds, study.easy_within, study.hard_after)
    return study.settle(card, rating, round(seconds * 1000), seed, answer, redraw)


def ask_claim(study: Study, card: Card) -> str:
    """A statement → a typed line, t or f → right or wrong, with the evidence row that decides
    it → Enter or 1–4. The answer is a whole line, so none of its letters is a command."""
    from dlstudy.answers import Unparseable, parse
    from dlstudy.claims import TIMEOUT_S, PendingVerdict

    assert card.claim is not None
    timeout = study.claim_timeout if study.claim_timeout is not None else TIMEOUT_S
    pending = PendingVerdict(card.claim, study.derivations.get(card.claim.derivation),
                             study.proofs, timeout)
    study.pending = pending  # cancelled (its child process killed) when the card is left
    study.show_question(card)
    started = time.monotonic()
    while True:
        line = study.keys.line()
        if line is None:
            return "quit"
        command = _before_answer(study, card, line)
        if command == "again":
            continue
        if command is not None:
            return command
        if not line.strip():
            study.say(study.text("true_or_false"))
            continue
        try:
            said = bool(parse(line, "boolean", study.lang))
        except Unparseable as exc:
            study.console.print(f"[yellow]{escape(exc.message(study.lang))}[/yellow]"
                                f"{study.text('try_again')}", highlight=False)
            continue
        break
    seconds = time.monotonic() - started
    answer = "true" if said else "false"
    try:
        verdict = study.wait(pending, study.text("experiment"))
    except KeyboardInterrupt:
        _grade_from_record(study, card, said, answer, seconds)
        raise
    from dlstudy.render import answer_panel, claim_result
    from dlstudy.session import auto_rating

    study.keys.discard()  # the rest of a word typed fast ("false⏎3u") is not a command
    if verdict.truth is None:
        label = study.text("no_verdict")
        study.console.print(f"[yellow]{label}[/yellow]{'' if label.endswith('：') else ' '}"
                            f"{escape(verdict.explain(study.lang))}")
        study.console.print(answer_panel(card, study.derivations, study.lang))
        return study.settle(card, None, round(seconds * 1000), None, answer)

    correct = said == verdict.truth

    def redraw() -> None:
        study.console.print(study.question_view(card))
        show_result()

    def show_result() -> None:
        study.console.print(claim_result(verdict.truth, said, verdict.result, verdict.row, study.lang))
        study.console.print(answer_panel(card, study.derivations, study.lang, claim_rule=False))

    show_result()
    rating = auto_rating(correct, seconds, study.easy_within, study.hard_after)
    return study.settle(card, rating, round(seconds * 1000), None, answer, redraw)


def _grade_from_record(study: Study, card: Card, said: bool, answer: str, seconds: float) -> None:
    """Ctrl-C while a claim's experiment is still running (a cold proof cache): the answer was
    typed, so it is graded by the derivation's recorded quick run — the snapshot the card's
    numbers and the Anki export come from — if that run has the deciding row; otherwise the
    user is told it is not graded. Never dropped without a word."""
    from dlstudy import bind
    from dlstudy.session import auto_rating

    claim = card.claim
    assert claim is not None
    study.leave()  # stop the experiment first: leaving must be prompt
    snapshot = bind.current().get("quick", claim.derivation)
    row = snapshot["rows"].get(claim.row) if snapshot else None
    passed = row.get("passed") if isinstance(row, dict) else None
    if not isinstance(passed, bool):
        study.console.print(study.text("not_graded", what=study.text("the_verdict"), card=card.id),
                            style="yellow", markup=False, highlight=False)
        return
    truth = passed != (claim.statement == "denies")
    study.say(study.text("from_record", derivation=claim.derivation,
                         truth=TRUTH_WORDS[study.lang][truth]))
    rating = auto_rating(said == truth, seconds, study.easy_within, study.hard_after)
    study.grade(card, rating, round(seconds * 1000), auto_rating=rating, answer=answer)


TRUTH_WORDS = {"en": {True: "TRUE", False: "FALSE"}, "zh": {True: "为真", False: "为假"}}


# Writing a function takes minutes, not seconds: a coding card's Easy and Hard thresholds are
# the exercise ones times this (by default: Easy within 5 min, Hard after 30 min).
CODE_TIME_FACTOR = 30
MAX_CODE_BYTES = 1_000_000


def _read_code(study: Study, path: Path) -> str | None:
    """The text of the user's file, or None (with a message saying why not)."""
    try:
        if path.stat().st_size > MAX_CODE_BYTES:
            raise OSError(f"larger than {MAX_CODE_BYTES // 1000} kB")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        from dlstudy.messages import tr

        why = tr(exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc), study.lang)
        study.console.print(f"[yellow]{escape(study.text('no_file', path=str(path), error=why))}[/yellow]",
                            highlight=False)
        return None


def ask_code(study: Study, card: Card) -> str:
    """A task and a stub → the user writes the function ($EDITOR on a temporary copy of the
    stub, or a file they name; piped input: the path) → it runs in a child process under a
    time and a memory limit, on fresh seeded cases, against PyTorch → which case failed and
    how, the reference solution → Enter or 1–4. The seed, the code and the outcome are logged."""
    import json
    import tempfile

    from dlstudy import coding
    from dlstudy.coding import report, sandbox

    assert card.code is not None
    try:
        task = coding.get(card.code.task)
    except Exception as exc:  # an unknown task (dlstudy check says so): still a card
        study.console.print(f"[yellow]{study.text('cannot_set')}[/yellow] {escape(str(exc))}; "
                            f"{study.text('as_recall')}")
        return ask_recall(study, card)
    seed = study.seeds.randrange(2**31)
    limits = study.code_limits or sandbox.Limits()
    easy, hard = study.easy_within * CODE_TIME_FACTOR, study.hard_after * CODE_TIME_FACTOR
    width = study.console.width
    stub = task.stub_in(study.lang)

    def show() -> None:
        study.console.print(study.question_view(card))
        study.console.print(report.stub_view(stub, study.lang, width))

    study.keys.discard()
    show()
    study.console.print(AUTO_HELP[study.lang]["code"], style="dim", highlight=False)
    started = time.monotonic()
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    with tempfile.TemporaryDirectory(prefix="dlstudy-write-") as folder:
        draft = Path(folder) / f"{task.name}.py"
        draft.write_text(stub, encoding="utf-8")
        code: str | None = None
        while code is None:
            line = study.keys.line()
            if line is None:
                return "quit"
            command = _before_answer(study, card, line)
            if command == "again":
                continue
            if command is not None:
                return command
            if line.strip().lower() in ("g", "give up", "giveup"):
                break
            if line.strip():
                path = Path(line.strip()).expanduser()
                code = _read_code(study, path)
                display = str(path)
                continue
            if not (editor and study.keys.tty):
                study.say(study.text("no_editor"))
                continue
            try:
                study.keys.edit(draft, editor)
            except (OSError, ValueError) as exc:
                study.say(study.text("editor_failed", error=exc))
                continue
            code = _read_code(study, draft)
            display = str(draft)
            if code is not None and code == stub:
                study.say(study.text("unchanged"))
                code = None
        seconds = time.monotonic() - started
        if code is None:  # given up
            study.keys.discard()
            study.console.print(f"[yellow]{study.text('gave_up')}[/yellow]")
            outcome = {"passed": False, "cases": [], "failure": {"case": None, "kind": "gave_up"}}
            study.console.print(report.solution_view(task.solution, study.lang, width))
            return study.settle(card, 1, round(seconds * 1000), seed, None,
                                outcome=json.dumps(outcome), easy=easy, hard=hard)
        try:
            with study.console.status(study.text("running", seconds=limits.seconds,
                                                 memory=limits.memory_mb)) \
                    if study.keys.tty else nullcontext():
                outcome = sandbox.run(task.name, code, seed, limits, filename=display)
        except KeyboardInterrupt:  # before the draft's folder is deleted: the code is kept
            _keep_code(study, card, code, display if display != str(draft) else None)
            raise
        except OSError as exc:  # the child could not even start: the user grades
            study.keys.discard()
            study.console.print(f"[yellow]{study.text('could_not_run')}[/yellow] {escape(str(exc))}")
            study.console.print(report.solution_view(task.solution, study.lang, width))
            return study.settle(card, None, round(seconds * 1000), seed, code)

    def result() -> Any:
        return report.result_view(outcome, task.solution, study.lang, width=width)

    def redraw() -> None:
        show()
        study.console.print(result())

    study.keys.discard()  # what was typed while it ran is not a grade
    study.console.print(result())
    from dlstudy.session import auto_rating

    rating = auto_rating(bool(outcome.get("passed")), seconds, easy, hard)
    return study.settle(card, rating, round(seconds * 1000), seed, code, redraw,
                        outcome=json.dumps(outcome), easy=easy, hard=hard)


def _keep_code(study: Study, card: Card, code: str, own_file: str | None) -> None:
    """Ctrl-C while the user's code runs: it is not graded, but it is never lost — code written
    in $EDITOR lives in a temporary folder that is about to be deleted, so it is kept in
    ``drafts/`` of the data folder first, and the session says where."""
    if own_file is not None:
        study.console.print(study.text("code_stopped_file", path=own_file), style="yellow",
                            markup=False, highlight=False)
        return
    drafts = Path(study.session.store.path).parent / "drafts"
    kept = drafts / f"{card.id}-{time.strftime('%Y%m%d-%H%M%S')}.py"
    try:
        drafts.mkdir(exist_ok=True)
        kept.write_text(code, encoding="utf-8")
    except OSError as exc:
        study.console.print(study.text("code_not_kept", error=exc.strerror or exc), style="yellow",
                            markup=False, highlight=False)
        study.console.print(code, markup=False, highlight=False)  # on screen, at least
        return
    study.console.print(study.text("code_kept", path=kept), style="yellow", markup=False,
                        highlight=False)


ASK: dict[str, Callable[[Study, Card], str]] = {"recall": ask_recall, "exercise": ask_exercise,
                                                "claim": ask_claim, "code": ask_code}


def summary_text(summary: Summary, lang: str = "en") -> str:
    """The closing lines of a session."""
    from datetime import timedelta

    lang = "zh" if lang == "zh" else "en"
    words = SUMMARY[lang]
    names = RATING_NAMES[lang]
    grades = " · ".join(f"[{RATING_STYLE[r]}]{names[r]} {n}[/{RATING_STYLE[r]}]"
                        for r, n in summary.ratings.items() if n)
    took = human_span(timedelta(seconds=summary.seconds), lang) if summary.seconds >= 1 \
        else words["instant"]
    if lang == "zh" and took[:1].isdigit():
        took = f" {took}"  # 用时 3 分钟, but 用时不到 1 秒
    if lang == "zh":
        cards, grades_n, left = (f"{summary.cards} ", f"{summary.graded} ", str(summary.left))
        ratings = f"（{grades}）" if grades else ""
    else:
        cards, grades_n = plural(summary.cards, "card"), plural(summary.graded, "grade")
        left = plural(summary.left, "card")
        ratings = f" ({grades})" if grades else ""
    lines = [words["over"].format(cards=cards, grades=grades_n, ratings=ratings, took=took)]
    for kind in ("skipped", "suspended", "buried"):
        if getattr(summary, kind):
            lines.append(words[kind].format(n=getattr(summary, kind)))
    if summary.left:
        lines.append(words["left"].format(cards=left))
    if summary.next_due is None:
        lines.append(words["nothing"])
    else:
        lines.append(words["next"].format(due=describe_due(summary.next_due, lang=lang)))
    return "\n".join(lines)
