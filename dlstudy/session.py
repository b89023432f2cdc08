"""A study session, without a user interface: which cards, in what order, and what was done.

The terminal front-end (``dlstudy.terminal``) and the tests drive the same :class:`Session`:
``next_card`` → ``grade`` / ``skip`` / ``undo`` → … → ``summary``. Every grade goes
straight to the store, committed before ``grade`` returns.

Two ways to fill a session:

* :func:`review_queue` — the cards FSRS says are due now, then new cards up to the day's
  limit; cards graded Again come back when their (re)learning step is due.
* :func:`quiz_queue` — any cards of a selection, due or not ("cram"); the answers are still
  recorded and scheduled, and cards graded Again come back at the end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dlstudy.card import Card
from dlstudy.scheduler import CardState, Scheduler, due_by, to_us, utcnow
from dlstudy.store import Review, Store

if TYPE_CHECKING:
    from dlstudy.plan import ActivePlan

LEARN_AHEAD_US = 20 * 60 * 1_000_000  # like Anki: a (re)learning card due within 20 min may come early


@dataclass(frozen=True)
class Graded:
    """A grade given in this session: the card, its log entry, and the state it led to."""

    card: Card
    review: Review
    state: CardState | None  # None: an unseen card answered with ``--no-schedule``
    lapses: int | None = None  # set when this grade was a lapse (Again on a learned card)
    leech: str | None = None  # ``known``: a leech lapsed again; ``new``: it just became one
    suspended: bool = False  # the leech rule suspended it (``leech_action = "suspend"``)


@dataclass
class Summary:
    """What a session did, for the closing lines."""

    graded: int = 0
    cards: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0, 4: 0})
    skipped: int = 0  # put aside with `s`, not counting the cards suspended or buried
    suspended: int = 0
    buried: int = 0
    seconds: float = 0.0
    left: int = 0
    next_due: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"graded": self.graded, "cards": self.cards,
                "ratings": {str(k): v for k, v in self.ratings.items()}, "skipped": self.skipped,
                "suspended": self.suspended, "buried": self.buried,
                "seconds": round(self.seconds, 1), "left": self.left, "next_due": self.next_due}


class Session:
    """A queue of cards and the grades given to them.

    Args:
        store: where grades are committed.
        scheduler: the parameters version grades are scheduled with.
        cards: the opening queue, in order.
        mode: ``review`` or ``quiz`` (recorded with each grade).
        refill: called when the queue runs out; returns cards to continue with.
        again_returns: in a quiz, a card graded Again is asked again at the end.
        schedule: False (``quiz --no-schedule``): answers are kept apart and leave every
            card's FSRS state as it was.
    """

    def __init__(self, store: Store, scheduler: Scheduler | Callable[[], Scheduler],
                 cards: Iterable[Card], mode: str,
                 refill: Callable[[Session], list[Card]] | None = None,
                 again_returns: bool = False, clock: Callable[[], datetime] = utcnow,
                 schedule: bool = True, leech_lapses: int = 8, leech_action: str = "tag") -> None:
        self.store = store
        self._scheduler = scheduler
        self.mode = mode
        self.queue: deque[Card] = deque(cards)
        self.refill = refill
        self.again_returns = again_returns
        self.schedule = schedule
        self.clock = clock
        self.leech_lapses = leech_lapses
        self.leech_action = leech_action
        self.current: Card | None = None
        self.history: list[Graded] = []
        self.skipped: list[Card] = []  # left for this session: skipped, suspended or buried
        self.set_aside: dict[str, str] = {}  # card id → "suspended" or "buried"
        self.started = clock()

    @property
    def scheduler(self) -> Scheduler:
        """The parameters version grades are scheduled with (worked out at the first grade)."""
        if not isinstance(self._scheduler, Scheduler):
            self._scheduler = self._scheduler()
        return self._scheduler

    def next_card(self) -> Card | None:
        """The card to ask now (None when the session is over). Asking it again returns the same."""
        if self.current is None:
            if not self.queue and self.refill is not None:
                self.queue.extend(self.refill(self))
            self.current = self.queue.popleft() if self.queue else None
        return self.current

    def grade(self, rating: int, duration_ms: int | None = None, *, seed: int | None = None,
              auto_rating: int | None = None, answer: str | None = None,
              outcome: str | None = None) -> Graded:
        """Grade the current card; it is in the log when this returns. If saving fails, the card
        stays the current one (and the error propagates).

        An auto-graded card also records the exercise's ``seed``, the ``auto_rating`` dlstudy
        worked out (``rating`` differs when the user overrode it) and the ``answer`` typed
        (a coding card: the code, and its graded ``outcome`` as JSON).
        """
        card = self.next_card()
        if card is None:
            raise RuntimeError("no card to grade: the session is over")
        state: CardState | None
        before = self.store.state(card.id) if rating == 1 and self.schedule else None
        if self.schedule:
            review, state = self.store.grade(card.id, rating, self.scheduler, duration_ms,
                                             self.mode, seed=seed, auto_rating=auto_rating,
                                             answer=answer, outcome=outcome)
        else:
            review, state = self.store.cram(card.id, rating, self.scheduler, duration_ms,
                                            seed=seed, auto_rating=auto_rating, answer=answer)
        self.current = None
        graded = Graded(card, review, state)
        if before is not None and before.state == 2:  # Again on a learned card: a lapse
            graded = self._lapse(graded)
        self.history.append(graded)
        if rating == 1 and self.again_returns:
            self.queue.append(card)
        return graded

    def _lapse(self, graded: Graded) -> Graded:
        """A lapse: count the card's lapses; at ``leech_lapses`` it becomes a leech (and is
        suspended under ``leech_action = "suspend"``). Anki's rule, its default threshold too."""
        from dataclasses import replace

        card_id = graded.card.id
        lapses = self.store.lapses(card_id)
        marks = self.store.card_marks(card_id)
        if marks.leech is not None:
            # As in Anki, a leech is caught again every half threshold (8, 12, 16… by default).
            again = (lapses - self.leech_lapses) % max(1, self.leech_lapses // 2) == 0
            suspend = again and self.leech_action == "suspend" and marks.suspended is None
            if suspend:
                self.store.mark([card_id], suspended="leech")
                self.queue = deque(c for c in self.queue if c.id != card_id)
            return replace(graded, lapses=lapses, leech="known", suspended=suspend)
        if lapses < self.leech_lapses:
            return replace(graded, lapses=lapses)
        suspend = self.leech_action == "suspend" and marks.suspended is None
        changes: dict[str, object] = {"leech": graded.review.at}
        if suspend:
            changes["suspended"] = "leech"
            self.queue = deque(c for c in self.queue if c.id != card_id)
        self.store.mark([card_id], **changes)
        return replace(graded, lapses=lapses, leech="new", suspended=suspend)

    def suspend(self) -> Card:
        """Suspend the current card (``dlstudy unsuspend`` brings it back); it leaves the session."""
        card = self._take()
        self.store.mark([card.id], suspended="user")
        self.queue = deque(c for c in self.queue if c.id != card.id)
        self.skipped.append(card)
        self.set_aside[card.id] = "suspended"
        return card

    def bury(self) -> Card:
        """Bury the current card until the next local day; it leaves the session."""
        card = self._take()
        self.store.mark([card.id], buried_until=to_us(local_day_start(self.clock(), 1)))
        self.queue = deque(c for c in self.queue if c.id != card.id)
        self.skipped.append(card)
        self.set_aside[card.id] = "buried"
        return card

    def flag(self, number: int) -> Card:
        """Flag the current card (0 clears, 1–7 Anki's colours); it stays the current card."""
        card = self.next_card()
        if card is None:
            raise RuntimeError("no card to flag: the session is over")
        self.store.mark([card.id], flag=number)
        return card

    def skip(self) -> Card:
        """Put the current card aside for this session without grading it."""
        card = self._take()
        self.skipped.append(card)
        return card

    def undo(self) -> Graded | None:
        """Take back this session's latest grade; its card is asked again next."""
        if not self.history:
            return None
        graded = self.history[-1]
        if graded.review.mode == "cram":  # first: if it fails, the session is unchanged
            self.store.undo_cram(graded.review.id)
        else:
            self.store.undo(graded.review.id)
        undone: dict[str, object] = {"suspended": None} if graded.suspended else {}
        if graded.leech == "new":  # the grade that made it a leech is gone: so is the mark
            undone["leech"] = None
        if undone:
            self.store.mark([graded.card.id], **undone)
        self.history.pop()
        if graded.review.rating == 1 and self.again_returns:
            for i in range(len(self.queue) - 1, -1, -1):  # drop the copy queued by Again
                if self.queue[i].id == graded.card.id:
                    del self.queue[i]
                    break
        if self.current is not None:
            self.queue.appendleft(self.current)
        self.current = graded.card
        return graded

    def summary(self, selection: set[str] | None = None) -> Summary:
        ratings = {1: 0, 2: 0, 3: 0, 4: 0}
        for g in self.history:
            ratings[g.review.rating] += 1
        left = len(self.queue) + (self.current is not None)
        return Summary(graded=len(self.history), cards=len({g.card.id for g in self.history}),
                       ratings=ratings,
                       skipped=len({c.id for c in self.skipped} - set(self.set_aside)),
                       suspended=sum(v == "suspended" for v in self.set_aside.values()),
                       buried=sum(v == "buried" for v in self.set_aside.values()),
                       seconds=(self.clock() - self.started).total_seconds(), left=left,
                       next_due=self.store.next_due(selection))

    def _take(self) -> Card:
        card = self.next_card()
        if card is None:
            raise RuntimeError("no card to act on: the session is over")
        self.current = None
        return card


def auto_rating(correct: bool, seconds: float, easy_within: float = 0.0,
                hard_after: float = 0.0) -> int:
    """The grade an auto-graded card earns: wrong → Again; right → Good.

    By default speed changes nothing: Easy on a new card graduates it at once with FSRS's
    initial stability for Easy (about 8 days with the default weights), so a quick lucky
    answer would hide the card for a week. A user who wants speed to count sets
    ``easy_within`` (right within that many seconds → Easy) and/or ``hard_after`` (right
    after that many → Hard); 0 turns either rule off."""
    if not correct:
        return 1
    if easy_within > 0 and seconds <= easy_within:
        return 4
    if hard_after > 0 and seconds > hard_after:
        return 2
    return 3


def local_day_start(now: datetime, days: int = 0) -> datetime:
    """Local midnight ``days`` after ``now``'s local day, as an aware datetime.

    A naive local time is resolved by ``astimezone`` with that date's own UTC offset, so
    days across a daylight-saving change still start at midnight.
    """
    day = now.astimezone().date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day).astimezone()


@dataclass(frozen=True)
class ReviewPlan:
    """What ``review`` found: the cards to ask, and why there may be none.

    Under an interview-date plan, ``forward`` holds cards brought forward (their recall on the
    date would fall below the plan's target) and the new cards come first (see
    :mod:`dlstudy.plan`)."""

    due: list[Card]
    new: list[Card]
    new_left_today: int
    next_due: int | None
    forward: list[Card] = field(default_factory=list)
    planned: bool = False

    @property
    def cards(self) -> list[Card]:
        if self.planned:
            return self.new + self.due + self.forward
        return self.due + self.new


def interleave_new(cards: Sequence[Card]) -> list[Card]:
    """Unseen cards in the order ``review`` introduces them: level 1 first, and within a level
    one card of each topic in turn (each topic's cards in deck order)."""
    from dlstudy.plan import PlanCard, interleaved

    by_id = {c.id: c for c in cards}
    return [by_id[p.id] for p in interleaved([PlanCard(c.id, c.topic, c.level, c.kind)
                                               for c in cards])]


def review_queue(store: Store, cards: Sequence[Card], new_per_day: int,
                 now: datetime | None = None, plan: ActivePlan | None = None,
                 scheduler: Scheduler | None = None,
                 scope: Sequence[Card] | None = None) -> ReviewPlan:
    """Due cards (soonest first), then unseen cards — interleaved across topics, level 1 first
    — up to today's new-card limit (cards first seen in a quiz do not count against it).

    With an active ``plan`` (and its ``scheduler``) the plan decides instead: today's share of
    new cards, the due cards, and cards brought forward for the date. ``scope``: every card
    of the plan, when ``cards`` is only a part of it (today's share is the whole plan's)."""
    now = now or utcnow()
    now_us = to_us(now)
    hidden = store.hidden(now_us)  # suspended and buried cards are not asked
    if hidden:
        cards = [c for c in cards if c.id not in hidden]
    day_start = to_us(local_day_start(now))
    introduced = len(store.introduced_since(day_start, mode="review"))
    selection = {c.id for c in cards}
    if plan is not None and scheduler is not None:
        return _planned_queue(store, cards, plan, scheduler, now, introduced, day_start,
                              None if scope is None else [c for c in scope if c.id not in hidden])
    dues = store.due_times()
    day_end = to_us(local_day_start(now, 1))
    ready = {cid: d for cid, d, state in store.due(day_end) if due_by(state, d, now_us, day_end)}
    due = [(ready[c.id], i, c) for i, c in enumerate(cards) if c.id in ready]
    due.sort(key=lambda t: (t[0], t[1]))
    left = max(0, new_per_day - introduced)
    new = interleave_new([c for c in cards if c.id not in dues])[:left]
    return ReviewPlan([c for _, _, c in due], new, left - len(new), store.next_due(selection))


def _planned_queue(store: Store, cards: Sequence[Card], plan: ActivePlan, scheduler: Scheduler,
                   now: datetime, introduced: int, day_start: int,
                   scope: Sequence[Card] | None = None) -> ReviewPlan:
    from dlstudy.plan import PlanCard, todays_plan

    states = store.states()
    planned = [PlanCard(c.id, c.topic, c.level, c.kind, states.get(c.id)) for c in cards]
    unseen = None if scope is None else sum(1 for c in scope if c.id not in states)
    today = todays_plan(planned, plan, scheduler, now, introduced, store.seconds_since(day_start),
                        unseen_in_scope=unseen)
    by_id = {c.id: c for c in cards}
    return ReviewPlan([by_id[i] for i in today.due], [by_id[i] for i in today.new], 0,
                      store.next_due({c.id for c in cards}),
                      [by_id[i] for i in today.brought_forward], planned=True)


def review_refill(cards: Sequence[Card]) -> Callable[[Session], list[Card]]:
    """When a review runs out: cards that fell due meanwhile, else (re)learning cards due soon."""
    by_id = {c.id: c for c in cards}

    def refill(session: Session) -> list[Card]:
        clock = session.clock()
        now, day_end = to_us(clock), to_us(local_day_start(clock, 1))
        skipped = {c.id for c in session.skipped} | session.store.hidden(now)
        due = [(cid, d, state) for cid, d, state in session.store.due(max(now + LEARN_AHEAD_US,
                                                                          day_end))
               if cid in by_id and cid not in skipped]
        ready = [by_id[cid] for cid, d, state in due if due_by(state, d, now, day_end)]
        if ready:
            return ready
        return [by_id[cid] for cid, d, state in due  # (re)learning, due within LEARN_AHEAD
                if state in (1, 3) and d <= now + LEARN_AHEAD_US][:1]

    return refill


def quiz_queue(store: Store, cards: Sequence[Card], limit: int | None = None,
               now: datetime | None = None, include_hidden: bool = False) -> list[Card]:
    """A quiz asks the most overdue cards first, then unseen ones, then the rest by due date.

    (Among studied cards, the one longest past its due date is the one FSRS expects you are
    most likely to have forgotten.) Suspended and buried cards are left out unless
    ``include_hidden``.
    """
    now_us = to_us(now or utcnow())
    if not include_hidden:
        hidden = store.hidden(now_us)
        cards = [c for c in cards if c.id not in hidden]
    dues = store.due_times()
    ordered = sorted(enumerate(cards), key=lambda t: (dues.get(t[1].id, now_us), t[0]))
    chosen = [c for _, c in ordered]
    return chosen[:limit] if limit else chosen


NOTHING_SCHEDULED = {"en": "nothing scheduled yet", "zh": "尚无安排"}
_WEEKDAYS_ZH = "一二三四五六日"


def describe_due(due_us: int | None, now: datetime | None = None, lang: str = "en") -> str:
    """``in 3 days (Tue 25 Nov 14:02)`` in local time; ``now`` when already due; ``nothing
    scheduled yet`` for None. ``lang`` zh: ``3 天后（11月25日 周二 14:02）``."""
    if due_us is None:
        return NOTHING_SCHEDULED["zh" if lang == "zh" else "en"]
    from dlstudy.scheduler import from_us

    now = now or utcnow()
    due = from_us(due_us)
    delta = due - now
    local = due.astimezone()
    soon = abs(delta) < timedelta(hours=20)  # overdue for days: the day too, not only the hour
    if lang == "zh":
        when = local.strftime("%H:%M") if soon else \
            f"{local.month}月{local.day}日 周{_WEEKDAYS_ZH[local.weekday()]} {local:%H:%M}"
        if delta <= timedelta(0):
            return f"现在（{when} 起已到期）"
        return f"{human_span(delta, 'zh')}后（{when}）"
    when = local.strftime("%H:%M") if soon else local.strftime("%a %d %b %H:%M")
    if delta <= timedelta(0):
        return f"now (due since {when})"
    return f"in {human_span(delta)} ({when})"


def human_span(delta: timedelta, lang: str = "en") -> str:
    """``45 s``, ``3 min``, ``5 h``, ``1 day``, ``3 days``, ``4 months``, ``1.5 years``
    (zh: ``45 秒``, ``3 分钟``, ``5 小时``, ``3 天``, ``4 个月``, ``1.5 年``)."""
    seconds = delta.total_seconds()
    days = seconds / 86400
    if seconds < 59.5:
        count, unit = max(1, round(seconds)), ("s", "s", "秒")
    elif seconds < 90 * 60:
        count, unit = round(seconds / 60), ("min", "min", "分钟")
    elif seconds < 36 * 3600:
        count, unit = round(seconds / 3600), ("h", "h", "小时")
    elif days < 60:
        count, unit = round(days), ("day", "days", "天")
    elif days < 730:
        count, unit = round(days / 30.4), ("month", "months", "个月")
    else:
        years = f"{days / 365.25:.1f}"
        return f"{years} 年" if lang == "zh" else f"{years} years"
    if lang == "zh":
        return f"{count} {unit[2]}"
    return f"{count} {unit[0] if count == 1 else unit[1]}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 card``, ``3 cards`` (``many`` when the plural is not ``one + "s"``)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
