"""Interview-date planning: the plan against a simulated user, the plan's rule in `review`,
the command's output and errors, and early reviews scheduled the way FSRS intends."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from studykit import Clock, drill_deck, invoke, log, shared_cache

from dlstudy.plan import (
    ActivePlan,
    Curve,
    PlanCard,
    PlanError,
    _Inputs,
    costs_from_log,
    interleaved,
    make_plan,
    simulate,
    todays_plan,
)
from dlstudy.scheduler import UTC, Scheduler, SchedulerConfig, to_us
from dlstudy.store import Store

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def deck(topics: int = 4, per: int = 30) -> list[PlanCard]:
    return [PlanCard(f"t{t}-{i:02d}", f"topic{t}", 1 + i % 3, "recall")
            for t in range(topics) for i in range(per)]


# --- the plan against a simulated user --------------------------------------------------------
# The simulated user is FSRS's own model: each review is recalled with the probability FSRS
# predicts (a seeded draw), graded Good, else Again. "Predicted recall on the date" is the
# model's recall at noon on the date, a never-learned card counting 0.


def test_the_plan_beats_plain_review_on_the_date_with_no_more_work() -> None:
    cards, days, config = deck(), 30, SchedulerConfig()
    until = NOW.astimezone().date() + timedelta(days=days)
    per_day = math.ceil(len(cards) / (days - 7))  # plain review that learns every card in time
    seeds = range(1, 5)
    plain = [simulate(cards, config, NOW, until, None, 0.9, seed=s, policy="review",
                      new_per_day=per_day) for s in seeds]
    work = sum(o.minutes for o in plain)
    # The plan's target is chosen on another draw (seed 0) than the ones it is judged on, and
    # its daily budget is the largest whose total work is no more than plain review's.
    minutes = math.ceil(work / len(seeds) / days) + 1
    while True:
        target = make_plan(cards, config, NOW, until, minutes, seed=0).target
        planned = [simulate(cards, config, NOW, until, minutes, target, seed=s) for s in seeds]
        if sum(o.minutes for o in planned) <= work:
            break
        minutes -= 1
    plain_recall = sum(o.mean() for o in plain) / len(seeds)
    plan_recall = sum(o.mean() for o in planned) / len(seeds)
    assert all(o.introduced == len(cards) for o in planned + plain)
    assert plan_recall > plain_recall + 0.005, (plan_recall, plain_recall)


def test_under_a_tight_budget_the_plan_still_beats_plain_review() -> None:
    cards, config = deck(), SchedulerConfig()
    until = NOW.astimezone().date() + timedelta(days=20)
    target = make_plan(cards, config, NOW, until, 8).target
    for seed in (1, 2):
        plan = simulate(cards, config, NOW, until, 8, target, seed=seed)
        plain = simulate(cards, config, NOW, until, 8, 0.9, seed=seed, policy="review")
        # a card started is finished: a lapse's relearning step may run a minute over
        assert max(d.minutes for d in plan.days + plain.days) <= 8 + 1
        assert plan.mean() > plain.mean()


def test_a_budget_too_small_is_reported_with_the_budget_that_would_do() -> None:
    cards = deck()
    until = NOW.astimezone().date() + timedelta(days=10)
    short = make_plan(cards, SchedulerConfig(), NOW, until, 5)
    assert not short.covered and short.forecast.left > 0 and short.needed_minutes > 5
    enough = make_plan(cards, SchedulerConfig(), NOW, until, short.needed_minutes)
    assert enough.covered and enough.forecast.left == 0
    assert all(d.minutes <= short.needed_minutes + 1e-9 for d in enough.forecast.days)


def test_a_plan_refuses_a_past_date_and_a_budget_of_zero() -> None:
    today = NOW.astimezone().date()
    with pytest.raises(PlanError, match="not after today"):
        make_plan(deck(1, 3), SchedulerConfig(), NOW, today, 30)
    with pytest.raises(PlanError, match="at least 1 minute"):
        make_plan(deck(1, 3), SchedulerConfig(), NOW, today + timedelta(days=3), 0)


def test_the_curve_inverse_agrees_with_fsrs() -> None:
    curve = Curve(Scheduler(SchedulerConfig()))
    for stability in (0.5, 2.3, 30.0):
        for target in (0.85, 0.95):
            days = curve.days_above(stability, target)
            at = NOW + timedelta(days=math.floor(days))
            after = NOW + timedelta(days=math.floor(days) + 1)
            inputs = _Inputs(NOW, stability)
            assert curve.recall(inputs, at) >= target - 1e-9
            assert curve.recall(inputs, after) < target


def test_new_cards_are_interleaved_across_topics_level_one_first() -> None:
    cards = [PlanCard("a1", "a", 1, "recall"), PlanCard("a2", "a", 1, "recall"),
             PlanCard("a3", "a", 2, "recall"), PlanCard("b1", "b", 1, "recall"),
             PlanCard("b2", "b", 2, "recall"), PlanCard("c1", "c", 1, "recall")]
    assert [c.id for c in interleaved(cards)] == ["a1", "b1", "c1", "a2", "a3", "b2"]
    # a weak topic's turn comes first
    assert [c.id for c in interleaved(cards, ["c", "b", "a"])][:3] == ["c1", "b1", "a1"]


def test_costs_come_from_the_users_answer_times_when_there_are_enough() -> None:
    rows = [("recall", False, 12_000, 3)] * 11 + [("exercise", False, 50_000, 3)] * 3 \
        + [("recall", True, 40_000, 1)] * 10 + [("recall", True, 3_600_000, 3)] * 10
    costs = costs_from_log(rows)
    assert costs.review["recall"] == 12.0 and costs.measured == ("recall",)
    assert costs.review["exercise"] == 90.0  # too few answers: the default
    assert costs.first["recall"] == (40.0 + 300.0) / 2  # an hour counts as 5 minutes
    assert costs.first_again == 0.5


# --- the plan's rule in `review` ----------------------------------------------------------------


def _learned(clock: Clock, store: Store, card: str) -> None:
    scheduler = store.scheduler(SchedulerConfig())
    for _ in range(2):  # Good, Good: learned, graduated with a stability of about 2.3 days
        store.grade(card, 3, scheduler)
        clock.advance(minutes=10)


def test_review_brings_forward_a_card_below_the_target_on_the_date(tmp_path: Path) -> None:
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        _learned(clock, store, "weak")
        _learned(clock, store, "other")
        clock.advance(hours=12)
        states = store.states()
        scheduler = store.scheduler(SchedulerConfig())
    now = clock.dt()
    cards = [PlanCard("weak", "a", 1, "recall", states["weak"]),
             PlanCard("other", "b", 2, "recall", states["other"]),
             PlanCard("fresh", "b", 1, "recall")]
    assert states["weak"].due > to_us(now)  # FSRS would not ask it today
    tomorrow = ActivePlan(now.astimezone().date() + timedelta(days=1), 0.97, 30)
    today = todays_plan(cards, tomorrow, scheduler, now, 0, 0.0)
    assert today.due == [] and today.new == ["fresh"]
    assert today.brought_forward == ["weak", "other"]  # level 1 first
    far = ActivePlan(now.astimezone().date() + timedelta(days=40), 0.97, 30)
    assert todays_plan(cards, far, scheduler, now, 0, 0.0).brought_forward == []  # not yet
    spent = todays_plan(cards, tomorrow, scheduler, now, 0, 30 * 60.0)
    assert spent.brought_forward == [] and spent.new == []  # today's budget is used up


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_cache(tmp_path_factory, monkeypatch)
    drill_deck(tmp_path, 6)
    drill_deck(tmp_path, 6, topic="other")
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    return tmp_path


def _until(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_plan_prints_a_forecast_and_review_follows_it_piped(decks: Path, isolated_home: Path) -> None:
    result = invoke(["plan", "--until", _until(14), "--minutes-per-day", "10", "--tag", "odd"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Plan until" in out and "14 days" in out and "6 cards" in out
    assert "predicted recall on" in out and "drill" in out and "other" in out
    assert "Saved: `dlstudy review` follows this plan" in out
    assert out.count(date.today().isoformat()) >= 1
    review = invoke(["review", "--topic", "drill"], "\n3\nq\n")
    assert review.exit_code == 0, review.output
    assert "Plan: interview on" in review.output
    assert log(isolated_home) == [("drill-01", 3)]
    cleared = invoke(["plan", "--clear"])
    assert cleared.exit_code == 0 and "cleared" in cleared.output
    assert "Plan:" not in invoke(["review"], "q\n").output


def test_plan_json_and_chinese(decks: Path) -> None:
    result = invoke(["plan", "--until", _until(5), "--json", "--tag", "odd"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cards"] == 6 and len(data["days"]) == 5 and 0 < data["predicted_recall"] <= 1
    assert set(data["topics"]) == {"drill", "other"}
    zh = invoke(["plan", "--until", _until(5), "--minutes-per-day", "1", "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    assert "计划至" in zh.output and "警告：每天 1 分钟不足以" in zh.output
    assert "回忆 30 秒（默认值）" in zh.output, zh.output  # "30 秒", as every other duration


@pytest.mark.parametrize("args, en, zh", [
    (["--until", "2020-01-01"], "is not after today", "不晚于今天"),
    (["--until", "soon"], "--until must be a date written YYYY-MM-DD", "格式的日期"),
    (["--until", "+3", "--minutes-per-day", "0"], "--minutes-per-day must be at least 1", "至少为 1"),
    (["--until", "+3", "--topic", "nope"], "no topic 'nope'", "没有主题 'nope'"),
    (["--until", "+3", "--level", "7"], "--level must be 1, 2 or 3", "--level 必须是"),
    ([], "say when the interview is", "请说明面试日期"),
])
def test_bad_plan_input_is_a_clear_error(decks: Path, args: list[str], en: str, zh: str) -> None:
    args = [_until(int(a[1:])) if a.startswith("+") else a for a in args]
    for lang, text in (("en", en), ("zh", zh)):
        result = invoke(["plan", *args, "--lang", lang])
        assert result.exit_code == 2, result.output
        assert text in " ".join(result.output.split()), result.output


def test_interview_date_setting_is_the_default_date_and_activates_review(
        decks: Path, isolated_home: Path) -> None:
    (isolated_home / "settings.toml").write_text(
        f"interview_date = {_until(9)}\nminutes_per_day = 15\n", encoding="utf-8")
    out = invoke(["plan", "--json"]).output
    assert json.loads(out)["until"] == _until(9) and json.loads(out)["minutes_per_day"] == 15
    invoke(["plan", "--clear"])
    assert f"Plan: interview on {_until(9)}" in invoke(["review"], "q\n").output
    (isolated_home / "settings.toml").write_text("interview_date = \"next week\"\n", encoding="utf-8")
    bad = invoke(["review"], "q\n")
    assert bad.exit_code == 2 and "interview_date must be a date written YYYY-MM-DD" in bad.output


def test_a_quiz_does_not_use_up_the_days_new_cards(decks: Path, isolated_home: Path) -> None:
    assert invoke(["quiz", "--topic", "drill", "-n", "2"], "\n3\n\n3\n").exit_code == 0
    out = invoke(["review", "--new", "3"], "q\n").output
    assert "3 new" in out


def test_review_introduces_new_cards_across_topics(decks: Path, isolated_home: Path) -> None:
    invoke(["review", "--new", "4", "--tag", "odd"], "\n3\n\n3\n\n3\n\n3\n")
    assert [c for c, _ in log(isolated_home)] == ["drill-01", "other-01", "drill-03", "other-03"]


PROBE = """
import sys
from typer.testing import CliRunner
from dlstudy.cli import app
result = CliRunner().invoke(app, ["review"], input="q\\n")
assert result.exit_code == 0 and "Plan: interview on" in result.output, result.output
print(" ".join(m for m in ("torch", "sympy", "numpy") if m in sys.modules))
"""


def test_review_under_a_plan_does_not_import_heavy_libraries(
        decks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_INTERVIEW_DATE", _until(20))
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"review under a plan imported {out.stdout.strip()}"


# --- early reviews ----------------------------------------------------------------------------


def test_an_early_review_is_scheduled_with_the_recall_at_that_moment(tmp_path: Path) -> None:
    """FSRS takes the recall predicted when the review happens (py-fsrs's review_card): a card
    reviewed before it is due gains less stability than one reviewed on its due date."""
    from fsrs import Rating
    from fsrs import Scheduler as FsrsScheduler

    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        _learned(clock, store, "early")
        _learned(clock, store, "on-time")
        scheduler = store.scheduler(SchedulerConfig())
        before = store.states()
        start = clock.dt()
        clock.now = start + timedelta(days=1)
        _, early = store.grade("early", 3, scheduler, mode="quiz")
        clock.now = start + timedelta(days=8)
        _, on_time = store.grade("on-time", 3, scheduler)
    fsrs = FsrsScheduler(enable_fuzzing=False)
    expected, _ = fsrs.review_card(before["early"].to_fsrs(1), Rating.Good, start + timedelta(days=1))
    assert early.stability == pytest.approx(expected.stability)
    assert early.stability < on_time.stability


# --- quiz --no-schedule -------------------------------------------------------------------------


def test_quiz_no_schedule_keeps_the_answers_and_leaves_fsrs_state_alone(
        decks: Path, isolated_home: Path) -> None:
    assert invoke(["quiz", "--topic", "drill", "-n", "1"], "\n3\n").exit_code == 0
    with Store.open(isolated_home) as store:
        before, logged = store.states(), list(store.reviews())
    out = invoke(["quiz", "--topic", "drill", "-n", "3", "--no-schedule"], "\n1\n\n3\n\n4\nu\n\n2\n")
    assert out.exit_code == 0, out.output
    assert "schedules left as they are" in out.output
    assert "schedule unchanged (--no-schedule)" in out.output and "undid" in out.output
    with Store.open(isolated_home) as store:
        assert store.states() == before and list(store.reviews()) == logged
        crammed = list(store.crammed())
        assert [(r.card, r.rating, r.mode) for r in crammed] == [
            ("drill-02", 1, "cram"), ("drill-03", 3, "cram"), ("drill-04", 2, "cram")]
        assert store.cache_ok()
        store.rebuild()
        assert store.states() == before  # replaying the log never sees a crammed answer
    zh = invoke(["quiz", "--topic", "drill", "-n", "1", "--no-schedule", "--lang", "zh"], "\n3\n")
    assert "复习安排不变" in zh.output


def test_the_settings_file_round_trips_the_interview_date() -> None:
    from dlstudy.settings import Settings, _read_toml

    settings = Settings(interview_date="2026-12-20", minutes_per_day=45)
    again = Settings.from_dict(_read_toml(settings.to_toml(), Path("settings.toml")))
    assert again.interview_date == "2026-12-20" and again.minutes_per_day == 45
    assert Settings.from_dict({"interview_date": "2026-12-20"}).interview_date == "2026-12-20"


def test_review_says_when_todays_share_of_the_plan_is_done(decks: Path, isolated_home: Path) -> None:
    invoke(["plan", "--until", _until(30), "--tag", "odd", "--minutes-per-day", "5"])
    first = invoke(["review", "--tag", "odd"], "\n3\n" * 6)
    assert first.exit_code == 0, first.output
    again = invoke(["review", "--tag", "odd"], "q\n")
    assert "Today's share of the plan is done" in again.output, again.output


def test_plan_alone_shows_the_saved_plan_again(decks: Path, isolated_home: Path) -> None:
    """`review` says "`dlstudy plan` shows the days ahead", but `dlstudy plan` with no --until
    (and no interview_date in the settings) was an error, "say when the interview is". It now
    plans again, from today, for the saved plan's date, budget and scope."""
    invoke(["plan", "--until", _until(30), "--tag", "odd", "--minutes-per-day", "5"])
    invoke(["review", "--tag", "odd"], "\n3\n" * 6)
    said = invoke(["review", "--tag", "odd"], "q\n").output
    assert "`dlstudy plan` shows the days ahead" in " ".join(said.split())
    again = invoke(["plan", "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert (data["until"], data["minutes_per_day"], data["cards"]) == (_until(30), 5, 6)
    other = json.loads(invoke(["plan", "--json", "--minutes-per-day", "7"]).output)
    assert (other["until"], other["minutes_per_day"]) == (_until(30), 7)
    invoke(["plan", "--clear"])
    assert "say when the interview is" in " ".join(invoke(["plan"]).output.split())


def test_review_of_one_topic_under_a_plan_gets_the_days_share_of_the_whole_plan(
        decks: Path, isolated_home: Path) -> None:
    """Today's share of new cards is the plan's, whatever `review --topic` narrows it to. It was
    worked out from the topic's own unseen cards minus every card introduced today (in the QA
    deck: `review --topic rnn` offered no new card after five of other topics, on a day the plan
    had 25 for)."""
    plan = invoke(["plan", "--until", _until(4), "--minutes-per-day", "60", "--tag", "odd"])
    assert "6 cards" in plan.output, plan.output  # 3 drill, 3 other: 2 new a day
    first = invoke(["review", "--topic", "drill"], "q\n").output
    assert "Review · 0 due · 2 new" in first, first
    invoke(["review", "--topic", "drill"], "\n3\nq\n")  # one of today's two
    other = invoke(["review", "--topic", "other"], "q\n").output
    assert "Review · 0 due · 1 new" in other, other
    invoke(["review", "--topic", "other"], "\n3\nq\n")
    done = invoke(["review", "--topic", "drill"], "q\n").output
    assert "Today's share of the plan is done" in " ".join(done.split()), done


def test_a_plan_for_tomorrow_says_1_day(decks: Path) -> None:
    result = invoke(["plan", "--until", _until(1), "--topic", "drill"])
    assert result.exit_code == 0, result.output
    assert "(1 day) · 30 min a day · 6 cards" in result.output, result.output  # not "1 days"


def test_a_coding_card_is_costed_as_writing_code_not_as_a_recall_card() -> None:
    # code cards were costed at recall's 30 s a showing (60 s the first): a plan with the 16
    # coding cards promised minutes it could not keep
    from dlstudy.plan import Costs

    assert Costs().of("code") == 300.0 and Costs().of("code", first=True) == 600.0
    rows = [("code", False, 1_200_000, 3)] * 10  # 20 minutes an answer is not "walked away"
    assert costs_from_log(rows).review["code"] == 1200.0
