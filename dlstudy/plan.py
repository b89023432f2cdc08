"""Planning for an interview date, on FSRS's own memory model.

FSRS predicts recall with its forgetting curve R(t) = (1 + F·t/S)^(-decay), where S is the
card's stability and ``decay`` is the last FSRS weight (py-fsrs's
``Scheduler.get_card_retrievability``). A plan uses exactly that model, through the
installed ``fsrs`` package:

* **The rule.** Each day before the date, first today's share of the new cards (an even
  pace that ends a week or a quarter of the time before the date, so the last of them still
  get reviews), interleaved across topics, level 1 first; then the cards FSRS says are due
  (the usual spacing, which is what builds stability); then cards whose recall *on the date*
  would fall below the plan's ``target`` and whose last "window" has opened — a review now
  lifts them above the target on the date. Reviews go level-1 cards first, then weak topics
  (lowest predicted recall on the date), then the card furthest below the target.
* **The forecast** is a simulation, as FSRS's simulator does it: each day's session spends
  at most the daily budget; a review is recalled with FSRS's predicted probability (a seeded
  draw) and graded Good, else Again (then relearned the same day); each new card is failed at
  first sight with the user's own rate (default 0.25). What a review costs is the user's
  median answer time per card kind from the log, or :data:`DEFAULT_SECONDS`.
* **The target** is the one (of :data:`TARGETS`) whose simulation gives the highest mean
  predicted recall on the date among those the budget covers (every card learned, none left
  waiting on the day): too high a target spends the budget on reviews that crowd out others;
  too low leaves recall on the table. When the budget covers none, the plan is the best
  there is, with a warning and the daily budget that would cover it.

Reviewing a card before it is due needs nothing special: FSRS takes the recall predicted at
the actual moment of the review, so an early review raises stability less (py-fsrs's
``review_card``; the FSRS authors: "the user may not review the card in the scheduled date").

Pure Python: ``review`` uses :func:`todays_plan` and must not import numpy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple

from dlstudy.scheduler import CardState, Scheduler, SchedulerConfig, due_by

if TYPE_CHECKING:
    from fsrs import Card as FsrsCard

DAY = timedelta(days=1)
# Seconds one showing takes when the log has too few answers of that kind (each is a card
# answered from memory, then checked: exercises mean computing; claims are one word).
# a coding card is a function written in an editor and run against the grader: minutes, not the
# 30 s of a recall card (which it was costed as: 16 such cards made a plan 10 minutes a day short)
DEFAULT_SECONDS = {"recall": 30.0, "exercise": 90.0, "claim": 20.0, "code": 300.0}
FIRST_SHOWING = 2.0  # a new card's first showing also reads the answer and its proof
DEFAULT_FIRST_AGAIN = 0.25  # new cards failed at first sight (FSRS's simulator: 0.24)
MIN_SAMPLES = 10  # answers of a kind before the user's own median replaces the default
MAX_ANSWER_S = 300.0  # longer answers are counted as this (the user walked away)
MAX_CODE_S = 1800.0  # … but writing a function may well take half an hour
TARGETS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.97)
DEFAULT_MINUTES = 30
EVAL_HOUR = 12  # recall "on the date" is predicted for noon, local time


class PlanError(ValueError):
    """A plan that cannot be made as asked (a date not in the future, a budget of 0…)."""


@dataclass(frozen=True)
class PlanCard:
    """A card as the planner sees it: where it belongs and its FSRS state (None: new)."""

    id: str
    topic: str
    level: int
    kind: str
    state: CardState | None = None


@dataclass(frozen=True)
class Costs:
    """Seconds a showing takes, per card kind; and how often a new card is failed at first."""

    review: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SECONDS))
    first: dict[str, float] = field(
        default_factory=lambda: {k: v * FIRST_SHOWING for k, v in DEFAULT_SECONDS.items()})
    first_again: float = DEFAULT_FIRST_AGAIN
    measured: tuple[str, ...] = ()  # kinds whose costs come from the user's log

    def of(self, kind: str, first: bool = False) -> float:
        table = self.first if first else self.review
        return table.get(kind, DEFAULT_SECONDS["recall"] * (FIRST_SHOWING if first else 1.0))


def costs_from_log(rows: Iterable[tuple[str, bool, int | None, int]]) -> Costs:
    """Costs from ``(kind, first showing?, duration_ms, rating)`` rows of the review log:
    the median per kind (answers capped at :data:`MAX_ANSWER_S`) where there are enough."""
    seen: dict[tuple[str, bool], list[float]] = {}
    firsts = failed = 0
    for kind, first, duration, rating in rows:
        if first:
            firsts += 1
            failed += rating == 1
        if duration is not None and duration > 0:
            cap = MAX_CODE_S if kind == "code" else MAX_ANSWER_S
            seen.setdefault((kind, first), []).append(min(duration / 1000, cap))
    costs = Costs()
    measured = []
    for kind in DEFAULT_SECONDS:
        later = seen.get((kind, False), [])
        if len(later) >= MIN_SAMPLES:
            costs.review[kind] = _median(later)
            measured.append(kind)
        firsts_seen = seen.get((kind, True), [])
        if len(firsts_seen) >= MIN_SAMPLES:
            costs.first[kind] = _median(firsts_seen)
        elif kind in measured:
            costs.first[kind] = costs.review[kind] * FIRST_SHOWING
    rate = failed / firsts if firsts >= MIN_SAMPLES else DEFAULT_FIRST_AGAIN
    return Costs(costs.review, costs.first, min(max(rate, 0.0), 0.95), tuple(measured))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def evaluation_time(until: date) -> datetime:
    """When recall "on the date" is predicted: noon of that day, local time."""
    return datetime.combine(until, time(EVAL_HOUR)).astimezone()


def days_until(today: date, until: date) -> int:
    return (until - today).days


class Curve:
    """FSRS's forgetting curve with a scheduler's weights: recall after some days, and its
    inverse (how many days a card of stability S stays at or above a recall)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.fsrs = scheduler.fsrs
        decay = -float(scheduler.config.parameters[20])
        self.decay = decay
        self.factor = 0.9 ** (1 / decay) - 1

    def recall(self, card: FsrsCard | _Inputs, at: datetime) -> float:
        return float(self.fsrs.get_card_retrievability(card, at))  # type: ignore[arg-type]

    def days_above(self, stability: float, recall: float) -> float:
        """Days after a review during which recall stays ≥ ``recall`` (the curve inverted)."""
        return stability / self.factor * (recall ** (1 / self.decay) - 1)


class _Inputs(NamedTuple):
    """What ``get_card_retrievability`` reads of a card."""

    last_review: datetime | None
    stability: float | None


def interleaved(cards: Sequence[PlanCard], topic_order: Sequence[str] | None = None) -> list[PlanCard]:
    """New cards in the order to introduce them: level 1 first; within a level one card of each
    topic in turn (``topic_order``, else the order topics first appear), each topic's cards in
    deck order — not a whole deck before the next."""
    rank = {t: i for i, t in enumerate(topic_order or ())}
    for c in cards:
        rank.setdefault(c.topic, len(rank))
    turn: dict[tuple[str, int], int] = {}
    keyed = []
    for i, c in enumerate(cards):
        k = turn.get((c.topic, c.level), 0)
        turn[(c.topic, c.level)] = k + 1
        keyed.append(((c.level, k, rank[c.topic], i), c))
    keyed.sort(key=lambda t: t[0])
    return [c for _, c in keyed]


# --- the simulation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One day of a forecast: showings (reviews, relearning and learning steps included), new
    cards introduced, minutes, and candidates left for lack of time."""

    day: date
    reviews: int
    new: int
    minutes: float
    left: int

    def to_dict(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "reviews": self.reviews, "new": self.new,
                "minutes": round(self.minutes, 1), "left": self.left}


@dataclass
class Outcome:
    """What a simulated run gives: the days, and each card's predicted recall on the date."""

    days: list[Day]
    recall: dict[str, float]
    introduced: int
    left: int  # cards never introduced, or still waiting for a review at the end, for lack of time

    def mean(self, ids: Iterable[str] | None = None) -> float:
        values = [self.recall[i] for i in (ids if ids is not None else self.recall)]
        return sum(values) / len(values) if values else 0.0

    @property
    def minutes(self) -> float:
        return sum(d.minutes for d in self.days)


@dataclass
class _Sim:
    card: PlanCard
    fsrs: FsrsCard | None
    kind: str  # "A": due by FSRS; "B": last window before the date


def simulate(cards: Sequence[PlanCard], config: SchedulerConfig, now: datetime, until: date,
             minutes: float | None, target: float, costs: Costs | None = None, seed: int = 0,
             policy: str = "plan", new_per_day: int = 10) -> Outcome:
    """Simulate the days from ``now`` to ``until`` (exclusive), one session a day at ``now``'s
    time, spending at most ``minutes`` a day (None: no limit) — but a card started is
    finished, so a lapse's relearning step may run over by a showing.

    ``policy`` ``plan`` follows the plan's rule (see the module); ``review`` is plain review
    for comparison: cards FSRS says are due, and ``new_per_day`` new cards in deck order.
    """
    from fsrs import Card as FsrsCard
    from fsrs import Rating, State

    costs = costs or Costs()
    scheduler = Scheduler(SchedulerConfig(config.parameters, config.desired_retention,
                                          config.learning_steps, config.relearning_steps,
                                          config.maximum_interval, enable_fuzzing=False))
    fsrs = scheduler.fsrs
    curve = Curve(scheduler)
    rng = random.Random(seed)
    today = now.astimezone().date()
    n = days_until(today, until)
    eval_at = evaluation_time(until)
    start = now
    budget = math.inf if minutes is None else minutes * 60
    buckets: list[list[_Sim]] = [[] for _ in range(max(n, 1))]
    sims: dict[str, _Sim] = {}
    unseen: list[PlanCard] = []
    for number, c in enumerate(cards, 1):
        if c.state is None:
            unseen.append(c)
            continue
        sim = _Sim(c, c.state.to_fsrs(number), "A")
        sims[c.id] = sim
        _schedule(sim, 0, start, n, eval_at, target, curve, buckets, policy, first_day=True)
    numbers = {c.id: i for i, c in enumerate(cards, 1)}
    levels = {c.id: c.level for c in cards}

    def weakness() -> dict[str, float]:
        totals: dict[str, list[float]] = {}
        for c in cards:
            sim = sims.get(c.id)
            r = curve.recall(sim.fsrs, eval_at) if sim and sim.fsrs else 0.0
            totals.setdefault(c.topic, []).append(r)
        return {t: sum(v) / len(v) for t, v in totals.items()}

    weak = weakness() if policy == "plan" else {}
    if policy == "plan":
        order = sorted(weak, key=lambda t: weak[t])
        unseen = interleaved(unseen, order)
    last_intro = max(0, n - 1 - min(7, n // 4))
    carried: list[_Sim] = []
    days: list[Day] = []

    def show(sim: _Sim, at: datetime) -> tuple[float, int]:
        """One review of a studied card, and its relearning steps: seconds, showings."""
        assert sim.fsrs is not None
        kind = sim.card.kind
        spent, count = costs.of(kind), 1
        recalled = rng.random() < curve.recall(sim.fsrs, at)
        card, _ = fsrs.review_card(sim.fsrs, Rating.Good if recalled else Rating.Again, at)
        while card.state != State.Review:  # relearning steps, the same day: recalled
            spent, count = spent + costs.of(kind), count + 1
            card, _ = fsrs.review_card(card, Rating.Good, card.due)
        sim.fsrs = card
        return spent, count

    def learn(c: PlanCard, at: datetime) -> tuple[float, int]:
        spent, count = costs.of(c.kind, first=True), 1
        card = FsrsCard(card_id=numbers[c.id], due=at)
        failed = rng.random() < costs.first_again
        card, _ = fsrs.review_card(card, Rating.Again if failed else Rating.Good, at)
        while card.state != State.Review:
            spent, count = spent + costs.of(c.kind), count + 1
            card, _ = fsrs.review_card(card, Rating.Good, card.due)
        sims[c.id] = _Sim(c, card, "A")
        return spent, count

    for d in range(n):
        at = start + d * DAY
        if policy == "plan" and d and d % 7 == 0:
            weak = weakness()
        candidates = carried + buckets[d]
        carried = []
        due_now = [s for s in candidates if s.kind == "A"]
        window = [s for s in candidates if s.kind == "B"]
        if policy == "plan":
            def key(s: _Sim, weak: dict[str, float] = weak) -> tuple[int, float, float]:
                assert s.fsrs is not None
                return (levels[s.card.id], weak.get(s.card.topic, 0.0),
                        curve.recall(s.fsrs, eval_at))
            due_now.sort(key=key)
            window.sort(key=key)
        else:
            due_now.sort(key=lambda s: s.fsrs.due if s.fsrs else at)
        spent = 0.0
        shown = introduced = 0
        done: list[_Sim] = []

        if policy == "plan":
            quota = len(unseen) if d >= last_intro else math.ceil(len(unseen) / (last_intro - d + 1))
        else:
            quota = new_per_day
        # The plan introduces today's share of new cards first: a card never learned scores 0 on
        # the date, and a review put off a day costs little (FSRS credits the longer gap).
        for stage in ("new", "due") if policy == "plan" else ("due", "new"):
            if stage == "due":
                for s in due_now:
                    if spent + costs.of(s.card.kind) <= budget:
                        seconds, count = show(s, at)
                        spent, shown = spent + seconds, shown + count
                        done.append(s)
                    else:
                        carried.append(s)
                continue
            while unseen and introduced < quota and spent + costs.of(unseen[0].kind, first=True) <= budget:
                c = unseen.pop(0)
                seconds, count = learn(c, at)
                spent, shown, introduced = spent + seconds, shown + count, introduced + 1
                done.append(sims[c.id])
        for s in window:
            if spent + costs.of(s.card.kind) <= budget:
                seconds, count = show(s, at)
                spent, shown = spent + seconds, shown + count
                done.append(s)
            else:
                carried.append(s)
        for s in done:
            _schedule(s, d, start, n, eval_at, target, curve, buckets, policy)
        days.append(Day(today + timedelta(days=d), shown, introduced, spent / 60, len(carried)))
    recall = {c.id: 0.0 for c in cards}
    for cid, s in sims.items():
        if s.fsrs is not None:
            recall[cid] = curve.recall(s.fsrs, eval_at)
    return Outcome(days, recall, len(sims), len(carried) + len(unseen))


def _schedule(sim: _Sim, d: int, start: datetime, n: int, eval_at: datetime, target: float,
              curve: Curve, buckets: list[list[_Sim]], policy: str, first_day: bool = False) -> None:
    """Put a studied card in the bucket of the next day it is a candidate, if any before the date."""
    card = sim.fsrs
    assert card is not None
    a_day = math.floor((card.due - start) / DAY)
    if first_day:
        a_day = max(a_day, 0)
    elif a_day <= d:
        a_day = d + 1
    if a_day < n:
        sim.kind = "A"
        buckets[a_day].append(sim)
        return
    if policy != "plan" or card.stability is None or curve.recall(card, eval_at) >= target:
        return
    opens = eval_at - timedelta(days=curve.days_above(card.stability, target))
    b_day = max(d if first_day else d + 1, math.ceil((opens - start) / DAY))
    if b_day < n:
        sim.kind = "B"
        buckets[b_day].append(sim)
    elif n > d + 1 or (first_day and n > 0):
        sim.kind = "B"
        buckets[n - 1].append(sim)


# --- the plan a user sees ---------------------------------------------------------------------


@dataclass
class Plan:
    """A plan for a date: the chosen target, the forecast, and whether the budget covers it."""

    until: date
    minutes: int
    target: float
    forecast: Outcome
    topics: dict[str, float]  # predicted recall on the date, per topic
    cards: int
    covered: bool
    needed_minutes: int  # a daily budget under which nothing waits
    costs: Costs

    def to_dict(self) -> dict[str, object]:
        return {"until": self.until.isoformat(), "minutes_per_day": self.minutes,
                "target": self.target, "cards": self.cards,
                "predicted_recall": round(self.forecast.mean(), 4),
                "topics": {t: round(r, 4) for t, r in self.topics.items()},
                "covered": self.covered, "needed_minutes_per_day": self.needed_minutes,
                "seconds_per_review": {k: round(v, 1) for k, v in self.costs.review.items()},
                "days": [d.to_dict() for d in self.forecast.days]}


def make_plan(cards: Sequence[PlanCard], config: SchedulerConfig, now: datetime, until: date,
              minutes: int, costs: Costs | None = None, seed: int = 0) -> Plan:
    """The plan with the highest predicted recall on the date that ``minutes`` a day allow."""
    today = now.astimezone().date()
    if until <= today:
        raise PlanError(f"the date {until.isoformat()} is not after today ({today.isoformat()})")
    if minutes <= 0:
        raise PlanError(f"the daily budget must be at least 1 minute, not {minutes}")
    if not cards:
        raise PlanError("no cards in the plan's scope")
    costs = costs or Costs()
    # The best plan the budget covers (every card learned, none left waiting on the day);
    # if the budget covers none, the best there is (and a warning).
    best: tuple[bool, float, float, Outcome] | None = None
    for target in TARGETS:
        outcome = simulate(cards, config, now, until, minutes, target, costs, seed)
        rank = (outcome.left == 0, outcome.mean())
        if best is None or rank > (best[0], best[1] + 1e-9):
            best = (rank[0], rank[1], target, outcome)
    assert best is not None
    _, _, target, outcome = best
    needed = minutes if outcome.left == 0 else _needed(cards, config, now, until, minutes, target,
                                                         costs, seed)
    topics: dict[str, list[str]] = {}
    for c in cards:
        topics.setdefault(c.topic, []).append(c.id)
    return Plan(until, minutes, target, outcome,
                {t: outcome.mean(ids) for t, ids in topics.items()}, len(cards),
                outcome.left == 0 and outcome.introduced == len(cards), needed, costs)


def _needed(cards: Sequence[PlanCard], config: SchedulerConfig, now: datetime, until: date,
            minutes: int, target: float, costs: Costs, seed: int) -> int:
    """The smallest daily budget (whole minutes, to within 5 %) under which the plan leaves no
    card unlearned or waiting on the date."""
    low, high = minutes, minutes * 2
    while simulate(cards, config, now, until, high, target, costs, seed).left:
        low, high = high, high * 2
        if high > 24 * 60:
            return high
    while high - low > max(1, low // 20):
        mid = (low + high) // 2
        if simulate(cards, config, now, until, mid, target, costs, seed).left:
            low = mid
        else:
            high = mid
    return high


# --- what `review` asks today under a plan -----------------------------------------------------


@dataclass(frozen=True)
class ActivePlan:
    """A saved plan ``review`` follows until its date (the store's ``plan`` meta entry)."""

    until: date
    target: float
    minutes: int
    topic: str | None = None
    tag: str | None = None
    level: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"until": self.until.isoformat(), "target": self.target, "minutes": self.minutes,
                "topic": self.topic, "tag": self.tag, "level": self.level}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ActivePlan:
        level = data.get("level")
        return cls(date.fromisoformat(str(data["until"])), float(data["target"]),  # type: ignore[arg-type]
                   int(data["minutes"]), data.get("topic"), data.get("tag"),  # type: ignore[call-overload, arg-type]
                   None if level is None else int(level))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Today:
    """What a plan asks today: due cards (FSRS's, then brought forward), and new cards."""

    due: list[str]
    brought_forward: list[str]
    new: list[str]


def todays_plan(cards: Sequence[PlanCard], plan: ActivePlan, scheduler: Scheduler, now: datetime,
                introduced_today: int, spent_today_s: float, costs: Costs | None = None,
                unseen_in_scope: int | None = None) -> Today:
    """The plan's rule for today, on the cards' real states (see the module).

    ``cards`` may be a part of the plan's scope (``review --topic T``): then
    ``unseen_in_scope`` (the unseen cards of the whole scope) sets today's share of new cards,
    as for the whole plan, and the part only chooses which of them come now.

    Today's share of the new cards (as far as the budget left today allows), every card FSRS
    says is due (as in plain review), then, with what is left of the budget, cards brought
    forward because their recall on the date would fall below the target.
    """
    costs = costs or Costs()
    curve = Curve(scheduler)
    eval_at = evaluation_time(plan.until)
    n = days_until(now.astimezone().date(), plan.until)
    due_us = now.timestamp() * 1e6
    totals: dict[str, list[float]] = {}
    on_date: dict[str, float] = {}
    for c in cards:
        st = c.state
        r = 0.0
        if st is not None and st.last_review is not None and st.stability is not None:
            from dlstudy.scheduler import from_us

            r = curve.recall(_Inputs(from_us(st.last_review), st.stability), eval_at)
        on_date[c.id] = r
        totals.setdefault(c.topic, []).append(r)
    weak = {t: sum(v) / len(v) for t, v in totals.items()}

    def key(c: PlanCard) -> tuple[int, float, float]:
        return (c.level, weak[c.topic], on_date[c.id])

    day_end = datetime.combine(now.astimezone().date() + timedelta(days=1), time()).astimezone()
    day_end_us = day_end.timestamp() * 1e6
    due = sorted((c for c in cards if c.state is not None
                  and due_by(c.state.state, c.state.due, due_us, day_end_us)), key=key)
    budget = plan.minutes * 60 - spent_today_s
    unseen = [c for c in cards if c.state is None]
    last_intro = max(0, n - 1 - min(7, n // 4))
    days_left = last_intro + 1 if n > 0 else 1
    share = (len(unseen) if unseen_in_scope is None else unseen_in_scope) + introduced_today
    quota = share if n - 1 <= last_intro else math.ceil(share / days_left)
    new: list[PlanCard] = []
    for c in interleaved(unseen, sorted(weak, key=lambda t: weak[t])):
        if len(new) >= quota - introduced_today or budget < costs.of(c.kind, first=True):
            break
        new.append(c)
        budget -= costs.of(c.kind, first=True) + costs.of(c.kind)
    budget -= sum(costs.of(c.kind) for c in due)  # due cards are all asked, as in plain review
    forward: list[PlanCard] = []
    if n >= 1:
        for c in sorted((c for c in cards if c.state is not None and c.state.due >= day_end_us
                         and c.state.state == 2 and on_date[c.id] < plan.target), key=key):
            st = c.state
            assert st is not None and st.stability is not None
            if (eval_at - now) > timedelta(days=curve.days_above(st.stability, plan.target)) \
                    and n > 1:
                continue  # a review now would not hold until the date: wait for its window
            if budget < costs.of(c.kind):
                break
            forward.append(c)
            budget -= costs.of(c.kind)
    return Today([c.id for c in due], [c.id for c in forward], [c.id for c in new])
