"""Statistics of the review log: plain values, computed mostly inside SQLite.

One pass over the log groups it by card (reviews, recalls, and how far FSRS's predictions
were from what happened); the rest works on the card states (one row per card) and the
decks (for topics). So ``dlstudy stats`` stays fast with a million reviews.

Definitions:
    retention: the share of reviews not graded Again.
    fit: for every review a day or more after the card's previous one, FSRS predicted a
        probability of recall p (logged with the review); y is 1 unless it was graded Again.
        log loss = mean of −(y·ln p + (1−y)·ln(1−p)); RMSE = √mean((p − y)²). Lower is better;
        always answering 0.9 would give a log loss near 0.33 for a 90 % recall rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from dlstudy.card import Card
from dlstudy.scheduler import STATES, Scheduler, from_us, to_us, utcnow
from dlstudy.session import local_day_start
from dlstudy.store import Store

DAYS_SHOWN = 30
FORECAST_DAYS = 14
WEAK_MIN_REVIEWS = 5
_EPS = 1e-9


@dataclass
class Fit:
    """How well predicted recall matched what happened, over ``reviews`` scored reviews."""

    reviews: int = 0
    log_loss: float | None = None
    rmse: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class TopicStats:
    topic: str
    cards: int
    studied: int
    reviews: int
    retention: float | None
    mean_recall: float | None  # FSRS's average probability of recall now, over studied cards

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Stats:
    """Everything ``dlstudy stats`` shows. Days are local dates (ISO), times epoch µs UTC."""

    reviews: int = 0
    retention: float | None = None
    per_day: list[tuple[str, int]] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    forecast: list[tuple[str, int]] = field(default_factory=list)
    topics: list[TopicStats] = field(default_factory=list)
    weakest: list[str] = field(default_factory=list)
    fit: Fit = field(default_factory=Fit)
    calibration: list[dict[str, float]] = field(default_factory=list)
    parameters_version: int = 0
    personal_parameters: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "reviews": self.reviews, "retention": self.retention,
            "per_day": [{"day": d, "reviews": n} for d, n in self.per_day],
            "states": self.states,
            "forecast": [{"day": d, "due": n} for d, n in self.forecast],
            "topics": [t.to_dict() for t in self.topics], "weakest": self.weakest,
            "fit": self.fit.to_dict(), "calibration": self.calibration,
            "parameters_version": self.parameters_version,
            "personal_parameters": self.personal_parameters,
        }


def _ensure_ln(store: Store) -> None:
    """SQLite built without math functions gets ``ln`` from Python (slower, same result)."""
    try:
        store.conn.execute("SELECT ln(1)").fetchone()
    except Exception:
        store.conn.create_function("ln", 1, math.log, deterministic=True)


def compute(store: Store, cards: Sequence[Card], scheduler: Scheduler,
            now: datetime | None = None, personal: bool = False) -> Stats:
    """Statistics of ``store``'s log; ``cards`` (the decks) give topics and the new cards."""
    now = now or utcnow()
    _ensure_ln(store)
    stats = Stats(parameters_version=scheduler.version, personal_parameters=personal)

    def run(conn: object) -> None:
        _counts(store, stats, cards, scheduler, now)
        _per_day(store, stats, now)
        _fit(store, stats)

    store.read(run)  # one snapshot, even while another session is grading
    return stats


def _counts(store: Store, stats: Stats, cards: Sequence[Card], scheduler: Scheduler,
            now: datetime) -> None:
    """Retention overall and per topic, cards by state, the forecast, the weakest topics."""
    topic_of = {c.id: c.topic for c in cards}
    ids = dict(store.conn.execute("SELECT number, id FROM cards"))
    per_topic: dict[str, list[int]] = {}  # topic -> [reviews, recalled]
    total = recalled = 0
    for number, n, ok in store.conn.execute(
            "SELECT card, count(*), sum(rating > 1) FROM reviews GROUP BY card"):
        total += n
        recalled += ok
        topic = topic_of.get(ids.get(number, ""))
        if topic is not None:
            acc = per_topic.setdefault(topic, [0, 0])
            acc[0] += n
            acc[1] += ok
    stats.reviews = total
    stats.retention = recalled / total if total else None

    today = local_day_start(now)
    horizon = [local_day_start(now, i).date().isoformat() for i in range(FORECAST_DAYS)]
    forecast = dict.fromkeys(horizon, 0)
    end, today_us = to_us(local_day_start(now, FORECAST_DAYS)), to_us(today)
    counts = {"new": 0, "learning": 0, "review": 0, "relearning": 0, "removed": 0}
    recall: dict[str, list[float]] = {}
    dues = store.due_times()
    for cid, _number, state, last_review, stability in store.recall_inputs():
        topic = topic_of.get(cid)
        if topic is None:
            counts["removed"] += 1  # its history is kept; it comes back if the id does
            continue
        counts[STATES[state]] += 1
        due = dues[cid]
        if due < end:
            day = horizon[0] if due < today_us else from_us(due).astimezone().date().isoformat()
            forecast[day] = forecast.get(day, 0) + 1
        recall.setdefault(topic, []).append(scheduler.recall(last_review, stability, now))
    counts["new"] = sum(1 for c in cards if c.id not in dues)
    stats.states = counts
    stats.forecast = [(d, forecast[d]) for d in horizon]

    members: dict[str, int] = {}
    for card in cards:
        members[card.topic] = members.get(card.topic, 0) + 1
    for topic, size in sorted(members.items()):
        n, ok = per_topic.get(topic, [0, 0])
        rs = recall.get(topic, [])
        stats.topics.append(TopicStats(topic, size, len(rs), n, ok / n if n else None,
                                       sum(rs) / len(rs) if rs else None))
    # The weakest: lowest retention (then lowest recall now), among topics with enough reviews.
    reviewed = [t for t in stats.topics if t.retention is not None]
    ranked = [t for t in reviewed if t.reviews >= WEAK_MIN_REVIEWS] or reviewed
    ranked.sort(key=lambda t: (t.retention or 0.0, t.mean_recall or 0.0))
    stats.weakest = [t.topic for t in ranked[:min(3, len(ranked) - 1)]]


def _per_day(store: Store, stats: Stats, now: datetime) -> None:
    """Reviews per local day: one index range count per day (days follow local DST changes)."""
    days = [local_day_start(now, -i) for i in range(DAYS_SHOWN - 1, -1, -1)]
    bounds = [to_us(d) for d in days] + [to_us(local_day_start(now, 1))]
    count = "SELECT count(*) FROM reviews WHERE at >= ? AND at < ?"
    stats.per_day = [(day.date().isoformat(), store.conn.execute(count, (lo, hi)).fetchone()[0])
                     for day, lo, hi in zip(days, bounds, bounds[1:])]


def _fit(store: Store, stats: Stats) -> None:
    """Log loss and RMSE of the logged predictions, and predicted against actual in ten bins.

    One range scan per bin over the ``reviews_scored`` index: no sort of a million rows.
    """
    query = ("SELECT count(*), sum(predicted), sum(rating > 1), "
             f"sum(-ln(max(CASE WHEN rating > 1 THEN predicted ELSE 1 - predicted END, {_EPS}))), "
             "sum((predicted - (rating > 1)) * (predicted - (rating > 1))) FROM reviews "
             "WHERE predicted IS NOT NULL AND predicted >= ? AND predicted < ?")
    n_all = 0
    loss = sq = 0.0
    for b in range(10):
        lo, hi = b / 10, (b + 1) / 10 if b < 9 else 2.0
        n, p_sum, y_sum, b_loss, b_sq = store.conn.execute(query, (lo, hi)).fetchone()
        if not n:
            continue
        n_all += n
        loss += b_loss
        sq += b_sq
        stats.calibration.append({"from": lo, "to": min(hi, 1.0), "reviews": n,
                                  "predicted": round(p_sum / n, 4), "actual": round(y_sum / n, 4)})
    stats.fit = Fit(n_all, loss / n_all if n_all else None, math.sqrt(sq / n_all) if n_all else None)
