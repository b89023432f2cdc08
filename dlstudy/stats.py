"""Statistics of the review log: plain values, computed mostly inside SQLite.

One pass over the log groups it by card (reviews, recalls, and how far FSRS's predictions
were from what happened); the rest works on the card states (one row per card) and the
decks (for topics). So ``dlstudy stats`` stays fast with a million reviews.

Definitions:
    retention: the share of reviews not graded Again (every review, learning steps included).
    true retention: as Anki's statistics define it ("True Retention" table, Anki manual,
        https://docs.ankiweb.net/stats.html): the share of passed reviews (Hard, Good or Easy)
        among reviews of cards that were in review state (not new, learning or relearning),
        split by the card's interval then — young under 21 days, mature from 21 days — over
        today, yesterday, the last 7, 30 and 365 days and all time.
    fit: for every review a day or more after the card's previous one, FSRS predicted a
        probability of recall p (logged with the review); y is 1 unless it was graded Again.
        log loss = mean of −(y·ln p + (1−y)·ln(1−p)). RMSE (bins) is the FSRS benchmark's
        metric (open-spaced-repetition/srs-benchmark, README "Metrics", and its `rmse_matrix`):
        reviews are grouped by interval length (days since the previous review), review number
        and lapses, each on a logarithmic scale (interval 2.48·3.62^⌊log₃.₆₂ t⌋, review number
        1.99·1.89^⌊log₁.₈₉ i⌋, lapses 1.65·1.73^⌊log₁.₇₃ l⌋, 0 for none); in each group the
        mean prediction is compared with the share recalled, and the root of the mean squared
        gap, weighted by the group's size, is reported. Lower is better for both. (An
        unbinned per-review RMSE, √mean((p − y)²), mostly measures how uncertain single reviews
        are, not whether the predictions are calibrated; dlstudy no longer reports it.)
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
MATURE_DAYS = 21  # Anki: a card whose interval is 21 days or more is mature
PERIODS = (("today", 0, 1), ("yesterday", -1, 0), ("week", -6, 1), ("month", -29, 1),
           ("year", -364, 1), ("all", None, 1))  # (name, first local day, day after the last)
FORECAST_DAYS = 14
WEAK_MIN_REVIEWS = 5
_EPS = 1e-9


@dataclass
class Fit:
    """How well predicted recall matched what happened, over ``reviews`` scored reviews."""

    reviews: int = 0
    log_loss: float | None = None
    rmse_bins: float | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class TrueRetention:
    """Anki's true retention over one period: passed and failed reviews of cards in review
    state, young (interval under 21 days) and mature."""

    period: str
    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0

    @staticmethod
    def _rate(passed: int, failed: int) -> float | None:
        return passed / (passed + failed) if passed + failed else None

    @property
    def young(self) -> float | None:
        return self._rate(self.young_passed, self.young_failed)

    @property
    def mature(self) -> float | None:
        return self._rate(self.mature_passed, self.mature_failed)

    @property
    def total(self) -> float | None:
        return self._rate(self.young_passed + self.mature_passed,
                          self.young_failed + self.mature_failed)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "young": self.young, "mature": self.mature, "total": self.total}


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
    true_retention: list[TrueRetention] = field(default_factory=list)
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
            "true_retention": [t.to_dict() for t in self.true_retention],
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
    if store.get_meta("before_filled") is None:  # a log from before schema 5: once
        store.backfill_before()
        store.set_meta("before_filled", "1")
    stats = Stats(parameters_version=scheduler.version, personal_parameters=personal)

    def run(conn: object) -> None:
        _counts(store, stats, cards, scheduler, now)
        _per_day(store, stats, now)
        _true_retention(store, stats, now)
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


def _true_retention(store: Store, stats: Stats, now: datetime) -> None:
    """Passed and failed reviews of cards in review state, young and mature, per period.

    The periods nest, except `yesterday`: the log is cut at every period's first day into
    disjoint spans, each counted by one range scan of the ``reviews_in_review`` index (so every
    review is read once), and a period adds up the spans it holds.
    """
    bounds = [(name, 0 if first is None else to_us(local_day_start(now, first)),
               to_us(local_day_start(now, after))) for name, first, after in PERIODS]
    edges = sorted({lo for _, lo, _ in bounds} | {hi for _, _, hi in bounds})
    query = ("SELECT coalesce(sum(rating > 1 AND interval_before < ?), 0), "
             "coalesce(sum(rating = 1 AND interval_before < ?), 0), "
             "coalesce(sum(rating > 1 AND interval_before >= ?), 0), "
             "coalesce(sum(rating = 1 AND interval_before >= ?), 0) FROM reviews "
             "WHERE state_before = 2 AND at >= ? AND at < ?")
    spans = [(lo, hi, store.conn.execute(query, (MATURE_DAYS,) * 4 + (lo, hi)).fetchone())
             for lo, hi in zip(edges, edges[1:])]
    for name, lo, hi in bounds:
        counts = [sum(c[k] for a, b, c in spans if lo <= a and b <= hi) for k in range(4)]
        stats.true_retention.append(TrueRetention(name, *counts))


def benchmark_bin(value: float, base: float, scale: float, digits: int) -> float:
    """The FSRS benchmark's logarithmic bin of ``value`` (≥ 1): scale·base^⌊log_base value⌋."""
    return round(scale * base ** math.floor(math.log(value) / math.log(base)), digits)


def rmse_bins(groups: Sequence[tuple[int, int, int, int, float, float]]) -> float | None:
    """RMSE (bins) of ``(days, review number, lapses, reviews, Σ predicted, Σ recalled)`` groups.

    Interval, review number and lapses are binned as the FSRS benchmark bins them; each bin's
    mean prediction is compared with its share recalled, weighted by its number of reviews.
    """
    bins: dict[tuple[float, float, float], list[float]] = {}
    for days, i, lapses, n, p_sum, y_sum in groups:
        key = (benchmark_bin(max(days, 1), 3.62, 2.48, 2), benchmark_bin(max(i, 1), 1.89, 1.99, 0),
               benchmark_bin(lapses, 1.73, 1.65, 0) if lapses else 0.0)
        acc = bins.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += n
        acc[1] += p_sum
        acc[2] += y_sum
    total = sum(n for n, _, _ in bins.values())
    if not total:
        return None
    return math.sqrt(sum((p - y) ** 2 / n for n, p, y in bins.values()) / total)


# Scored reviews (logged with a prediction: a day or more after the card's previous review)
# grouped by days since that review, review number and lapses before: one pass over the
# covering `reviews_binned` index, in its order (no sort).
_BIN_GROUPS = ("SELECT elapsed_days, review_no, lapses_before, count(*), sum(predicted), "
               "sum(rating > 1) FROM reviews WHERE predicted IS NOT NULL "
               "GROUP BY elapsed_days, review_no, lapses_before")


def _fit(store: Store, stats: Stats) -> None:
    """Log loss and RMSE (bins) of the logged predictions; predicted against actual in ten bins.

    The calibration bins are one range scan each over the ``reviews_scored`` index; the groups
    of RMSE (bins) one scan of ``reviews_binned``.
    """
    query = ("SELECT count(*), sum(predicted), sum(rating > 1), "
             f"sum(-ln(max(CASE WHEN rating > 1 THEN predicted ELSE 1 - predicted END, {_EPS}))) "
             "FROM reviews WHERE predicted IS NOT NULL AND predicted >= ? AND predicted < ?")
    n_all = 0
    loss = 0.0
    for b in range(10):
        lo, hi = b / 10, (b + 1) / 10 if b < 9 else 2.0
        n, p_sum, y_sum, b_loss = store.conn.execute(query, (lo, hi)).fetchone()
        if not n:
            continue
        n_all += n
        loss += b_loss
        stats.calibration.append({"from": lo, "to": min(hi, 1.0), "reviews": n,
                                  "predicted": round(p_sum / n, 4), "actual": round(y_sum / n, 4)})
    rmse = rmse_bins(store.conn.execute(_BIN_GROUPS).fetchall()) if n_all else None
    stats.fit = Fit(n_all, loss / n_all if n_all else None, rmse)
