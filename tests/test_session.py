"""Study sessions driven by piped input, one command per line, and the session core directly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dlstudy.card import Card
from dlstudy.library import load_library
from dlstudy.scheduler import SchedulerConfig
from dlstudy.session import Session, quiz_queue, review_queue
from dlstudy.store import Store
from tests.studykit import (
    PYTHON,
    TOPIC,
    Clock,
    drill_deck,
    invoke,
    log,
    shared_cache,
    subprocess_env,
)


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_cache(tmp_path_factory, monkeypatch)
    folder = tmp_path / "decks"
    drill_deck(folder, n=3)
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    return folder


def quiz(script: str, *extra: str) -> str:
    result = invoke(["quiz", "--topic", TOPIC, *extra], script)
    assert result.exit_code == 0, result.output
    return result.output


def test_scripted_quiz_records_every_answer(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n3\n\n4\n\n2\n")
    assert log(isolated_home) == [("drill-01", 3), ("drill-02", 4), ("drill-03", 2)]
    assert out.count("graded drill-") == 3
    assert "What is 1 + 1?" in out and "It is 2." in out  # question, then the answer
    assert "Session over: 3 cards, 3 grades" in out
    assert "Next due: in" in out


def test_each_grade_records_the_time_spent_on_the_card(decks: Path, isolated_home: Path) -> None:
    quiz("\n3\n")
    with Store.open(isolated_home) as store:
        (review,) = store.reviews()
    assert review.duration_ms is not None and review.duration_ms >= 0
    assert review.mode == "quiz"


def test_undo_takes_back_the_last_grade_and_asks_the_card_again(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n1\nu\n\n4\n\n3\nu\nu\n\n2\n")
    # drill-01: Again (queued again at the end), undone, then Easy; drill-02: Good, undone twice
    # (drill-02, then drill-01's Easy), then drill-01 again: Hard.
    assert "undid Again for drill-01" in out and "undid Good for drill-02" in out
    assert "undid Easy for drill-01" in out
    assert log(isolated_home) == [("drill-01", 2)]
    with Store.open(isolated_home) as store:
        assert store.state("drill-02") is None  # as if never graded
        assert store.cache_ok()


def test_undo_after_the_last_card(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n3\n\n3\n\n3\nu\n\n4\n")
    assert "No more cards" in out and "undid Good for drill-03" in out
    assert log(isolated_home)[-1] == ("drill-03", 4)


def test_skip_records_nothing(decks: Path, isolated_home: Path) -> None:
    out = quiz("s\n\n3\ns\n")
    assert "skipped drill-01" in out and "skipped drill-03" in out
    assert log(isolated_home) == [("drill-02", 3)]
    assert "Skipped 2." in out


def test_quit_midway_keeps_what_was_answered(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n3\n\nq\n\n4\n")
    assert log(isolated_home) == [("drill-01", 3)]
    assert "Session over: 1 card, 1 grade" in out and "2 cards left" in out


def test_end_of_input_ends_the_session_cleanly(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n3\n\n")
    assert log(isolated_home) == [("drill-01", 3)]
    assert "Session over" in out


def test_a_grade_before_the_answer_is_shown_is_refused(decks: Path, isolated_home: Path) -> None:
    out = quiz("3\nx\n\n3\n")
    assert "see the answer first" in out and "unknown key 'x'" in out
    assert log(isolated_home) == [("drill-01", 3)]


def test_a_card_graded_again_comes_back_at_the_end_of_a_quiz(decks: Path, isolated_home: Path) -> None:
    quiz("\n1\n\n3\n\n3\n\n3\n")
    assert log(isolated_home) == [("drill-01", 1), ("drill-02", 3), ("drill-03", 3), ("drill-01", 3)]


def test_quiz_filters_by_tag_and_count(decks: Path, isolated_home: Path) -> None:
    out = quiz("\n3\n\n3\n", "--tag", "odd", "-n", "1")
    assert log(isolated_home) == [("drill-01", 3)]
    assert "Quiz · 1 card ·" in out


def test_unknown_topic_is_an_error(decks: Path) -> None:
    result = invoke(["quiz", "--topic", "nope"])
    assert result.exit_code == 2 and "no topic 'nope'" in result.output


def test_review_asks_new_cards_up_to_the_daily_limit(decks: Path, isolated_home: Path) -> None:
    result = invoke(["review", "--topic", TOPIC, "--new", "2"], "\n4\n\n4\n")
    assert "Review · 0 due · 2 new" in result.output
    assert log(isolated_home) == [("drill-01", 4), ("drill-02", 4)]
    again = invoke(["review", "--topic", TOPIC, "--new", "2"])
    assert "Nothing is due now." in again.output and "Next card due in" in again.output
    assert "new-card limit for today (2) is reached" in again.output
    none = " ".join(invoke(["review", "--new", "0"], "q\n").output.split())
    assert "No new cards (--new 0)" in none and "limit" not in none, none
    more = invoke(["review", "--topic", TOPIC, "--new", "3"], "\n4\n")
    assert "0 due · 1 new" in more.output
    assert log(isolated_home)[-1] == ("drill-03", 4)


def test_review_limit_comes_from_the_settings_file_and_the_environment(
        decks: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated_home / "settings.toml").write_text("new_per_day = 1\n", encoding="utf-8")
    assert "0 due · 1 new" in invoke(["review", "--topic", TOPIC], "q\n").output
    monkeypatch.setenv("DLSTUDY_NEW_PER_DAY", "3")
    assert "0 due · 3 new" in invoke(["review", "--topic", TOPIC], "q\n").output


def test_a_bad_settings_file_is_a_clear_error(decks: Path, isolated_home: Path) -> None:
    (isolated_home / "settings.toml").write_text("desired_retention = 2\n", encoding="utf-8")
    result = invoke(["quiz", "--topic", TOPIC])
    assert result.exit_code == 2
    assert "desired_retention must be a number from 0.7 to 0.99" in result.output


def test_first_session_writes_a_commented_settings_file(decks: Path, isolated_home: Path) -> None:
    quiz("q\n")
    text = (isolated_home / "settings.toml").read_text(encoding="utf-8")
    assert "new_per_day = 10" in text and "desired_retention = 0.9" in text
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    assert tomllib.loads(text) == {"new_per_day": 10, "desired_retention": 0.9, "extra_folders": [],
                                   "easy_within": 0, "hard_after": 0,
                                   "minutes_per_day": 30, "leech_lapses": 8, "leech_action": "tag"}


def test_data_dir_option_chooses_where_state_lives(decks: Path, tmp_path: Path, isolated_home: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = invoke(["--data-dir", str(elsewhere), "quiz", "--topic", TOPIC], "\n3\n")
    assert result.exit_code == 0
    assert log(elsewhere) == [("drill-01", 3)]
    assert not (isolated_home / "reviews.sqlite3").exists()


def test_the_p_key_proves_the_card_and_returns_to_the_grade(
        tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "decks"
    deck = drill_deck(folder, n=1)
    deck.write_text(deck.read_text(encoding="utf-8") + "    derivations: [drill_proof]\n", encoding="utf-8")
    (folder / "derivations").mkdir()
    (folder / "derivations" / "drill_proof.py").write_text(
        'TITLE = {"en": "Drill proof", "zh": "练习证明"}\n'
        'CLAIMS = [{"en": "1 + 1 = 2", "zh": "1 + 1 = 2"}]\n\n\n'
        "def derive(p):\n    pass\n\n\ndef experiment(p):\n    p.close('1 + 1', 1 + 1, 2)\n",
        encoding="utf-8")
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    asked: list[list[str]] = []

    def fake_prove(infos, device, scale, lang, jobs=1, cache=None, **options):  # type: ignore[no-untyped-def]
        from dlstudy.evidence import Evidence, Result

        asked.append([i.id for i in infos])
        assert options.get("timeout") == 120  # the time limit of `dlstudy prove --scale quick`
        return [Result(i.id, "Drill proof", "pass", "cpu", scale, 0.01,
                       evidence=[Evidence("1 + 1", 2, 2, "=", True)]) for i in infos]

    monkeypatch.setattr("dlstudy.runner.prove", fake_prove)
    out = quiz("p\n3\n")
    assert asked == [["drill_proof"]]
    assert "Drill proof" in out and "PASS" in out  # the answer, then the proof, then the grade
    assert log(isolated_home) == [("drill-01", 3)]


def test_a_quiz_session_does_not_import_heavy_libraries(decks: Path, isolated_home: Path) -> None:
    probe = ("import runpy, sys\n"
             "sys.argv = ['dlstudy', 'quiz', '--topic', 'drill']\n"
             "try:\n    runpy.run_module('dlstudy', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('HEAVY=' + ','.join(m for m in ('torch', 'sympy', 'numpy') if m in sys.modules),"
             " file=sys.stderr)\n")
    out = subprocess.run([PYTHON, "-c", probe], input="\n3\n\n3\nu\n\n4\nq\n", capture_output=True,
                         text=True, env=subprocess_env(isolated_home, decks), timeout=120)
    assert "graded drill-01 Good" in out.stdout
    assert "HEAVY=\n" in out.stderr, out.stderr


# --- the session core, without a terminal -----------------------------------------------------


def cards(decks: Path) -> list[Card]:
    return load_library([decks], derivations=False).select(TOPIC)


def test_removed_card_keeps_its_history_and_returns_with_its_id(decks: Path, tmp_path: Path) -> None:
    clock = Clock()
    home = tmp_path / "home"
    with Store.open(home, clock=clock.us) as store:
        deck = cards(decks)
        session = Session(store, store.scheduler(SchedulerConfig()), deck, "review", clock=clock.dt)
        for _ in deck:
            session.next_card()
            session.grade(3)
        clock.advance(days=30)
        assert [c.id for c in review_queue(store, deck, 0, clock.dt()).due] == [c.id for c in deck]
        fewer = [c for c in deck if c.id != "drill-02"]  # drill-02 removed from the deck
        assert [c.id for c in review_queue(store, fewer, 10, clock.dt()).cards] == ["drill-01", "drill-03"]
        assert len(list(store.reviews("drill-02"))) == 1  # …its history is kept
        assert "drill-02" in [c.id for c in review_queue(store, deck, 0, clock.dt()).due]


def test_edited_card_text_keeps_its_history(decks: Path, tmp_path: Path) -> None:
    clock = Clock()
    home = tmp_path / "home"
    with Store.open(home, clock=clock.us) as store:
        session = Session(store, store.scheduler(SchedulerConfig()), cards(decks)[:1], "quiz",
                          clock=clock.dt)
        session.next_card()
        session.grade(4)
        drill_deck(decks, n=3, question="How much is {i} plus {i}?")  # the text changes, not the ids
        edited = cards(decks)
        assert edited[0].question.en == "How much is 1 plus 1?"
        order = [c.id for c in quiz_queue(store, edited, now=clock.dt())]
        assert order[-1] == "drill-01"  # studied and not yet due: asked last
        assert store.state("drill-01") is not None


def test_session_core_undo_restores_queue_and_state(decks: Path, tmp_path: Path) -> None:
    clock = Clock()
    with Store.open(tmp_path / "home", clock=clock.us) as store:
        deck = cards(decks)
        session = Session(store, lambda: store.scheduler(SchedulerConfig()), deck, "quiz",
                          again_returns=True, clock=clock.dt)
        assert session.next_card() == deck[0]
        session.grade(1)
        assert [c.id for c in session.queue] == ["drill-02", "drill-03", "drill-01"]
        assert session.next_card() == deck[1]
        undone = session.undo()
        assert undone is not None and undone.card == deck[0]
        assert session.next_card() == deck[0]
        assert [c.id for c in session.queue] == ["drill-02", "drill-03"]
        assert store.count() == 0 and session.undo() is None
        summary = session.summary()
        assert (summary.graded, summary.left) == (0, 3)


def test_the_first_grade_that_cannot_be_saved_stops_the_session(
        decks: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    real = Store.grade
    calls = iter([False, True])

    def flaky(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if next(calls, False):
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "grade", flaky)
    result = invoke(["quiz", "--topic", TOPIC], "\n3\n\n4\n\n2\n")
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "graded drill-01 Good" in out
    assert "could not save the grade (Easy) of drill-02: database disk image is malformed" in out
    assert "The session stops here" in out and "drill-03" not in out  # nothing more was asked
    assert "Session over: 1 card, 1 grade" in out
    assert log(isolated_home) == [("drill-01", 3)]


def test_a_second_quiz_reads_the_decks_from_the_cache_without_parsing_yaml(
        decks: Path, isolated_home: Path) -> None:
    probe = ("import runpy, sys\n"
             "sys.argv = ['dlstudy', 'quiz', '--topic', 'drill']\n"
             "try:\n    runpy.run_module('dlstudy', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('YAML=' + str('yaml' in sys.modules), file=sys.stderr)\n")
    runs = [subprocess.run([PYTHON, "-c", probe], input="q\n", capture_output=True, text=True,
                           env=subprocess_env(isolated_home, decks), timeout=120) for _ in range(2)]
    assert "YAML=True" in runs[0].stderr, runs[0].stderr  # the first run parses and fills the cache
    assert "YAML=False" in runs[1].stderr, runs[1].stderr


def test_a_session_speaks_chinese_with_lang_zh(decks: Path, isolated_home: Path) -> None:
    out = quiz("3\n\n3\nx\n\n4\nu\nq\n", "--lang", "zh")
    assert "测验 · 3 张卡片" in out
    assert "请先看答案" in out and "未知的按键 'x'" in out
    assert "已评分 drill-01 良好 · 下次：" in out and "分钟后" in out
    assert "已撤销 drill-02 的评分（简单）" in out
    assert "本次结束：1 张卡片，1 次评分（良好 1）" in out and "下一张到期：" in out
    for english in ("graded", "Session over", "next in", "undid", "card(s)", "Next due"):
        assert english not in out


def test_the_summary_reads_well_with_nothing_scheduled(decks: Path) -> None:
    out = quiz("q\n")
    assert "Session over: 0 cards, 0 grades" in out and "3 cards left in the queue." in out
    assert "Nothing scheduled yet." in out and "—" not in out
    assert "尚无安排" in invoke(["quiz", "--topic", TOPIC, "--lang", "zh"], "q\n").output


def test_time_spans_and_due_times_read_well_in_both_languages() -> None:
    from datetime import timedelta

    from dlstudy.scheduler import to_us
    from dlstudy.session import describe_due, human_span, plural

    assert human_span(timedelta(hours=40)) == "2 days" and human_span(timedelta(days=0.6)) == "14 h" and human_span(timedelta(days=3)) == "3 days"
    assert human_span(timedelta(seconds=1)) == "1 s" and human_span(timedelta(days=70)) == "2 months" and human_span(timedelta(days=3), "zh") == "3 天"
    assert human_span(timedelta(minutes=5), "zh") == "5 分钟"
    now = Clock().dt()
    assert describe_due(to_us(now + timedelta(days=3)), now).startswith("in 3 days (")
    zh = describe_due(to_us(now + timedelta(days=3)), now, "zh")
    assert zh.startswith("3 天后（") and "月" in zh and "周" in zh
    assert describe_due(None) == "nothing scheduled yet" and describe_due(None, lang="zh") == "尚无安排"
    # overdue: "now (23:27)" at 23:35 read like a time still to come, and a card due two weeks
    # ago showed only its hour
    past = now - timedelta(days=14)
    assert describe_due(to_us(past), now) == f"now (due since {past.astimezone():%a %d %b %H:%M})"
    assert describe_due(to_us(now - timedelta(minutes=8)), now).startswith("now (due since ")
    assert "起已到期）" in describe_due(to_us(past), now, "zh") and "月" in describe_due(
        to_us(past), now, "zh")
    assert plural(1, "card") == "1 card" and plural(0, "card") == "0 cards"


def test_a_review_card_due_later_today_is_asked_today(decks: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # a card graded at 09:00 and due in whole days at 09:00 was "not due" at 08:55 on its due
    # date: `review` said nothing was due ("next due in 5 minutes") and a daily user met it a day
    # late. As in Anki, a card in review state is due all day on its due date.
    import time as _time
    from datetime import timedelta

    from dlstudy.scheduler import from_us

    monkeypatch.setenv("TZ", "UTC")
    _time.tzset()
    clock = Clock()
    with Store.open(tmp_path / "home", clock=clock.us) as store:
        deck = cards(decks)
        session = Session(store, store.scheduler(SchedulerConfig()), deck, "review", clock=clock.dt)
        session.next_card()
        session.grade(4)  # Easy on a new card: review state, due in whole days
        first = deck[0].id
        due = from_us(store.due_times()[first])
        assert due.time() == clock.dt().time() and due > clock.dt() + timedelta(days=1)
        clock.now = due - timedelta(minutes=5)
        assert first in [c.id for c in review_queue(store, deck, 0, clock.dt()).due]
        clock.now = due - timedelta(days=1)  # the day before: not yet
        assert first not in [c.id for c in review_queue(store, deck, 0, clock.dt()).due]
    monkeypatch.delenv("TZ")
    _time.tzset()


def test_a_learning_card_due_hours_from_now_is_not_pulled_into_the_session(
        decks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a review that runs out takes a (re)learning card due within 20 minutes (Anki's learn-ahead
    # limit), never one due hours later the same day
    import time as _time

    from dlstudy.session import review_refill

    monkeypatch.setenv("TZ", "UTC")
    _time.tzset()
    clock = Clock()
    with Store.open(tmp_path / "home", clock=clock.us) as store:
        deck = cards(decks)[:1]
        session = Session(store, store.scheduler(SchedulerConfig()), deck, "review", clock=clock.dt)
        session.next_card()
        session.grade(1)  # Again: learning, due in a minute or so
        assert [c.id for c in review_refill(deck)(session)] == [deck[0].id]
        clock.advance(hours=-3)  # the same card is now due three hours ahead, still today
        assert review_refill(deck)(session) == []
    monkeypatch.delenv("TZ")
    _time.tzset()
