"""Anki's everyday card actions: suspend, bury, flag, leeches; card info; the schema-5 migration."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from dlstudy.card import Card
from dlstudy.cardinfo import card_info, info_view
from dlstudy.library import load_library
from dlstudy.scheduler import SchedulerConfig, from_us, to_us
from dlstudy.session import Session, quiz_queue, review_queue
from dlstudy.store import MIGRATIONS, SCHEMA_VERSION, Marks, Store, _statements
from tests.studykit import TOPIC, Clock, drill_deck, invoke, log, shared_cache


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_cache(tmp_path_factory, monkeypatch)
    folder = tmp_path / "decks"
    drill_deck(folder, n=3)
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    return folder


def drill_cards(decks: Path) -> list[Card]:
    library = load_library([decks], derivations=False)
    return [c for c in library.cards.values() if c.topic == TOPIC]


# --- the migration ----------------------------------------------------------------------------


def test_a_version_4_database_migrates_to_5_keeping_every_review(tmp_path: Path) -> None:
    path = tmp_path / "reviews.sqlite3"
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:4]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 4")
        conn.execute("INSERT INTO cards (id) VALUES ('drill-01')")
        conn.execute("INSERT INTO schedulers (config, created, origin) VALUES (?, 0, 'default')",
                     (SchedulerConfig().key(),))
        conn.execute("INSERT INTO reviews (card, rating, at, duration_ms, version, predicted, mode, "
                     "seed, outcome) VALUES (1, 3, 1000000, 5000, 1, NULL, 'quiz', 7, '{}')")
        conn.execute("INSERT INTO cram (card, rating, at) VALUES (1, 1, 2000000)")
    assert SCHEMA_VERSION >= 5  # 6: the review metrics of `stats`
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        [review] = store.reviews()
        assert (review.card, review.rating, review.seed, review.outcome) == ("drill-01", 3, 7, "{}")
        assert [r.rating for r in store.crammed()] == [1]
        assert store.state("drill-01") is not None  # the cache was rebuilt from the kept log
        assert store.marks() == {}
        store.mark(["drill-01"], flag=4, suspended="user")
        assert store.card_marks("drill-01") == Marks(suspended="user", flag=4)
        assert store.integrity() == "ok"


def test_marks_are_checked_by_the_database_too(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        with pytest.raises(ValueError, match="flag must be 0-7"):
            store.mark(["a"], flag=8)
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("INSERT INTO card_marks (card, flag) VALUES (99, 9)")


# --- suspend, bury, flag: commands ------------------------------------------------------------


def test_suspended_cards_are_left_out_of_quiz_and_review_until_unsuspended(
        decks: Path, isolated_home: Path) -> None:
    result = invoke(["suspend", "drill-01", "drill-02"])
    assert result.exit_code == 0, result.output
    assert "suspended drill-01, drill-02" in result.output
    assert "skip them" in " ".join(result.output.split())
    one = " ".join(invoke(["suspend", "drill-01", "drill-01"]).output.split())
    assert "suspended drill-01: `review` and `quiz` skip it (" in one and "them" not in one
    result = invoke(["quiz", "--topic", TOPIC], "\n3\n")
    assert "1 card" in result.output and log(isolated_home) == [("drill-03", 3)]
    result = invoke(["quiz", "--topic", TOPIC, "--include-suspended"], "q\n")
    assert "3 cards" in result.output
    assert invoke(["bury", "drill-03"]).exit_code == 0
    for lang, words in (("en", "all 3 matching cards are suspended or buried"),
                        ("zh", "匹配的 3 张卡片都已暂停或搁置")):
        result = invoke(["quiz", "--topic", TOPIC, "--lang", lang], "q\n")  # not "Quiz · 0 cards"
        assert result.exit_code == 1 and words in " ".join(result.output.split()), result.output
        assert "--include-suspended" in result.output
    assert invoke(["unsuspend", "drill-03"]).exit_code == 0
    result = invoke(["review", "--topic", TOPIC], "q\n")
    assert "0 due · 0 new" in result.output or "Nothing is due" in result.output
    assert invoke(["unsuspend", "drill-01"]).exit_code == 0
    result = invoke(["review", "--topic", TOPIC], "\n3\n")
    assert ("drill-01", 3) in log(isolated_home)


def test_a_buried_card_comes_back_the_next_day(decks: Path, isolated_home: Path) -> None:
    assert invoke(["bury", "drill-02"]).exit_code == 0
    cards = drill_cards(decks)
    with Store.open(isolated_home) as store:
        marks = store.card_marks("drill-02")
        assert marks.buried_until is not None
        from dlstudy.scheduler import utcnow

        assert "drill-02" not in [c.id for c in quiz_queue(store, cards)]
        assert "drill-02" not in [c.id for c in review_queue(store, cards, 10).cards]
        tomorrow = utcnow() + timedelta(days=1, hours=1)
        assert not marks.hidden(to_us(tomorrow))
        assert "drill-02" in [c.id for c in review_queue(store, cards, 10, now=tomorrow).cards]


def test_flag_takes_a_number_0_to_7_and_shows_in_list_and_show(decks: Path) -> None:
    assert invoke(["flag", "3", "drill-01"]).exit_code == 0
    listed = json.loads(invoke(["list", "--topic", TOPIC, "--json"]).output)
    assert {r["id"]: r["marks"] for r in listed}["drill-01"] == ["flag 3 (green)"]
    assert "flag 3 (green)" in invoke(["show", "drill-01"]).output
    for bad in ("8", "crimson", "1.5"):
        result = invoke(["flag", bad, "drill-01"])
        assert result.exit_code == 2 and "0 to 7" in result.output
    assert "flagged drill-01 1 (red)" in invoke(["flag", "red", "drill-01"]).output
    assert "0 到 7" in invoke(["flag", "9", "drill-01", "--lang", "zh"]).output
    assert "已给 drill-01 加标记 2（橙）" in invoke(["flag", "2", "drill-01", "--lang", "zh"]).output
    zh_key = invoke(["quiz", "--topic", TOPIC, "-n", "1", "--lang", "zh"], "f4\nq\n").output
    assert "加标记 4（蓝）" in zh_key, zh_key  # full-width brackets, as the rest of the zh text
    assert "标记 4（蓝）" in invoke(["show", "drill-01", "--lang", "zh"]).output
    assert invoke(["flag", "0", "drill-01"]).exit_code == 0
    listed = json.loads(invoke(["list", "--topic", TOPIC, "--json"]).output)
    assert {r["id"]: r["marks"] for r in listed}["drill-01"] == []


def test_an_unknown_card_is_an_error_with_a_suggestion(decks: Path, isolated_home: Path) -> None:
    for command in (["suspend"], ["unsuspend"], ["bury"], ["flag", "1"]):
        result = invoke([*command, "drill-1"])
        assert result.exit_code == 2, command
        assert "no card or derivation named 'drill-1'" in result.output
        assert "Did you mean" in result.output and "drill-01" in result.output
    result = invoke(["suspend", "drill-1", "--lang", "zh"])
    assert result.exit_code == 2 and "您是指" in result.output
    # a word, not an id: no unrelated ids ("nosuchcard" got norm-bn-backward…), but `search`
    far = " ".join(invoke(["show", "nosuchcard"]).output.split())
    assert "Did you mean" not in far and "`dlstudy search nosuchcard` looks for it" in far, far
    near = " ".join(invoke(["show", "rnn-vanishing"]).output.split())
    assert "Did you mean: rnn-vanishing-exploding" in near and "`dlstudy search rnn vanishing`" in near
    assert not (isolated_home / "reviews.sqlite3").exists() or log(isolated_home) == []


# --- suspend, bury, flag: keys in a session ---------------------------------------------------


def test_session_keys_suspend_bury_and_flag(decks: Path, isolated_home: Path) -> None:
    # drill-01: flag 5 then suspend; drill-02: bury; drill-03: graded
    result = invoke(["quiz", "--topic", TOPIC], "f5\n@\n-\n\n3\n")
    assert result.exit_code == 0, result.output
    assert "flagged drill-01 5 (pink)" in result.output
    assert "suspended drill-01" in result.output and "buried drill-02 until tomorrow" in result.output
    assert log(isolated_home) == [("drill-03", 3)]
    # the summary says what became of the two cards, not that they were skipped
    assert "Suspended 1" in result.output and "Buried 1 until tomorrow" in result.output
    assert "Skipped" not in result.output
    with Store.open(isolated_home) as store:
        assert store.card_marks("drill-01") == Marks(suspended="user", flag=5)
        assert store.card_marks("drill-02").buried_until is not None
    result = invoke(["quiz", "--topic", TOPIC], "q\n")
    assert "1 card" in result.output


def test_a_flag_key_without_a_valid_number_says_how(decks: Path) -> None:
    result = invoke(["quiz", "--topic", TOPIC, "-n", "1"], "f9\nq\n")
    assert "a flag is a number 0–7" in result.output


def test_help_lists_the_session_keys(decks: Path) -> None:
    text = invoke(["quiz", "--help"]).output
    assert "@ suspend" in text and "- bury" in text and "flag" in text


# --- leeches ----------------------------------------------------------------------------------


def learned(session: Session, clock: Clock) -> None:
    """Take the current card through its learning steps into the review state."""
    session.grade(3)
    clock.advance(minutes=11)
    session.queue.appendleft(session.history[-1].card)
    session.grade(3)
    assert session.store.state(session.history[-1].card.id).state == 2  # type: ignore[union-attr]


def lapse_and_relearn(session: Session, clock: Clock, card: Card) -> object:
    clock.advance(days=30)
    session.queue.appendleft(card)
    graded = session.grade(1)
    clock.advance(minutes=11)
    session.queue.appendleft(card)
    session.grade(3)
    return graded


@pytest.mark.parametrize("action", ["tag", "suspend"])
def test_a_card_becomes_a_leech_after_the_set_number_of_lapses(
        decks: Path, tmp_path: Path, action: str) -> None:
    cards = drill_cards(decks)
    card = next(c for c in cards if c.id == "drill-01")
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        scheduler = store.scheduler(SchedulerConfig(enable_fuzzing=False))
        session = Session(store, scheduler, [card], "quiz", clock=clock.dt, leech_lapses=2,
                          leech_action=action)
        learned(session, clock)
        first = lapse_and_relearn(session, clock, card)
        assert (first.lapses, first.leech) == (1, None)  # type: ignore[attr-defined]
        assert store.card_marks(card.id).leech is None
        second = lapse_and_relearn(session, clock, card)
        assert (second.lapses, second.leech) == (2, "new")  # type: ignore[attr-defined]
        marks = store.card_marks(card.id)
        assert marks.leech is not None
        assert marks.suspended == ("leech" if action == "suspend" else None)
        assert (card.id in store.hidden(clock.us())) == (action == "suspend")
        third = lapse_and_relearn(session, clock, card)
        assert (third.lapses, third.leech) == (3, "known")  # type: ignore[attr-defined]
        assert store.lapses(card.id) == 3


def test_undoing_the_lapse_that_made_a_leech_takes_the_mark_back(decks: Path, tmp_path: Path) -> None:
    card = next(c for c in drill_cards(decks) if c.id == "drill-01")
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        session = Session(store, store.scheduler(SchedulerConfig(enable_fuzzing=False)), [card],
                          "quiz", clock=clock.dt, leech_lapses=1, leech_action="suspend")
        learned(session, clock)
        clock.advance(days=30)
        session.queue.appendleft(card)
        assert session.grade(1).leech == "new"
        assert store.card_marks(card.id).suspended == "leech"
        session.undo()
        assert store.card_marks(card.id) == Marks()
        assert store.lapses(card.id) == 0


def test_a_leech_forgotten_again_shows_its_answer_at_once(decks: Path, tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from dlstudy.terminal import Keys, Study

    card = next(c for c in drill_cards(decks) if c.id == "drill-01")
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        session = Session(store, store.scheduler(SchedulerConfig(enable_fuzzing=False)), [card],
                          "quiz", clock=clock.dt, leech_lapses=1)
        learned(session, clock)
        lapse_and_relearn(session, clock, card)  # the lapse that makes it a leech
        clock.advance(days=30)
        session.queue.appendleft(card)
        out = io.StringIO()
        study = Study(session, {}, "en", Console(file=out, width=100), Keys(io.StringIO("\n1\n")))
        study.run()
        text = out.getvalue()
        assert "drill-01 is a leech (2 lapses) and was forgotten again" in text
        after = text.split("is a leech")[1]
        assert "It is 2." in after  # the answer, shown again at once
        assert "unproved" in after  # …and its proof: this card of one's own has none
        assert "this card links no derivation" not in after  # said once, not twice


# --- card info --------------------------------------------------------------------------------


def test_show_gives_memory_state_and_history_with_seeds_and_cram(decks: Path, isolated_home: Path) -> None:
    assert invoke(["quiz", "--topic", TOPIC, "-n", "1"], "\n3\n").exit_code == 0
    assert invoke(["quiz", "--topic", TOPIC, "--no-schedule"], "\n1\n" * 3).exit_code == 0
    result = invoke(["show", "drill-01"])
    assert result.exit_code == 0, result.output
    for word in ("Memory", "stability", "difficulty", "recall now", "due", "lapses", "History",
                 "Good", "Again", "cram", "quiz"):
        assert word in result.output, word
    zh = invoke(["show", "drill-01", "--lang", "zh"]).output
    assert "记忆状态" in zh and "复习记录" in zh and "良好" in zh
    assert "测验（不排程）" in zh and " 秒 " in zh  # the mode and the time in Chinese too
    assert "cram" not in zh and "quiz" not in zh.split("复习记录")[1]
    assert "not studied yet" in invoke(["show", "drill-03"]).output


def test_card_info_reports_recall_now_and_on_the_plan_date(decks: Path, tmp_path: Path) -> None:
    from datetime import date

    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        scheduler = store.scheduler(SchedulerConfig())
        store.grade("drill-01", 3, scheduler, 4000, "quiz", seed=42)
        clock.advance(days=2)
        info = card_info(store, "drill-01", scheduler, now=clock.dt(), plan_date=date(2026, 4, 1))
        assert info.state is not None and info.lapses == 0
        assert info.recall_now is not None and info.recall_on_plan_date is not None
        assert 0 < info.recall_on_plan_date < info.recall_now < 1
        assert [r.seed for r in info.history] == [42]
        out = io_text(info_view(info, "en", now=clock.dt()))
        assert "recall on 2026-04-01 (plan)" in out and "42" in out and "4.0 s" in out


def io_text(renderable: object, width: int = 120) -> str:
    import io

    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=width).print(renderable)
    return out.getvalue()


def test_card_history_on_a_narrow_terminal_is_one_line_an_answer_not_a_cut_table(
        tmp_path: Path) -> None:
    """At 50 columns the history table cut the date, the grade and the mode (`qu`) and lost the
    answer column; there each answer takes a line, with what was typed under it."""
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        scheduler = store.scheduler(SchedulerConfig())
        store.grade("drill-01", 1, scheduler, 4000, "quiz", seed=1097127993, auto_rating=1,
                    answer="152064")
        info = card_info(store, "drill-01", scheduler, now=clock.dt())
    for lang, grade in (("en", "Again 4.0 s quiz"), ("zh", "忘记 4.0 秒 测验")):
        wide = io_text(info_view(info, lang, now=clock.dt()))
        assert "┏" in wide and "1097127993" in wide and "152064" in wide
        narrow = io_text(info_view(info, lang, now=clock.dt()), width=50)
        assert "┏" not in narrow
        when = from_us(info.history[0].at).astimezone().strftime("%Y-%m-%d %H:%M")
        flat = " ".join(narrow.split())
        assert f"{when} {grade}" in flat and "1097127993" in flat
        assert "\n  152064" in narrow


@pytest.mark.parametrize("line, message", [
    ("leech_lapses = 0", "leech_lapses must be a whole number from 1 to 1000"),
    ('leech_lapses = "8"', "leech_lapses must be a whole number"),
    ('leech_action = "delete"', 'leech_action must be "tag" or "suspend"'),
])
def test_bad_leech_settings_are_clear_errors(decks: Path, isolated_home: Path, line: str,
                                             message: str) -> None:
    (isolated_home / "settings.toml").write_text(f"new_per_day = 5\n{line}\n", encoding="utf-8")
    result = invoke(["quiz", "--topic", TOPIC], "q\n")
    assert result.exit_code == 2 and message in result.output
    assert "settings.toml:2" in result.output


def test_show_and_list_with_a_history_stay_light(decks: Path, isolated_home: Path) -> None:
    """Card info reads FSRS's state (fsrs, no numpy): `show` and `list` stay light with a log."""
    import subprocess
    import sys

    from tests.test_light_imports import PROBE

    assert invoke(["quiz", "--topic", TOPIC, "-n", "1"], "\n3\n").exit_code == 0
    assert invoke(["flag", "2", "drill-01"]).exit_code == 0
    for args in (["show", "drill-01"], ["list", "--format", "table"], ["search", "drill"]):
        out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)],
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "", f"`dlstudy {' '.join(args)}` imported {out.stdout.strip()}"


def test_a_plan_leaves_suspended_cards_out(decks: Path) -> None:
    from datetime import date

    until = (date.today() + timedelta(days=20)).isoformat()
    assert invoke(["suspend", "drill-01"]).exit_code == 0
    result = invoke(["plan", "--until", until, "--topic", TOPIC])
    assert result.exit_code == 0, result.output
    assert "2 cards" in result.output
    assert invoke(["suspend", "drill-02", "drill-03"]).exit_code == 0
    assert invoke(["plan", "--until", until, "--topic", TOPIC]).exit_code == 2


def test_exercise_cards_take_the_card_actions_as_words(isolated_home: Path,
                                                       tmp_path_factory: pytest.TempPathFactory,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    shared_cache(tmp_path_factory, monkeypatch)
    result = invoke(["quiz", "--topic", "rnn", "--kind", "exercise", "-n", "2", "--seed", "1"],
                    "flag 2\nsuspend\nbury\n")
    assert result.exit_code == 0, result.output
    with Store.open(isolated_home) as store:
        marks = store.marks()
        assert log(isolated_home) == []
    flagged = [cid for cid, m in marks.items() if m.flag == 2]
    assert len(flagged) == 1 and marks[flagged[0]].suspended == "user"
    assert sum(1 for m in marks.values() if m.buried_until is not None) == 1
    assert "flagged" in result.output and "suspended" in result.output and "buried" in result.output


def test_a_leech_is_suspended_again_every_half_threshold(decks: Path, tmp_path: Path) -> None:
    card = next(c for c in drill_cards(decks) if c.id == "drill-01")
    clock = Clock()
    with Store.open(tmp_path, clock=clock.us) as store:
        session = Session(store, store.scheduler(SchedulerConfig(enable_fuzzing=False)), [card],
                          "quiz", clock=clock.dt, leech_lapses=4, leech_action="suspend")
        learned(session, clock)
        seen = []
        for _ in range(6):
            graded = lapse_and_relearn(session, clock, card)
            seen.append((graded.lapses, graded.leech, graded.suspended))  # type: ignore[attr-defined]
            store.mark([card.id], suspended=None)  # the user brings it back each time
        assert seen == [(1, None, False), (2, None, False), (3, None, False), (4, "new", True),
                        (5, "known", False), (6, "known", True)]
