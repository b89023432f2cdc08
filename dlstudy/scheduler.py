"""Scheduling: a thin layer over py-fsrs, so that replaying the review log gives back the same states.

Two things are added to ``fsrs.Scheduler`` and nothing is computed here that fsrs computes:

* **Parameters versions.** Everything that changes what the scheduler decides — the 21
  weights, the desired retention, the learning steps, the maximum interval, fuzzing — is
  one :class:`SchedulerConfig`. The store gives each distinct config a version number and
  every review records the version it was scheduled with, so the log can be replayed
  exactly even after ``dlstudy optimize`` or a new desired retention.
* **Deterministic fuzz.** fsrs spreads review intervals with ``random.random()``. We seed
  that draw from the card and the time of the review (and put the global generator back
  afterwards), so the same log always yields the same due dates.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from fsrs import Card as FsrsCard
    from fsrs import Scheduler as FsrsScheduler

# fsrs is imported where it is used, not here: a session shows its first card before it
# needs the scheduler (the first grade does).

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
STATES = {1: "learning", 2: "review", 3: "relearning"}  # fsrs.State values


def to_us(moment: datetime) -> int:
    """Epoch microseconds of a timezone-aware datetime (exact, unlike ``timestamp()``)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def due_by(state: int, due_us: float, now_us: float, day_end_us: float) -> bool:
    """Whether a card is due in today's review: due by now, or — for a card in review state,
    scheduled in whole days — due later today (before ``day_end_us``, local midnight), as Anki
    shows a review card all day on its due date. A card reviewed at 20:00 with a one-day interval
    is then asked tomorrow at 19:55 too, instead of waiting a day for the five minutes."""
    return due_us <= now_us or (state == 2 and due_us < day_end_us)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SchedulerConfig:
    """What the scheduler decides with; one version of "the scheduler parameters".

    Attributes:
        parameters: the 21 FSRS weights (fsrs's defaults, or fitted by ``dlstudy optimize``).
        desired_retention: the probability of recall an interval is chosen for.
        learning_steps, relearning_steps: short intervals, in seconds, before a card graduates.
        maximum_interval: in days.
        enable_fuzzing: spread intervals a little so cards learned together drift apart.
    """

    parameters: tuple[float, ...] = field(default_factory=lambda: default_parameters())
    desired_retention: float = 0.9
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500
    enable_fuzzing: bool = True

    def to_dict(self) -> dict[str, object]:
        return {"parameters": list(self.parameters), "desired_retention": self.desired_retention,
                "learning_steps": list(self.learning_steps),
                "relearning_steps": list(self.relearning_steps),
                "maximum_interval": self.maximum_interval, "enable_fuzzing": self.enable_fuzzing}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SchedulerConfig:
        return cls(parameters=tuple(float(p) for p in data["parameters"]),  # type: ignore[attr-defined]
                   desired_retention=float(data["desired_retention"]),  # type: ignore[arg-type]
                   learning_steps=tuple(data["learning_steps"]),  # type: ignore[arg-type]
                   relearning_steps=tuple(data["relearning_steps"]),  # type: ignore[arg-type]
                   maximum_interval=int(data["maximum_interval"]),  # type: ignore[call-overload]
                   enable_fuzzing=bool(data["enable_fuzzing"]))

    def key(self) -> str:
        """The canonical text of this config: equal configs share one parameters version."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


def default_parameters() -> tuple[float, ...]:
    """fsrs's default weights (of the installed fsrs: a parameters version records the values)."""
    from fsrs.scheduler import DEFAULT_PARAMETERS

    return tuple(DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class CardState:
    """A card's memory state as FSRS keeps it, in storable plain values.

    Attributes:
        state: 1 learning, 2 review, 3 relearning (``fsrs.State``).
        step: the learning or relearning step, None in review.
        stability: days for recall probability to fall to 90 %.
        difficulty: 1 (easy) to 10 (hard).
        due, last_review: epoch microseconds, UTC.
    """

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: int
    last_review: int | None

    def to_fsrs(self, number: int) -> FsrsCard:
        from fsrs import Card as FsrsCard
        from fsrs import State

        return FsrsCard(card_id=number, state=State(self.state), step=self.step,
                        stability=self.stability, difficulty=self.difficulty,
                        due=from_us(self.due),
                        last_review=None if self.last_review is None else from_us(self.last_review))

    @classmethod
    def from_fsrs(cls, card: FsrsCard) -> CardState:
        return cls(int(card.state), card.step, card.stability, card.difficulty, to_us(card.due),
                   None if card.last_review is None else to_us(card.last_review))

    def to_dict(self) -> dict[str, object]:
        return {"state": self.state, "step": self.step, "stability": self.stability,
                "difficulty": self.difficulty, "due": self.due, "last_review": self.last_review}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CardState:
        return cls(**data)  # type: ignore[arg-type]


class Scheduler:
    """One parameters version of FSRS: reviews a card, predicts recall."""

    def __init__(self, config: SchedulerConfig, version: int = 0) -> None:
        self.config = config
        self.version = version
        self._fsrs: FsrsScheduler | None = None

    @property
    def fsrs(self) -> FsrsScheduler:
        if self._fsrs is None:
            from fsrs import Scheduler as FsrsScheduler

            config = self.config
            self._fsrs = FsrsScheduler(
                parameters=config.parameters, desired_retention=config.desired_retention,
                learning_steps=[timedelta(seconds=s) for s in config.learning_steps],
                relearning_steps=[timedelta(seconds=s) for s in config.relearning_steps],
                maximum_interval=config.maximum_interval, enable_fuzzing=config.enable_fuzzing)
        return self._fsrs

    def review(self, number: int, before: CardState | None, rating: int, at: int,
               duration_ms: int | None = None) -> CardState:
        """The state after grading ``rating`` at ``at`` (epoch µs); ``before`` None = a new card."""
        from fsrs import Card as FsrsCard
        from fsrs import Rating

        card = FsrsCard(card_id=number, due=from_us(at)) if before is None else before.to_fsrs(number)
        saved = random.getstate()
        random.seed(number << 64 | at)  # an int seed: the same draw on every run and platform
        try:
            after, _ = self.fsrs.review_card(card, Rating(rating), from_us(at), duration_ms)
        finally:
            random.setstate(saved)
        return CardState.from_fsrs(after)

    def predicted_recall(self, number: int, before: CardState | None, at: int) -> float | None:
        """FSRS's probability that the card is recalled at ``at``.

        None for a new card and for a review on the same day as the last one: FSRS (and its
        optimizer) model recall across days, so only those predictions are scored.
        """
        if before is None or before.last_review is None or before.stability is None:
            return None
        if (at - before.last_review) < 86_400_000_000:
            return None
        return float(self.fsrs.get_card_retrievability(before.to_fsrs(number), from_us(at)))

    def recall(self, last_review: int | None, stability: float | None, now: datetime) -> float:
        """FSRS's probability of recall at ``now`` of a card last reviewed at ``last_review`` (µs).

        ``get_card_retrievability`` reads only these two attributes of the card, so a light
        stand-in is passed instead of a full ``fsrs.Card`` (``stats`` asks this for every card).
        """
        card = _RecallInputs(None if last_review is None else from_us(last_review), stability)
        return float(self.fsrs.get_card_retrievability(card, now))  # type: ignore[arg-type]


class _RecallInputs(NamedTuple):
    last_review: datetime | None
    stability: float | None
