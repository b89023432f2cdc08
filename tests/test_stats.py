"""Statistics and personal parameters, on review logs written with a clock the test moves."""

from __future__ import annotations

import json
import math
import random
import sys
import types
from datetime import timedelta
from pathlib import Path

import pytest

from dlstudy.card import Card, Text
from dlstudy.optimize import (
    ENGINE,
    FALLBACK,
    FALLBACK_NOTE,
    MIN_SCORED_REVIEWS,
    evaluate,
    fit,
    review_logs,
)
from dlstudy.scheduler import Scheduler, SchedulerConfig, default_parameters, from_us
from dlstudy.session import local_day_start
from dlstudy.stats import compute
from dlstudy.store import Store
from tests.studykit import Clock, drill_deck, invoke, shared_cache


def card(card_id: str, topic: str) -> Card:
    text = Text(en=card_id, zh=card_id)
    return Card(id=card_id, title=text, question=text, answer=text, topic=topic)


def fast_store(home: Path, clock: Clock) -> Store:
    store = Store.open(home, clock=clock.us)
    store.conn.execute("PRAGMA synchronous = OFF")  # test data only: skip the fsync per grade
    return store


def test_counts_retention_states_forecast_and_weakest_topic(tmp_path: Path) -> None:
    clock = Clock()
    deck = [card("a-1", "alpha"), card("a-2", "alpha"), card("b-1", "beta"), card("b-2", "beta")]
    with fast_store(tmp_path, clock) as store:
        scheduler = store.scheduler(SchedulerConfig())
        for cid, rating in [("a-1", 3), ("a-2", 1), ("b-1", 4), ("gone", 3)]:
            store.grade(cid, rating, scheduler)
            clock.advance(minutes=2)
        stats = compute(store, deck, scheduler, now=clock.dt())
    assert stats.reviews == 4 and stats.retention == 0.75
    assert stats.per_day[-1] == (local_day_start(clock.dt()).date().isoformat(), 4)
    assert len(stats.per_day) == 30 and sum(n for _, n in stats.per_day) == 4
    assert stats.states == {"new": 1, "learning": 2, "review": 1, "relearning": 0, "removed": 1}
    assert len(stats.forecast) == 14 and stats.forecast[0][1] == 2  # a-1 and a-2: due today
    assert sum(n for _, n in stats.forecast) == 3
    alpha, beta = stats.topics
    assert (alpha.topic, alpha.cards, alpha.studied, alpha.reviews, alpha.retention) == ("alpha", 2, 2, 2, 0.5)
    assert (beta.reviews, beta.retention) == (1, 1.0)
    assert stats.weakest == ["alpha"]
    json.dumps(stats.to_dict())  # plain values all the way down


def simulate(store: Store, clock: Clock, cards: int, reviews: int, truth: Scheduler,
             seed: int = 0) -> None:
    """A user whose memory follows ``truth``, reviewing on the schedule FSRS's defaults give."""
    rng = random.Random(seed)
    scheduler = store.scheduler(SchedulerConfig())
    start = clock.now
    for n in range(cards):
        clock.now = start + timedelta(hours=n)
        remembered = None
        for _ in range(reviews):
            if remembered is None:
                rating = rng.choice((1, 3, 3, 4))
            else:
                p = truth.recall(remembered.last_review, remembered.stability, clock.dt())
                rating = 1 if rng.random() > p else rng.choice((2, 3, 3, 3, 4))
            _, state = store.grade(f"c-{n}", rating, scheduler, duration_ms=rng.randrange(2000, 9000))
            remembered = truth.review(n, remembered, rating, state.last_review or 0)
            # the next review: when it is due, but a day later at least (so it is scored)
            clock.now = max(from_us(state.due), clock.now + timedelta(days=1))
            clock.advance(days=rng.choice((0, 1, 2, 5)))


def test_fit_is_log_loss_and_benchmark_rmse_bins_of_the_logged_predictions(tmp_path: Path) -> None:
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        simulate(store, clock, cards=6, reviews=8, truth=Scheduler(SchedulerConfig()))
        logged = list(store.reviews())
        stats = compute(store, [], store.scheduler(SchedulerConfig()), now=clock.dt())
    pairs = [(r.predicted, 0.0 if r.rating == 1 else 1.0) for r in logged if r.predicted is not None]
    assert stats.fit.reviews == len(pairs) == 6 * 7
    loss = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in pairs) / len(pairs)
    assert stats.fit.log_loss == pytest.approx(loss)
    # RMSE (bins) by hand, as the FSRS benchmark's rmse_matrix groups: interval, review number
    # and lapses, each on its logarithmic scale; the weighted gap of mean predicted and recalled.
    def scale(x: float, base: float, factor: float, digits: int) -> float:
        return round(factor * base ** math.floor(math.log(x) / math.log(base)), digits)
    bins: dict[tuple[float, float, float], list[float]] = {}
    by_card: dict[str, list] = {}
    for r in logged:
        by_card.setdefault(r.card, []).append(r)
    for history in by_card.values():
        lapses = 0
        for i, r in enumerate(history, 1):
            if r.predicted is None:
                continue
            days = (r.at - history[i - 2].at) // 86_400_000_000
            assert r.predicted is not None and days > 0
            key = (scale(days, 3.62, 2.48, 2), scale(i, 1.89, 1.99, 0),
                   scale(lapses, 1.73, 1.65, 0) if lapses else 0)
            acc = bins.setdefault(key, [0, 0.0, 0.0])
            y = 0.0 if r.rating == 1 else 1.0
            acc[0] += 1
            acc[1] += r.predicted
            acc[2] += y
            lapses += r.rating == 1
    assert len(bins) > 3  # the grouping is not trivial here
    expected = math.sqrt(sum(n * (p / n - y / n) ** 2 for n, p, y in bins.values()) / len(pairs))
    assert stats.fit.rmse_bins == pytest.approx(expected)
    per_review = math.sqrt(sum((p - y) ** 2 for p, y in pairs) / len(pairs))
    assert stats.fit.rmse_bins < per_review  # not the old per-review quantity
    assert sum(b["reviews"] for b in stats.calibration) == len(pairs)
    replayed = evaluate(default_parameters(), review_logs_of(tmp_path))
    assert replayed.reviews == len(pairs) and replayed.rmse_bins is not None


def test_true_retention_counts_reviews_of_cards_in_review_state_young_and_mature(
        tmp_path: Path) -> None:
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        scheduler = store.scheduler(SchedulerConfig())
        store.grade("c", 3, scheduler)             # new → learning
        clock.advance(minutes=10)
        store.grade("c", 3, scheduler)             # learning (not counted) → review
        clock.advance(days=3)
        store.grade("c", 1, scheduler)             # review, young: failed → relearning
        clock.advance(minutes=10)
        store.grade("c", 3, scheduler)             # relearning: not counted
        state = store.state("c")
        assert state is not None and state.state == 2
        for _ in range(8):                         # reviews on the due date, intervals growing
            clock.now = from_us(state.due)
            _, state = store.grade("c", 3, scheduler)
        rows = list(store.conn.execute("SELECT state_before, interval_before, rating FROM reviews"
                                       " ORDER BY id"))
        stats = compute(store, [], scheduler, now=clock.dt())
    in_review = [(ivl, rating) for st, ivl, rating in rows if st == 2]
    young = [r for ivl, r in in_review if ivl < 21]
    mature = [r for ivl, r in in_review if ivl >= 21]
    assert young and mature and [st for st, _, _ in rows][:4] == [0, 1, 2, 3]
    whole = next(t for t in stats.true_retention if t.period == "all")
    assert (whole.young_passed, whole.young_failed) == (sum(r > 1 for r in young), 1)
    assert (whole.mature_passed, whole.mature_failed) == (len(mature), 0)
    assert whole.total == pytest.approx((len(in_review) - 1) / len(in_review))
    today = next(t for t in stats.true_retention if t.period == "today")
    assert today.young_passed + today.mature_passed + today.young_failed + today.mature_failed == 1


def test_old_logs_get_their_review_states_filled_once(tmp_path: Path) -> None:
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        simulate(store, clock, cards=3, reviews=5, truth=Scheduler(SchedulerConfig()))
        columns = "state_before, interval_before, elapsed_days, review_no, lapses_before"
        written = list(store.conn.execute(f"SELECT {columns} FROM reviews ORDER BY id"))
        assert any(row[4] for row in written)  # some lapses to count
        store.conn.execute("UPDATE reviews SET state_before = NULL, interval_before = NULL, "
                           "elapsed_days = NULL, review_no = NULL, lapses_before = NULL")
        assert store.backfill_before() == 15
        assert list(store.conn.execute(f"SELECT {columns} FROM reviews ORDER BY id")) == written


def review_logs_of(home: Path):  # type: ignore[no-untyped-def]
    with Store.open(home) as store:
        return review_logs(store)


def forgetful() -> tuple[float, ...]:
    """FSRS parameters of a user who forgets much faster than the defaults assume."""
    params = list(default_parameters())
    params[0:4] = [0.05, 0.1, 0.3, 0.8]
    params[8] = 0.6
    return tuple(params)


def test_optimize_keeps_parameters_only_when_they_fit_better(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        simulate(store, clock, cards=60, reviews=11, truth=Scheduler(SchedulerConfig(parameters=forgetful())))
        answer: list[tuple[float, ...]] = [default_parameters()]

        class FakeOptimizer:  # fsrs's Optimizer needs torch; its contract is all that is tested here
            def __init__(self, logs: list[object]) -> None:
                assert len(logs) == store.count()

            def compute_optimal_parameters(self, verbose: bool = False) -> list[float]:
                return list(answer[0])

        monkeypatch.setitem(sys.modules, "fsrs.optimizer",
                            types.SimpleNamespace(Optimizer=FakeOptimizer))
        monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)  # not installed: the fallback
        notes: list[str] = []
        same = fit(store, default_parameters(), progress=notes.append)
        assert same.engine == FALLBACK and notes[0] == FALLBACK_NOTE
        assert same.scored >= MIN_SCORED_REVIEWS and same.after == same.before and not same.kept
        assert store.parameters() is None
        answer[0] = forgetful()
        better = fit(store, default_parameters())
        assert better.after is not None and better.after.log_loss < better.before.log_loss
        assert better.kept and store.parameters() == forgetful()


def test_optimize_says_how_much_more_history_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    shared_cache(tmp_path_factory, monkeypatch)
    decks = tmp_path / "decks"
    drill_deck(decks, n=2)
    monkeypatch.setenv("DLSTUDY_DECKS", str(decks))
    invoke(["quiz", "--topic", "drill"], "\n3\n\n3\n")
    result = invoke(["optimize"])
    assert result.exit_code == 0
    assert f"needs {MIN_SCORED_REVIEWS} ({MIN_SCORED_REVIEWS} more)" in " ".join(result.output.split())


def test_stats_command_json_and_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path_factory: pytest.TempPathFactory) -> None:
    shared_cache(tmp_path_factory, monkeypatch)
    decks = tmp_path / "decks"
    drill_deck(decks, n=3)
    monkeypatch.setenv("DLSTUDY_DECKS", str(decks))
    invoke(["quiz", "--topic", "drill"], "\n3\n\n1\n")
    result = invoke(["stats", "--json"])
    data = json.loads(result.output)
    assert data["reviews"] == 2 and data["retention"] == 0.5
    assert set(data) >= {"per_day", "states", "forecast", "topics", "weakest", "fit", "calibration",
                         "true_retention"}
    assert set(data["fit"]) == {"reviews", "log_loss", "rmse_bins"}
    assert [t["period"] for t in data["true_retention"]] == ["today", "yesterday", "week", "month",
                                                             "year", "all"]
    assert next(t for t in data["topics"] if t["topic"] == "drill")["reviews"] == 2
    shown = invoke(["stats", "--rebuild"])
    assert shown.exit_code == 0
    assert "rebuilt the card states from 2 reviews; integrity check: ok" in shown.output
    assert "Statistics" in shown.output and "drill" in shown.output
    chinese = invoke(["stats", "--rebuild", "--lang", "zh"]).output
    assert "完整性检查：通过" in chinese and "ok" not in chinese  # no English word left in it


def test_stats_says_one_review_not_one_reviews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    shared_cache(tmp_path_factory, monkeypatch)
    drill_deck(tmp_path / "decks", n=1)
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path / "decks"))
    invoke(["quiz", "--topic", "drill"], "\n3\n")
    shown = " ".join(invoke(["stats", "--rebuild"]).output.split())
    assert "from 1 review;" in shown and "1 review · retention" in shown
    exported = invoke(["export", "reviews", str(tmp_path / "log.csv")]).output
    assert ": 1 review (" in " ".join(exported.split())


@pytest.mark.slow
def test_real_py_fsrs_optimizer_fallback_fits_a_forgetful_user(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("pandas")
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)  # as if it were not installed
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        simulate(store, clock, cards=60, reviews=11, truth=Scheduler(SchedulerConfig(parameters=forgetful())))
        outcome = fit(store, default_parameters())
    assert outcome.after is not None and outcome.fitted is not None
    assert outcome.engine == FALLBACK and outcome.advice is None
    assert outcome.kept and outcome.after.log_loss < outcome.before.log_loss


def test_reference_engine_fits_a_forgetful_user_and_advises_a_retention(tmp_path: Path) -> None:
    pytest.importorskip("fsrs_rs_python")
    clock = Clock()
    with fast_store(tmp_path, clock) as store:
        simulate(store, clock, cards=60, reviews=11, truth=Scheduler(SchedulerConfig(parameters=forgetful())))
        logged = compute(store, [], store.scheduler(SchedulerConfig()), now=clock.dt()).fit
        outcome = fit(store, default_parameters())
        assert outcome.engine == ENGINE and outcome.fitted is not None and outcome.after is not None
    # stats scores the predictions logged with the defaults; the engine scores the defaults on
    # the same history: the same metrics, so nearly the same numbers
    assert logged.log_loss == pytest.approx(outcome.before.log_loss, abs=0.02)
    assert logged.rmse_bins == pytest.approx(outcome.before.rmse_bins, abs=0.02)
    with Store.open(tmp_path) as store:
        assert outcome.kept and store.parameters() == outcome.fitted
    assert outcome.after.log_loss < outcome.before.log_loss
    assert outcome.after.rmse_bins is not None and outcome.before.rmse_bins is not None
    assert outcome.after.rmse_bins < outcome.before.rmse_bins
    # a forgetful user: the fitted first-day stabilities sit well under the defaults
    assert outcome.fitted[2] < default_parameters()[2]
    assert outcome.advice is not None and 0.7 <= outcome.advice <= 0.99
    # the simulator's year: a higher desired retention costs more minutes and keeps more cards
    assert [w.retention for w in outcome.workload] == [0.80, 0.85, 0.90, 0.95]
    minutes = [w.minutes_per_day for w in outcome.workload]
    remembered = [w.remembered for w in outcome.workload]
    assert minutes[-1] > 1.3 * minutes[0] and remembered[-1] > remembered[0]  # (60 cards: noisy between)
    assert all(0 < r <= w.cards == 60 for r, w in zip(remembered, outcome.workload))
    json.dumps(outcome.to_dict())


def test_optimize_command_on_the_reference_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  isolated_home: Path) -> None:
    pytest.importorskip("fsrs_rs_python")
    clock = Clock()
    with fast_store(isolated_home, clock) as store:
        simulate(store, clock, cards=60, reviews=11, truth=Scheduler(SchedulerConfig(parameters=forgetful())))
    result = invoke(["optimize"])
    words = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "fsrs-rs-python" in words and "RMSE (bins)" in words and "Kept the fitted" in words
    assert "minimum recommended retention" in words and "review min/day" in words
    assert "90% ←" in words  # the desired retention in use, marked
    monkeypatch.setenv("DLSTUDY_LANG", "zh")
    zh = " ".join(invoke(["optimize"]).output.split())
    assert "RMSE（分箱）" in zh and "RMSE (bins)" not in zh and "最低记住率" in zh  # as `stats` names it
    shown = " ".join(invoke(["stats"]).output.split())
    assert "真实记住率" in shown and "RMSE（分箱）" in shown and "成熟（≥21 天）" in shown
    assert "每次复习时记录的预测" in shown.replace(" │ ", "")  # why they differ from optimize's
    monkeypatch.setenv("DLSTUDY_LANG", "en")
    words = [w for w in invoke(["stats"]).output.split() if w != "│"]  # the panel's borders
    assert "the predictions logged at each review; `optimize` re-scores them" in " ".join(words)
