"""Personal FSRS parameters, fitted to the user's own review log by the FSRS reference engine.

The engine is ``fsrs-rs-python``: the Rust FSRS that Anki itself runs (``compute_parameters``,
``evaluate``, and the simulator's ``optimal_retention``), with no torch or pandas. Where it is
not installed, py-fsrs's ``Optimizer`` (torch, pandas) is used instead, and the user is told.

Both parameter sets — the ones in use and the fitted ones — are scored on the same history by
the engine that fitted them (log loss and RMSE (bins), the FSRS benchmark's metrics, see
``dlstudy.stats``), and the fitted ones are kept only when their log loss is lower.

The log becomes the engine's items as Anki builds them: per card, each review with the number
of local calendar days since the card's previous one (0 for the first, and for same-day
reviews); one item per review that has a review a day or more before it in its history.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, ReviewLog
from fsrs import Scheduler as FsrsScheduler

from dlstudy.scheduler import from_us
from dlstudy.stats import Fit, rmse_bins
from dlstudy.store import Store

# A first fit needs a few hundred reviews a day or more apart to move past the defaults.
MIN_SCORED_REVIEWS = 512
RETENTIONS = (0.80, 0.85, 0.90, 0.95)  # the desired retentions whose workload is simulated
SIMULATED_DAYS = 365
ENGINE, FALLBACK = "fsrs-rs-python", "py-fsrs"
FALLBACK_NOTE = ("fsrs-rs-python (the FSRS engine Anki uses) is not installed, so py-fsrs's "
                 "optimizer is used (slower; it needs torch and pandas). "
                 "`pip install fsrs-rs-python` to use the reference engine.")


@dataclass
class Outcome:
    """What ``dlstudy optimize`` found. ``kept`` says whether ``fitted`` replaced ``current``.

    ``advice`` is the simulator's minimum recommended retention for the parameters now in use
    (the desired retention below which reviews cost more per card remembered), when the engine
    provides it."""

    scored: int
    current: tuple[float, ...]
    before: Fit
    engine: str = ENGINE
    fitted: tuple[float, ...] | None = None
    after: Fit | None = None
    kept: bool = False
    advice: float | None = None
    workload: list[Workload] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"scored": self.scored, "engine": self.engine, "current": list(self.current),
                "before": self.before.to_dict(), "fitted": list(self.fitted or []) or None,
                "after": self.after.to_dict() if self.after else None, "kept": self.kept,
                "advice": self.advice, "workload": [asdict(w) for w in self.workload]}


@dataclass(frozen=True)
class Workload:
    """The simulator's year at one desired retention: review minutes per day (averaged over the
    year) and the cards remembered on its last day (the sum of their recall probabilities)."""

    retention: float
    minutes_per_day: float
    remembered: float
    cards: int


def engine() -> Any | None:
    """The ``fsrs_rs_python`` module, or None when it is not installed."""
    try:
        import fsrs_rs_python
    except ImportError:
        return None
    return fsrs_rs_python


# -- the log as the engine's items -------------------------------------------------------------

@dataclass(frozen=True)
class History:
    """One card's reviews: ratings and days since the previous review (0 for the first)."""

    card: int
    ratings: tuple[int, ...]
    days: tuple[int, ...]


def histories(store: Store) -> list[History]:
    out: list[History] = []
    card = None
    ratings: list[int] = []
    days: list[int] = []
    previous = None
    for number, rating, at in store.conn.execute(
            "SELECT card, rating, at FROM reviews ORDER BY card, id"):
        if number != card:
            if card is not None:
                out.append(History(card, tuple(ratings), tuple(days)))
            card, ratings, days, previous = number, [], [], None
        day = datetime.fromtimestamp(at / 1e6).date()  # the local calendar day, as Anki counts
        ratings.append(rating)
        days.append(0 if previous is None else (day - previous).days)
        previous = day
    if card is not None:
        out.append(History(card, tuple(ratings), tuple(days)))
    return out


def items(rs: Any, cards: Sequence[History]) -> tuple[list[Any], list[int], list[Any]]:
    """The engine's training items, their card numbers, and the items it can score (those whose
    last review is a day or more after the one before)."""
    train: list[Any] = []
    ids: list[int] = []
    scored: list[Any] = []
    for h in cards:
        reviews = [rs.FSRSReview(r, d) for r, d in zip(h.ratings, h.days)]
        long_term = False
        for i in range(1, len(reviews)):
            long_term = long_term or h.days[i] > 0
            if not long_term:
                continue  # the engine needs a review a day or more apart in every item
            item = rs.FSRSItem(reviews[:i + 1])
            train.append(item)
            ids.append(h.card)
            if h.days[i] > 0:
                scored.append(item)
    return train, ids, scored


# -- scoring ---------------------------------------------------------------------------------

def review_logs(store: Store) -> list[ReviewLog]:
    """The log as py-fsrs's optimizer wants it (card number, rating, time, duration)."""
    rows = store.conn.execute("SELECT card, rating, at, duration_ms FROM reviews ORDER BY id")
    return [ReviewLog(card, Rating(rating), from_us(at), duration) for card, rating, at, duration in rows]


def scored_reviews(store: Store) -> int:
    """Reviews a day or more after the card's previous one: what the optimizer learns from."""
    return int(store.conn.execute("SELECT count(predicted) FROM reviews").fetchone()[0])


def evaluate(parameters: Sequence[float], logs: Sequence[ReviewLog]) -> Fit:
    """py-fsrs: replay ``logs`` with ``parameters`` and score every prediction of recall a day or
    more out (log loss, and RMSE (bins) as ``dlstudy.stats`` bins it)."""
    scheduler = FsrsScheduler(parameters=parameters, enable_fuzzing=False)
    by_card: dict[int, list[ReviewLog]] = {}
    for log in logs:
        by_card.setdefault(log.card_id, []).append(log)
    n = 0
    loss = 0.0
    groups: dict[tuple[int, int, int], list[float]] = {}
    for card_id, history in by_card.items():
        card = FsrsCard(card_id=card_id, due=history[0].review_datetime)
        lapses = 0
        for i, log in enumerate(history, 1):
            if card.last_review is not None and (days := (log.review_datetime - card.last_review).days) > 0:
                p = float(scheduler.get_card_retrievability(card, log.review_datetime))
                p = min(max(p, 1e-9), 1 - 1e-9)
                y = 0.0 if log.rating == Rating.Again else 1.0
                loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
                n += 1
                acc = groups.setdefault((days, i, lapses), [0, 0.0, 0.0])
                acc[0] += 1
                acc[1] += p
                acc[2] += y
                lapses += y == 0.0
            card, _ = scheduler.review_card(card, log.rating, log.review_datetime)
    bins = rmse_bins([(d, i, lp, int(a[0]), a[1], a[2]) for (d, i, lp), a in groups.items()])
    return Fit(n, loss / n if n else None, bins)


def evaluate_rs(rs: Any, parameters: Sequence[float], scored: Sequence[Any]) -> Fit:
    """The reference engine's own evaluation (log loss, RMSE (bins)) of ``parameters``."""
    if not scored:
        return Fit(0, None, None)
    result = rs.FSRS(list(parameters)).evaluate(list(scored))
    return Fit(len(scored), float(result.log_loss), float(result.rmse_bins))


def _simulator(rs: Any, cards: int, new_per_day: int) -> Any:
    config = rs.default_simulator_config()
    config.deck_size = max(cards, 1)
    config.learn_span = SIMULATED_DAYS
    config.learn_limit = max(new_per_day, 1)
    config.max_cost_perday = 1e9  # the workload is what is asked: no daily cap
    return config


def advice(rs: Any, parameters: Sequence[float], cards: int, new_per_day: int) -> float | None:
    """The simulator's minimum recommended retention for ``parameters`` (Anki's "optimal
    retention"): the desired retention with the least review time per card remembered, over a
    simulated year of a deck the size of the user's."""
    try:
        return float(rs.optimal_retention(_simulator(rs, cards, new_per_day), list(parameters)))
    except (ValueError, RuntimeError):
        return None


def workload(rs: Any, parameters: Sequence[float], cards: int, new_per_day: int,
             retentions: Sequence[float] = RETENTIONS) -> list[Workload]:
    """What each desired retention costs and gives with ``parameters``: the simulator's year
    (fixed seed) of ``cards`` cards introduced ``new_per_day`` a day."""
    out = []
    for retention in retentions:
        result = rs.simulate(list(parameters), retention, _simulator(rs, cards, new_per_day), 2026)
        days = len(result.cost_per_day) or 1
        out.append(Workload(retention, sum(result.cost_per_day) / days / 60,
                            float(result.memorized_cnt_per_day[-1]), cards))
    return out


def fit(store: Store, current: Sequence[float],
        progress: Callable[[str], None] | None = None, verbose: bool = False,
        deck_size: int = 0, new_per_day: int = 10) -> Outcome:
    """Fit parameters to ``store``'s log; keep them (``store.set_parameters``) if they fit better.

    With the reference engine, the simulator then weighs desired retentions for the parameters
    in use, for a deck of ``deck_size`` cards (at least the cards in the log) introduced
    ``new_per_day`` a day."""
    say = progress or (lambda _: None)
    scored = scored_reviews(store)
    rs = engine()
    if rs is None:
        say(FALLBACK_NOTE)
        return _fit_fallback(store, current, scored, say, verbose)
    cards = histories(store)
    train, ids, scorable = items(rs, cards)
    outcome = Outcome(scored, tuple(current), evaluate_rs(rs, current, scorable))
    if scored < MIN_SCORED_REVIEWS:
        return outcome
    say(f"fitting FSRS to {store.count():,} reviews ({scored:,} scored)…")
    fitted = tuple(float(p) for p in rs.FSRS(list(current)).compute_parameters(train, ids))
    outcome.fitted = fitted
    outcome.after = evaluate_rs(rs, fitted, scorable)
    _keep(store, outcome)
    in_use = fitted if outcome.kept else current
    size = max(deck_size, len(cards))
    outcome.advice = advice(rs, in_use, size, new_per_day)
    outcome.workload = workload(rs, in_use, size, new_per_day)
    return outcome


def _keep(store: Store, outcome: Outcome) -> None:
    after, before = outcome.after, outcome.before
    if (outcome.fitted is not None and after is not None and after.log_loss is not None
            and before.log_loss is not None and after.log_loss < before.log_loss):
        store.set_parameters(outcome.fitted)
        outcome.kept = True


def _fit_fallback(store: Store, current: Sequence[float], scored: int,
                  say: Callable[[str], None], verbose: bool) -> Outcome:
    logs = review_logs(store)
    outcome = Outcome(scored, tuple(current), evaluate(current, logs), engine=FALLBACK)
    if scored < MIN_SCORED_REVIEWS:
        return outcome
    say(f"fitting FSRS to {len(logs):,} reviews ({scored:,} scored)…")
    from fsrs.optimizer import Optimizer  # torch, pandas, tqdm: only here

    fitted = tuple(float(p) for p in Optimizer(logs).compute_optimal_parameters(verbose=verbose))
    outcome.fitted = fitted
    outcome.after = evaluate(fitted, logs)
    _keep(store, outcome)
    return outcome
