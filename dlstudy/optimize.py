"""Personal FSRS parameters, fitted to the user's own review log by fsrs's ``Optimizer``.

The optimizer needs torch (and pandas and tqdm): it is imported inside :func:`fit` only.
Both parameter sets — the ones in use and the fitted ones — are scored the same way, on
the same reviews (see ``dlstudy.stats``: log loss of predicted recall, and RMSE), and the
fitted ones are kept only when they score better.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fsrs import Card as FsrsCard
from fsrs import Rating, ReviewLog
from fsrs import Scheduler as FsrsScheduler

from dlstudy.scheduler import from_us
from dlstudy.stats import Fit
from dlstudy.store import Store

# fsrs's optimizer takes gradient steps on mini-batches of 512 scored reviews (a review a
# day or more after the card's previous one); with fewer it hands back the defaults.
MIN_SCORED_REVIEWS = 512


@dataclass
class Outcome:
    """What ``dlstudy optimize`` found. ``kept`` says whether ``fitted`` replaced ``current``."""

    scored: int
    current: tuple[float, ...]
    before: Fit
    fitted: tuple[float, ...] | None = None
    after: Fit | None = None
    kept: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"scored": self.scored, "current": list(self.current),
                "before": self.before.to_dict(), "fitted": list(self.fitted or []) or None,
                "after": self.after.to_dict() if self.after else None, "kept": self.kept}


def review_logs(store: Store) -> list[ReviewLog]:
    """The log as fsrs's optimizer wants it (card number, rating, time, duration)."""
    rows = store.conn.execute("SELECT card, rating, at, duration_ms FROM reviews ORDER BY id")
    return [ReviewLog(card, Rating(rating), from_us(at), duration) for card, rating, at, duration in rows]


def scored_reviews(store: Store) -> int:
    """Reviews a day or more after the card's previous one: what the optimizer learns from."""
    return int(store.conn.execute("SELECT count(predicted) FROM reviews").fetchone()[0])


def evaluate(parameters: Sequence[float], logs: Sequence[ReviewLog]) -> Fit:
    """Replay ``logs`` with ``parameters`` and score every prediction of recall a day or more out."""
    scheduler = FsrsScheduler(parameters=parameters, enable_fuzzing=False)
    by_card: dict[int, list[ReviewLog]] = {}
    for log in logs:
        by_card.setdefault(log.card_id, []).append(log)
    n = 0
    loss = sq = 0.0
    for card_id, history in by_card.items():
        card = FsrsCard(card_id=card_id, due=history[0].review_datetime)
        for log in history:
            if card.last_review is not None and (log.review_datetime - card.last_review).days > 0:
                p = float(scheduler.get_card_retrievability(card, log.review_datetime))
                p = min(max(p, 1e-9), 1 - 1e-9)
                y = 0.0 if log.rating == Rating.Again else 1.0
                loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
                sq += (p - y) ** 2
                n += 1
            card, _ = scheduler.review_card(card, log.rating, log.review_datetime)
    return Fit(n, loss / n if n else None, math.sqrt(sq / n) if n else None)


def fit(store: Store, current: Sequence[float],
        progress: Callable[[str], None] | None = None, verbose: bool = False) -> Outcome:
    """Fit parameters to ``store``'s log; keep them (``store.set_parameters``) if they fit better."""
    scored = scored_reviews(store)
    logs = review_logs(store)
    say = progress or (lambda _: None)
    before = evaluate(current, logs)
    outcome = Outcome(scored, tuple(current), before)
    if scored < MIN_SCORED_REVIEWS:
        return outcome
    say(f"fitting FSRS to {len(logs):,} reviews ({scored:,} scored)…")
    from fsrs.optimizer import Optimizer  # torch, pandas, tqdm: only here

    fitted = tuple(float(p) for p in Optimizer(logs).compute_optimal_parameters(verbose=verbose))
    outcome.fitted = fitted
    outcome.after = evaluate(fitted, logs)
    if (outcome.after.log_loss is not None and before.log_loss is not None
            and outcome.after.log_loss < before.log_loss):
        store.set_parameters(fitted)
        outcome.kept = True
    return outcome
