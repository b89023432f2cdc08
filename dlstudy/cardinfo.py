"""Card info (``dlstudy show CARD``): a card's memory state and history, as Anki's Card Info.

:func:`card_info` gathers it from the store — FSRS's stability, difficulty and recall
probability now (and on an interview plan's date), the due date, lapses, the marks (leech,
suspended, buried, flag) and every logged answer with its exercise seed, ``--no-schedule``
answers included — and :func:`info_view` renders it. Light: no torch, sympy or numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dlstudy.scheduler import RATINGS, STATES, CardState, Scheduler, from_us, to_us, utcnow
from dlstudy.store import Marks, Review, Store


@dataclass(frozen=True)
class CardInfo:
    """What the store knows about one card.

    Attributes:
        state: FSRS's memory state (None: never reviewed).
        recall_now: FSRS's probability of recall now (None: never reviewed).
        plan_date, recall_on_plan_date: an active interview plan's date and the recall FSRS
            predicts for its noon (None without a plan).
        lapses: times forgotten once learned.
        marks: leech, suspended, buried, flag.
        history: the log's entries and the ``--no-schedule`` answers, oldest first.
    """

    card: str
    state: CardState | None
    recall_now: float | None
    lapses: int
    marks: Marks
    history: list[Review] = field(default_factory=list)
    plan_date: date | None = None
    recall_on_plan_date: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {"card": self.card, "state": None if self.state is None else self.state.to_dict(),
                "recall_now": self.recall_now, "lapses": self.lapses,
                "marks": self.marks.to_dict(), "history": [r.to_dict() for r in self.history],
                "plan_date": None if self.plan_date is None else self.plan_date.isoformat(),
                "recall_on_plan_date": self.recall_on_plan_date}


def card_info(store: Store, card_id: str, scheduler: Scheduler, now: datetime | None = None,
              plan_date: date | None = None) -> CardInfo:
    now = now or utcnow()
    state = store.state(card_id)
    history = sorted([*store.reviews(card_id), *store.crammed(card_id)], key=lambda r: r.at)
    recall_now = recall_then = None
    if state is not None and state.stability is not None:
        recall_now = scheduler.recall(state.last_review, state.stability, now)
        if plan_date is not None:
            noon = datetime.combine(plan_date, time(12)).astimezone()
            recall_then = scheduler.recall(state.last_review, state.stability, noon)
    return CardInfo(card_id, state, recall_now, store.lapses(card_id) if state else 0,
                    store.card_marks(card_id), history, plan_date, recall_then)


WORDS: dict[str, dict[str, Any]] = {
    "en": {"title": "Memory", "never": "not studied yet (no review logged)",
           "state": "state", "stability": "stability", "difficulty": "difficulty",
           "recall": "recall now", "on": "recall on {date} (plan)", "due": "due",
           "lapses": "lapses", "marks": "marks", "none": "none", "days": "{v:.1f} days",
           "history": "History", "when": "date", "grade": "grade", "time": "time",
           "mode": "mode", "seed": "seed", "answer": "answer", "predicted": "predicted",
           "auto": " (auto {g})", "states": STATES, "seconds": "{v:.1f} s", "modes": {},
           "ratings": RATINGS},
    "zh": {"title": "记忆状态", "never": "尚未学习（没有复习记录）",
           "state": "状态", "stability": "稳定性", "difficulty": "难度",
           "recall": "当前记忆率", "on": "{date} 的记忆率（计划）", "due": "到期",
           "lapses": "遗忘次数", "marks": "标记", "none": "无", "days": "{v:.1f} 天",
           "history": "复习记录", "when": "日期", "grade": "评分", "time": "用时",
           "mode": "方式", "seed": "种子", "answer": "答案", "predicted": "预测",
           "auto": "（自动：{g}）", "states": {1: "学习中", 2: "复习", 3: "重新学习"},
           "seconds": "{v:.1f} 秒",  # the session's words for `review`, `quiz`, `quiz --no-schedule`
           "modes": {"review": "复习", "quiz": "测验", "cram": "测验（不排程）"},
           "ratings": {1: "忘记", 2: "困难", 3: "良好", 4: "简单"}},
}


def info_view(info: CardInfo, lang: str = "en", now: datetime | None = None) -> RenderableType:
    from dlstudy.render import marks_words
    from dlstudy.session import describe_due

    words = WORDS["zh" if lang == "zh" else "en"]
    now = now or utcnow()
    facts = Table(title=words["title"], show_header=False, title_justify="left", box=None)
    facts.add_column(style="bold")
    facts.add_column()
    state = info.state
    if state is None:
        facts.add_row(words["state"], words["never"])
    else:
        facts.add_row(words["state"], str(words["states"].get(state.state, state.state)))
        if state.stability is not None:
            facts.add_row(words["stability"], str(words["days"]).format(v=state.stability))
        if state.difficulty is not None:
            facts.add_row(words["difficulty"], f"{state.difficulty:.2f} / 10")
        if info.recall_now is not None:
            facts.add_row(words["recall"], f"{info.recall_now:.0%}")
        if info.recall_on_plan_date is not None and info.plan_date is not None:
            facts.add_row(str(words["on"]).format(date=info.plan_date.isoformat()),
                          f"{info.recall_on_plan_date:.0%}")
        facts.add_row(words["due"], describe_due(state.due, now, lang))
        facts.add_row(words["lapses"], str(info.lapses))
    facts.add_row(words["marks"], ("、" if lang == "zh" else ", ").join(
        marks_words(info.marks, to_us(now), lang))
                  or str(words["none"]))
    if not info.history:
        return facts
    columns = ("when", "grade", "time", "mode", "seed", "predicted", "answer")
    log = Table(title=words["history"], title_justify="left")
    for column in columns:
        log.add_column(str(words[column]), overflow="fold", no_wrap=column != "answer")
    ratings = words["ratings"]
    rows = []
    for review in info.history:
        grade = str(ratings[review.rating])
        if review.overridden and review.auto_rating is not None:
            grade += str(words["auto"]).format(g=ratings[review.auto_rating])
        answer = (review.answer or "").strip().splitlines()
        row = (from_us(review.at).astimezone().strftime("%Y-%m-%d %H:%M"), grade,
               "" if review.duration_ms is None else
               str(words["seconds"]).format(v=review.duration_ms / 1000),
               words["modes"].get(review.mode, review.mode),
               "" if review.seed is None else str(review.seed),
               "" if review.predicted is None else f"{review.predicted:.0%}",
               answer[0][:60] + (" …" if len(answer) > 1 or len(answer[0]) > 60 else "")
               if answer else "")
        rows.append(row)
        log.add_row(*row[:-1], Text(row[-1]))
    return Group(facts, _History(log, [dict(zip(columns, r)) for r in rows], words))


class _History:
    """The history table, or — on a terminal too narrow for its columns, which would be cut —
    one line per answer (date, grade, time, mode, seed, prediction) and the answer under it."""

    def __init__(self, table: Table, rows: list[dict[str, str]], words: dict[str, Any]) -> None:
        self.table, self.rows, self.words = table, rows, words

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.cells import cell_len

        needed = 1 + sum(3 + max([cell_len(str(self.words[key]))]
                                 + [cell_len(row[key]) for row in self.rows])
                         for key in ("when", "grade", "time", "mode", "seed", "predicted"))
        if needed + 3 + cell_len(str(self.words["answer"])) <= options.max_width:
            yield self.table
            return
        yield Text(str(self.words["history"]), style="italic")
        for row in self.rows:
            line = Text(row["when"], overflow="fold")
            line.append(f"  {row['grade']}", style="bold")
            for key in ("time", "mode", "seed", "predicted"):
                if row[key]:
                    line.append(f"  {row[key]}" if key in ("time", "mode")
                                else f"  {self.words[key]} {row[key]}")
            yield line
            if row["answer"]:
                for wrapped in Text(row["answer"], style="dim").wrap(
                        console, max(1, options.max_width - 2)):
                    yield Text("  ") + wrapped
